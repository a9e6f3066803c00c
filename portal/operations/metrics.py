"""Prometheus metrics: what each process counts (requests, jobs) and what the database knows
(the outbox's and the webhooks' backlogs, points awarded), in the text format at `/metrics`.

Several processes on one host. Counters kept in a process's memory would make each scrape
show only the worker that answered it. With `PROMETHEUS_MULTIPROC_DIR` set, prometheus_client
keeps every process's values in memory-mapped files in that directory, and a scrape adds up the
files of every process (web workers and `portal worker` alike, when they share the directory):
`portal run --workers N` makes a fresh one when none is set. Values of processes that ended
stay in their files, so a counter never goes back; the directory belongs on a tmpfs that a
reboot empties (/run).

Several hosts. Each host is scraped on its own address and reports its own processes; the
database figures are the same from every host (take `max` across instances, not `sum`)."""

import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import wraps
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.clock import utcnow
from portal.outbox.models import EmailStatus, OutboxEmail
from portal.points.models import EntryKind, EntryState, LedgerEntry
from portal.webhooks.models import DeliveryStatus, WebhookDelivery

UNMATCHED = "unmatched"  # a path no route knows: one label, whatever the path was
REQUEST_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
JOB_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)

REQUESTS = Counter(
    "portal_http_requests",
    "HTTP requests answered, by route template, method and status",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "portal_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response, by route template",
    ["route", "method"],
    buckets=REQUEST_BUCKETS,
)
JOB_RUNS = Counter("portal_job_runs", "Job runs (each try counts), by job", ["job"])
JOB_FAILURES = Counter(
    "portal_job_failures", "Job runs that raised (arq retries them), by job", ["job"]
)
JOB_SECONDS = Histogram(
    "portal_job_duration_seconds", "Time a job run took, by job", ["job"], buckets=JOB_BUCKETS
)


def multi_process() -> bool:
    """Whether this process records into PROMETHEUS_MULTIPROC_DIR (decided when
    prometheus_client was first imported, from the environment)."""
    return values.ValueClass is not values.MutexValue


def process_metrics() -> bytes:
    if not multi_process():
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def route_templates(routes: Sequence[BaseRoute], prefix: str = "") -> dict[int, str]:
    """Each route (by identity, as Starlette leaves it in `scope["route"]`) → its full path
    template: `/manage/people/{user_id:int}`, never the path with the id in it."""
    templates: dict[int, str] = {}
    for route in routes:
        path = prefix + str(getattr(route, "path", ""))
        templates[id(route)] = path or "/"
        if isinstance(route, Mount) and route.routes:
            templates.update(route_templates(route.routes, path))
    return templates


