"""The onboarding and re-engagement sequences: their steps (rows marketers change, add, retime
or switch off in Manage → Sequences) and the sweeps that send them. Each send is claimed in
`nudges` under the step's key first, so a rerun, a second worker or a retimed step sends it
once per person (per quiet spell, for re-engagement)."""

import secrets
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import service as audit
from portal.content.models import AssetKind
from portal.engagement import service
from portal.engagement.models import Sequence, SequenceStep
from portal.errors import NotFound, PortalError
from portal.i18n import N_
from portal.messages.copies import fill_names
from portal.outbox import service as outbox
from portal.outbox.kinds import KINDS, fill
from portal.outbox.models import EmailCategory
from portal.people.models import User
from portal.points.models import Balance
from portal.program import service as program
from portal.sanitize import clean_html, plain_text

# Onboarding steps reached more than this long ago are skipped, so people who joined before
# a step existed (or before it was moved earlier) don't get a backlog of welcomes.
CATCH_UP = timedelta(days=3)
WRITTEN = "sequence_step"  # the email kind of a step a marketer wrote
MAX_DAYS = 3650


class InvalidStep(PortalError):
    status_code = 422

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


async def steps_of(
    session: AsyncSession, sequence: Sequence, *, enabled_only: bool = False
) -> list[SequenceStep]:
    query = select(SequenceStep).where(SequenceStep.sequence == sequence)
    if enabled_only:
        query = query.where(SequenceStep.is_enabled)
    return list(await session.scalars(query.order_by(SequenceStep.days, SequenceStep.id)))


def label_of(step: SequenceStep) -> str:
    return step.subject if step.email_kind == WRITTEN else KINDS[step.email_kind].label


async def access_step(session: AsyncSession, step_id: int) -> SequenceStep:
    step = await session.get(SequenceStep, step_id)
    if step is None:
        raise NotFound()
    return step


def _check(sequence: Sequence, days: int, subject: str, body: str, *, written: bool) -> str:
    """The body cleaned; InvalidStep naming the field that is wrong."""
    smallest = 0 if sequence == Sequence.ONBOARDING else 1
    if not smallest <= days <= MAX_DAYS:
        raise InvalidStep("days", f"Choose a number of days from {smallest} to {MAX_DAYS}.")
    if not written:
        return ""
    if not " ".join(subject.split()):
        raise InvalidStep("subject", N_("Give the email a subject."))
    if len(subject) > 200:
        raise InvalidStep("subject", N_("Keep the subject under 200 characters."))
    body_html = clean_html(body)
    if not plain_text(body_html):
        raise InvalidStep("body", N_("Write the email."))
    return body_html


async def add_step(
    session: AsyncSession,
    *,
    staff: User,
    sequence: Sequence,
    days: int,
    subject: str,
    body: str,
    only_if_quiet: bool = False,
) -> SequenceStep:
    body_html = _check(sequence, days, subject, body, written=True)
    step = SequenceStep(
        sequence=sequence,
        key=f"step_{secrets.token_hex(8)}",
        days=days,
        email_kind=WRITTEN,
        subject=" ".join(subject.split()),
        body_html=body_html,
        only_if_quiet=only_if_quiet and sequence == Sequence.ONBOARDING,
        is_enabled=True,
    )
    session.add(step)
    await session.flush()
    await audit.record(
        session,
        actor=staff,
        action="sequences.step_added",
        target_type="sequence_step",
        target_id=step.id,
        summary=f"{sequence.label} step “{step.subject}” on day {days}",
    )
    return step


async def update_step(
    session: AsyncSession,
    *,
    staff: User,
    step_id: int,
    days: int,
    is_enabled: bool,
    subject: str = "",
    body: str = "",
    only_if_quiet: bool = False,
) -> SequenceStep:
    """Retimes, switches on or off, and (for a step a marketer wrote) rewords a step. The
    portal's own steps keep their wording in Manage → Emails."""
    step = await access_step(session, step_id)
    written = step.email_kind == WRITTEN
    body_html = _check(Sequence(step.sequence), days, subject, body, written=written)
    before = {"days": step.days, "enabled": step.is_enabled, "subject": step.subject}
    step.days, step.is_enabled = days, is_enabled
    if written:
        step.subject, step.body_html = " ".join(subject.split()), body_html
    if step.sequence == Sequence.ONBOARDING:
        step.only_if_quiet = only_if_quiet
    await session.flush()
    await audit.record(
        session,
        actor=staff,
        action="sequences.step_changed",
        target_type="sequence_step",
        target_id=step.id,
        summary=f"{Sequence(step.sequence).label} step “{label_of(step)}” changed",
        before=before,
        after={"days": step.days, "enabled": step.is_enabled, "subject": step.subject},
    )
    return step


