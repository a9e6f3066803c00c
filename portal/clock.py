"""The one source of the current time: aware UTC, so tests can move it."""

from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_offset = timedelta(0)


def utcnow() -> datetime:
    return datetime.now(UTC) + _offset


@contextmanager
def shifted(by: timedelta) -> Iterator[None]:
    """Run a block as if `by` had passed (tests use it to expire links and windows)."""
    global _offset
    previous = _offset
    _offset = previous + by
    try:
        yield
    finally:
        _offset = previous


@dataclass(frozen=True)
class At:
    """Something to do a while ago: demo history is made through the real services, each step
    at its moment and all of them in time order, so ledgers, timelines and notifications read
    as they would have happened."""

    ago: timedelta
    run: Callable[[], Awaitable[object]]


async def replay(steps: Iterable[At]) -> None:
    """Runs the steps oldest first (steps at the same moment in the order given)."""
    for step in sorted(steps, key=lambda step: -step.ago):
        with shifted(-step.ago):
            await step.run()