class RequestMetrics:
    """Counts every HTTP request and times it until its response has been sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.templates: dict[int, str] | None = None

    def _template(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is None:
            return UNMATCHED
        if self.templates is None:
            self.templates = route_templates(scope["app"].routes)
        return self.templates.get(id(route), UNMATCHED)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before answering

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            route = self._template(scope)
            method = scope["method"]
            REQUESTS.labels(route, method, str(status)).inc()
            REQUEST_SECONDS.labels(route, method).observe(time.perf_counter() - started)


JobCoroutine = Callable[..., Awaitable[Any]]


def timed(name: str, coroutine: JobCoroutine) -> JobCoroutine:
    @wraps(coroutine)
    async def run(*args: Any, **kwargs: Any) -> Any:
        JOB_RUNS.labels(name).inc()
        started = time.perf_counter()
        try:
            return await coroutine(*args, **kwargs)
        except BaseException:  # a timeout cancels the run: a failure too
            JOB_FAILURES.labels(name).inc()
            raise
        finally:
            JOB_SECONDS.labels(name).observe(time.perf_counter() - started)

    return run


def timed_jobs(jobs: Sequence[Any]) -> list[Any]:
    """arq's `Function`s or `CronJob`s (dataclasses with `name` and `coroutine`), each run
    counted and timed under its name: in `portal worker` and in-process alike."""
    return [replace(job, coroutine=timed(job.name, job.coroutine)) for job in jobs]


@dataclass(frozen=True)
class Backlogs:
    outbox: dict[str, int]  # status → emails (pending, sending, failed)
    oldest_pending_seconds: float
    webhooks: dict[str, int]  # status → deliveries (pending, failed)
    points_awarded: int


# A ledger row is never changed or deleted, so the sum of the awards up to a row id stays
# right once every transaction that could still add a row below that id has ended: rows older
# than this are taken as settled.
SETTLED_AFTER = timedelta(minutes=10)


@dataclass
class AwardedSoFar:
    """The awards summed up to a ledger id, per app: a scrape then reads only the rows after
    it (by primary key), not the whole ledger (a full sum took 190 ms at a million rows)."""

    upto_id: int = 0
    points: int = 0

    async def total(self, session: AsyncSession) -> int:
        awards = (LedgerEntry.kind == EntryKind.AWARD, LedgerEntry.state == EntryState.POSTED)
        settled = await session.scalar(
            select(func.max(LedgerEntry.id)).where(
                LedgerEntry.id > self.upto_id, LedgerEntry.created_at < utcnow() - SETTLED_AFTER
            )
        )
        if settled is not None:
            self.points += int(
                await session.scalar(
                    select(func.coalesce(func.sum(LedgerEntry.delta), 0)).where(
                        LedgerEntry.id > self.upto_id, LedgerEntry.id <= settled, *awards
                    )
                )
                or 0
            )
            self.upto_id = int(settled)
        recent = await session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.delta), 0)).where(
                LedgerEntry.id > self.upto_id, *awards
            )
        )
        return self.points + int(recent or 0)


async def read_backlogs(
    sessionmaker: async_sessionmaker[AsyncSession], awarded: AwardedSoFar
) -> Backlogs:
    waiting = (EmailStatus.PENDING, EmailStatus.SENDING, EmailStatus.FAILED)
    async with sessionmaker() as session:
        outbox = await session.execute(
            select(OutboxEmail.status, func.count())
            .where(OutboxEmail.status.in_(waiting))
            .group_by(OutboxEmail.status)
        )
        oldest = await session.scalar(
            select(func.min(OutboxEmail.created_at)).where(
                OutboxEmail.status == EmailStatus.PENDING
            )
        )
        webhooks = await session.execute(
            select(WebhookDelivery.status, func.count())
            .where(WebhookDelivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.FAILED)))
            .group_by(WebhookDelivery.status)
        )
        points = await awarded.total(session)
    counts = {str(status): 0 for status in waiting}
    counts.update({str(status): int(count) for status, count in outbox.all()})
    deliveries = {str(DeliveryStatus.PENDING): 0, str(DeliveryStatus.FAILED): 0}
    deliveries.update({str(status): int(count) for status, count in webhooks.all()})
    age = 0.0 if oldest is None else max(0.0, (utcnow() - oldest).total_seconds())
    return Backlogs(counts, age, deliveries, points)


class _Read(Collector):
    def __init__(self, backlogs: Backlogs) -> None:
        self.backlogs = backlogs

    def collect(self) -> Iterator[Any]:
        outbox = GaugeMetricFamily(
            "portal_outbox_emails",
            "Emails in the outbox not sent yet (pending, sending) or given up on (failed)",
            labels=["status"],
        )
        for status, count in sorted(self.backlogs.outbox.items()):
            outbox.add_metric([status], count)
        yield outbox
        yield GaugeMetricFamily(
            "portal_outbox_oldest_pending_seconds",
            "Age of the oldest email waiting to be sent (0: none waits)",
            value=self.backlogs.oldest_pending_seconds,
        )
        webhooks = GaugeMetricFamily(
            "portal_webhook_deliveries",
            "Webhook deliveries waiting for a try (pending) or given up on (failed)",
            labels=["status"],
        )
        for status, count in sorted(self.backlogs.webhooks.items()):
            webhooks.add_metric([status], count)
        yield webhooks
        yield CounterMetricFamily(
            "portal_points_awarded",
            "Points awarded since the program began (posted awards in the ledger)",
            value=self.backlogs.points_awarded,
        )


def database_metrics(backlogs: Backlogs) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Read(backlogs))
    return generate_latest(registry)