async def _queue(
    session: AsyncSession, step: SequenceStep, user: User, context: dict[str, Any]
) -> bool:
    subject = fill(step.subject, context) if step.subject else None
    if step.email_kind == WRITTEN:
        body_html = fill_names(step.body_html, user, escape=True)
        context = {**context, "body_html": body_html, "body_text": plain_text(body_html)}
    queued = await outbox.queue_email(
        session,
        to=user.email,
        user_id=user.id,
        kind=step.email_kind,
        context=context,
        subject=subject,
        category=EmailCategory.REMINDERS,
    )
    return queued is not None


async def send_onboarding(
    session: AsyncSession, *, now: datetime, send_hour_zones: Collection[str] | None = None
) -> int:
    """Each step on the first send hour of the person's day after they reach its day."""
    product = await service.product_name(session)
    training = await service.open_content(session, kind=AssetKind.VIDEO, limit=3)
    sent = 0
    for step in await steps_of(session, Sequence.ONBOARDING, enabled_only=True):
        reached = now - timedelta(days=step.days)
        query = await program.in_send_hour(
            session,
            service.advocates().where(
                User.first_login_at <= reached, User.first_login_at > reached - CATCH_UP
            ),
            send_hour_zones,
        )
        async for rows in service.batches(session, query):
            for user, balance in rows:
                joined = user.first_login_at
                if step.only_if_quiet and (
                    balance.last_earned_at is not None
                    and joined is not None
                    and balance.last_earned_at > joined
                ):
                    continue
                context = {
                    **service.common_context(user, product),
                    "balance": balance.current,
                    "training": training if step.email_kind == "onboarding_training" else [],
                    "challenges": (
                        await service.best_open_challenges(session, user)
                        if step.email_kind == "onboarding_challenges"
                        else []
                    ),
                }
                if step.email_kind == "onboarding_training" and not training:
                    continue  # nothing to watch yet: the step waits for the library
                if step.email_kind == "onboarding_challenges" and not context["challenges"]:
                    continue
                if not await service.claim(session, user_id=user.id, kind=step.key, period="once"):
                    continue
                sent += await _queue(session, step, user, context)
    return sent


async def nudge_quiet_advocates(
    session: AsyncSession, *, now: datetime, send_hour_zones: Collection[str] | None = None
) -> int:
    """Each step reaches the advocates quiet for at least its days and fewer than the next
    step's: one nudge per step and quiet spell (the spell is named by the day it began), on a
    send hour of the person's day."""
    product = await service.product_name(session)
    quiet_since = func.coalesce(Balance.last_earned_at, User.first_login_at, User.created_at)
    steps = await steps_of(session, Sequence.REENGAGEMENT, enabled_only=True)
    sent = 0
    for index, step in enumerate(steps):
        query = service.advocates().where(quiet_since <= now - timedelta(days=step.days))
        if index + 1 < len(steps):
            query = query.where(quiet_since > now - timedelta(days=steps[index + 1].days))
        query = await program.in_send_hour(session, query, send_hour_zones)
        async for rows in service.batches(session, query):
            affordable = await service.affordable_rewards(session, max(b.current for _, b in rows))
            for user, balance in rows:
                since = balance.last_earned_at or user.first_login_at or user.created_at
                if not await service.claim(
                    session, user_id=user.id, kind=step.key, period=since.date().isoformat()
                ):
                    continue
                context = {
                    **service.common_context(user, product),
                    "challenges": await service.best_open_challenges(session, user),
                    "second": index > 0,
                    "days": (now - since).days,
                    "balance": balance.current,
                    "rewards": [r for r in affordable if r.cost <= balance.current][:3],
                }
                sent += await _queue(session, step, user, context)
    return sent
