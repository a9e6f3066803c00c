"""Reading trust scores, the settings of the rules that use them, and the rules themselves: an
entry or a redemption skips review for a trusted advocate, and waits for a person whatever its
challenge or reward says when the advocate's score is under the review threshold."""

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import service as audit
from portal.clock import utcnow
from portal.people.models import User
from portal.program.sections import read_section, store_section
from portal.trust.models import TrustScore

PREFIX = "trust."


@dataclass(frozen=True)
class Reason:
    """One line of a score's explanation, with what it added or took away."""

    text: str
    points: int


@dataclass(frozen=True)
class TrustSettings:
    # Entries of challenges that ask for review are approved at once from this score (0: never).
    auto_approve_from: int = 0
    # Code and gift-card redemptions that ask for approval go through at once from this score
    # (0: never), when they cost at most `auto_fulfil_max_points`.
    auto_fulfil_from: int = 0
    auto_fulfil_max_points: int = 1000
    # Points waiting out a clearance window (e.g. 30 days after a won deal) are paid at once
    # from this score (0: never); points held for review still wait for a person.
    clear_early_from: int = 0
    # Under this score every entry and every redemption waits for a person (0: off).
    review_below: int = 0
    # A code pool that falls under this many unused codes alerts the program team (0: off).
    low_code_pool: int = 10


async def load_settings(session: AsyncSession) -> TrustSettings:
    return await read_section(session, TrustSettings, prefix=PREFIX)


async def save_settings(session: AsyncSession, *, actor: User, **changes: int) -> TrustSettings:
    return await store_section(
        session,
        await load_settings(session),
        changes,
        actor=actor,
        prefix=PREFIX,
        action="trust.settings_updated",
        summary="Changed trust and fulfilment settings:",
    )


# --- scores ------------------------------------------------------------------------------------


async def score_of(session: AsyncSession, user_id: int) -> TrustScore | None:
    return await session.get(TrustScore, user_id)


async def scores_of(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, TrustScore]:
    """The scores of many people at once (a queue shows one per row); unscored people absent."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    rows = await session.scalars(select(TrustScore).where(TrustScore.user_id.in_(wanted)))
    return {row.user_id: row for row in rows}


async def store_score(
    session: AsyncSession, *, user_id: int, score: int, reasons: list[Reason]
) -> TrustScore:
    row = await session.get(TrustScore, user_id)
    if row is None:
        row = TrustScore(user_id=user_id)
        session.add(row)
    row.score = score
    row.reasons = [asdict(reason) for reason in reasons]
    row.computed_at = utcnow()
    await session.flush()
    return row


# --- the rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Whether something waits for a person; `why` is set when the score changed the answer."""

    needs_review: bool
    why: str = ""


async def entry_verdict(
    session: AsyncSession, *, user_id: int, challenge_needs_review: bool
) -> Verdict:
    """A challenge entry: reviewed as its challenge says, unless the score decides otherwise."""
    row = await score_of(session, user_id)
    if row is None:
        return Verdict(challenge_needs_review)
    settings = await load_settings(session)
    if settings.review_below and row.score < settings.review_below:
        return Verdict(True, f"trust score {row.score}, under {settings.review_below}")
    trusted = settings.auto_approve_from and row.score >= settings.auto_approve_from
    if challenge_needs_review and trusted:
        return Verdict(False, f"trust score {row.score}, at least {settings.auto_approve_from}")
    return Verdict(challenge_needs_review)


async def clearance_verdict(session: AsyncSession, *, user_id: int) -> Verdict:
    """Points with a clearance window: they wait it out, unless the person's score is at least
    the early-clearance score (then they are paid at once)."""
    settings = await load_settings(session)
    if not settings.clear_early_from:
        return Verdict(True)
    row = await score_of(session, user_id)
    if row is None or row.score < settings.clear_early_from:
        return Verdict(True)
    return Verdict(False, f"trust score {row.score}, at least {settings.clear_early_from}")


async def redemption_verdict(
    session: AsyncSession,
    *,
    user_id: int,
    reward_needs_approval: bool,
    delivered_as_code: bool,
    cost: int,
) -> Verdict:
    """A redemption: approved as its reward says; a code or gift card that asks for approval
    goes through at once for a trusted advocate up to the points limit; under the review
    threshold everything waits."""
    row = await score_of(session, user_id)
    if row is None:
        return Verdict(reward_needs_approval)
    settings = await load_settings(session)
    if settings.review_below and row.score < settings.review_below:
        return Verdict(True, f"trust score {row.score}, under {settings.review_below}")
    if (
        reward_needs_approval
        and delivered_as_code
        and settings.auto_fulfil_from
        and row.score >= settings.auto_fulfil_from
        and cost <= settings.auto_fulfil_max_points
    ):
        return Verdict(False, f"trust score {row.score}, at least {settings.auto_fulfil_from}")
    return Verdict(reward_needs_approval)


async def record_verdict(
    session: AsyncSession, verdict: Verdict, *, target_type: str, target_id: int, subject: str
) -> None:
    """An audit row when the score changed what happened (`trust.<target>_approved` or
    `trust.<target>_held`), naming the score, so staff can tell why."""
    if not verdict.why:
        return
    approved = not verdict.needs_review
    await audit.record(
        session,
        actor=None,
        action=f"trust.{target_type}_{'approved' if approved else 'held'}",
        target_type=target_type,
        target_id=target_id,
        summary=f"{subject}: {'approved at once' if approved else 'held for review'} "
        f"({verdict.why})",
    )
