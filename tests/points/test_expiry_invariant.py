"""Random months of awards, spends, refunds, negative adjustments and expiry runs: the balance
always equals the sum of the ledger, lifetime points never move for an expiry, and what expired
equals a plain first-in, first-out model of lots (each lot spent oldest first, gone two months
after its day)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.points import service as points
from portal.points.models import EntryKind, LedgerEntry
from portal.points.service.expiry import add_months
from tests.factories import make_advocate, make_marketer

START = datetime(2030, 1, 1, 12, tzinfo=UTC)  # later than any other test's clock
MONTHS = 2
steps = st.lists(
    st.tuples(
        st.sampled_from(["award", "award", "spend", "refund", "adjust", "expire"]),
        st.integers(min_value=1, max_value=300),
        st.integers(min_value=0, max_value=40),  # days after the step before
    ),
    min_size=1,
    max_size=25,
)


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with clock.shifted(moment - datetime.now(UTC)):
        yield


class Lots:
    """The model: lots of (day, points left), oldest first."""

    def __init__(self) -> None:
        self.lots: list[list[object]] = []
        self.expired = 0

    @property
    def balance(self) -> int:
        return sum(int(points) for _day, points in self.lots)  # type: ignore[call-overload]

    def add(self, day: date, amount: int) -> None:
        self.lots.append([day, amount])

    def take(self, amount: int) -> None:
        for lot in self.lots:
            taken = min(int(lot[1]), amount)  # type: ignore[call-overload]
            lot[1] = int(lot[1]) - taken  # type: ignore[call-overload]
            amount -= taken

    def expire(self, today: date) -> None:
        for lot in self.lots:
            if add_months(lot[0], MONTHS) <= today:  # type: ignore[arg-type]
                self.expired += int(lot[1])  # type: ignore[call-overload]
                lot[1] = 0


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=steps)
async def test_expiry_keeps_the_ledger_whole_and_matches_first_in_first_out(
    session: AsyncSession, plan: list[tuple[str, int, int]]
) -> None:
    marketer = await make_marketer(session)
    if not (await points.load_rules(session)).expire_after_months:
        with at(START):
            await points.save_rules(session, actor=marketer, expire_after_months=MONTHS)
    ada = await make_advocate(session)
    model, moment, lifetime = Lots(), START, 0
    for n, (operation, amount, days) in enumerate(plan):
        moment += timedelta(days=days)
        key = f"x:{ada.id}:{n}"
        with at(moment):
            today = moment.date()
            if operation == "award":
                await points.award(session, ada, points=amount, reason="r", key=key)
                model.add(today, amount)
                lifetime += amount
            elif operation == "refund":
                await points.refund(session, ada, points=amount, reason="r", key=key)
                model.add(today, amount)
            elif operation in ("spend", "adjust") and amount <= model.balance:
                if operation == "spend":
                    await points.spend(session, ada, points=amount, reason="r", key=key)
                else:
                    await points.adjust(
                        session,
                        ada,
                        points=-amount,
                        reason="r",
                        key=key,
                        actor=marketer,
                        counts_toward_lifetime=False,
                    )
                model.take(amount)
            elif operation == "expire":
                await points.expire_due(session, now=moment, limit=10_000)
                await points.expire_due(session, now=moment, limit=10_000)  # a rerun: nothing
                model.expire(today)
        balance = await points.balance_of(session, ada)
        total = await session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.delta), 0)).where(
                LedgerEntry.user_id == ada.id, LedgerEntry.state == "posted"
            )
        )
        assert balance.current == total == model.balance
        assert balance.lifetime == lifetime
    expired = await session.scalar(
        select(func.coalesce(func.sum(-LedgerEntry.delta), 0)).where(
            LedgerEntry.user_id == ada.id, LedgerEntry.kind == EntryKind.EXPIRE
        )
    )
    assert expired == model.expired
