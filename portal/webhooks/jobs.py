"""Sending webhooks: a job per endpoint right after a commit that wrote deliveries, and a sweep
each minute that sends what is due again (retries) and anything a lost job missed."""

import logging

from arq import cron
from arq.worker import func

from portal.config import Settings
from portal.jobs import JobContext, unit_of_work
from portal.webhooks import outbound
from portal.webhooks.service import deliveries

log = logging.getLogger(__name__)


async def deliver_webhooks(ctx: JobContext, endpoint_id: int) -> int:
    """Sends the endpoint's due deliveries, oldest first, one at a time; returns how many got
    a 2xx. A failure holds back the rest of its ordering key; a receiver that can't be reached
    stops the run (the others would fail alike: the sweep tries again when they are due)."""
    settings: Settings = ctx["settings"]
    held_back: set[str] = set()
    delivered = 0
    while True:
        async with unit_of_work(ctx) as session:
            claim = await deliveries.claim_next(
                session, endpoint_id, held_back=frozenset(held_back)
            )
        if claim is None:
            return delivered
        outcome = await outbound.post(
            claim.url,
            body=claim.body,
            headers=claim.headers,
            allow_loopback=settings.loopback_webhooks,
        )
        async with unit_of_work(ctx) as session:
            await deliveries.record_attempt(session, claim.delivery_id, outcome)
        if outcome.ok:
            delivered += 1
        elif outcome.status_code is None:
            return delivered
        else:
            held_back.add(claim.ordering_key)


async def deliver_due_webhooks(ctx: JobContext) -> int:
    async with unit_of_work(ctx) as session:
        endpoint_ids = await deliveries.due_endpoint_ids(session)
    delivered = 0
    for endpoint_id in endpoint_ids:
        try:
            delivered += await deliver_webhooks(ctx, endpoint_id)
        except Exception:  # the database, say: its leases run out and a later sweep retries
            log.exception("webhook endpoint %s: sending stopped", endpoint_id)
    return delivered


FUNCTIONS = [func(deliver_webhooks, max_tries=1, timeout=600)]
CRON_JOBS = [cron(deliver_due_webhooks, second={30}, unique=True, timeout=600)]
