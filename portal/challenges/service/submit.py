"""Submitting an entry: the window, the per-person and total limits, and the entries other domains
complete (a share, a content item used, a referral submitted)."""

from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal import links, zones
from portal.challenges import calendar
from portal.challenges.models import (
    BY_DOING,
    Challenge,
    ChallengeType,
    Submission,
    SubmissionStatus,
)
from portal.challenges.service.browse import Mine, access_challenge, why_cannot_submit
from portal.challenges.service.decide import _approve
from portal.challenges.service.rules import (
    HELD,
    CannotSubmit,
    ImageRefused,
    SubmitRefused,
    challenge_visible_to,
    completed_by_doing,
    is_open,
)
from portal.clock import utcnow
from portal.errors import NotFound
from portal.i18n import N_, _
from portal.notifications import service as notifications
from portal.outbox import service as outbox
from portal.outbox.models import EmailCategory
from portal.people.models import User
from portal.program import service as program
from portal.templating import local_datetime
from portal.trust import service as trust
from portal.wording import wording

# --- submitting ------------------------------------------------------------------------------


async def submit_entry(
    session: AsyncSession,
    *,
    user: User,
    challenge_id: int,
    key: str,
    response: dict[str, Any],
) -> Submission:
    """Records one completion, all or nothing: takes a slot under `max_total` with a
    conditional update (which also serialises entrants), checks `max_per_user`, and pays at
    once when the challenge approves automatically. The same form key twice returns the
    first submission."""
    view = await access_challenge(session, viewer=user, challenge_id=challenge_id)
    if view.challenge.type in BY_DOING:
        raise SubmitRefused(completed_by_doing(view.challenge))
    if view.challenge.type == ChallengeType.UPLOAD_IMAGE and not response.get("image"):
        raise ImageRefused(_("Choose a photo or screenshot to upload."))
    return await record_entry(
        session, user=user, challenge=view.challenge, key=key, response=response
    )


async def earlier_entry(session: AsyncSession, key: str, user: User) -> Submission | None:
    earlier = await session.scalar(select(Submission).where(Submission.request_key == key))
    if earlier is not None and earlier.user_id != user.id:
        raise NotFound()
    return earlier


async def record_entry(
    session: AsyncSession,
    *,
    user: User,
    challenge: Challenge,
    key: str,
    response: dict[str, Any],
) -> Submission:
    if (earlier := await earlier_entry(session, key, user)) is not None:
        return earlier
    try:
        async with session.begin_nested():
            submission = await _take_slot_and_record(
                session, user=user, challenge=challenge, key=key, response=response
            )
    except IntegrityError:  # the same form, twice at once: the first one won
        if (earlier := await earlier_entry(session, key, user)) is None:
            raise
        return earlier
    verdict = await trust.entry_verdict(
        session, user_id=user.id, challenge_needs_review=challenge.needs_review
    )
    if verdict.needs_review:
        await _tell_reviewers(session, submission, challenge=challenge, user=user)
    else:
        await _approve(session, submission, challenge=challenge, user=user, by=None)
    await trust.record_verdict(
        session,
        verdict,
        target_type="submission",
        target_id=submission.id,
        subject=f"{challenge.title} by {user.email}",
    )
    if challenge.type == ChallengeType.ATTEND_EVENT:
        await _send_event_invite(session, challenge=challenge, user=user)
    return submission


async def _send_event_invite(session: AsyncSession, *, challenge: Challenge, user: User) -> None:
    """The advocate who will attend gets the event by email, its time in their zone and the
    .ics file attached for their calendar."""
    ics = calendar.event_ics(challenge, host=links.host())
    if ics is None or challenge.event_at is None:
        return
    zone = zones.person_zone(user.time_zone, (await program.load_once(session)).zone_name)
    await outbox.queue_email(
        session,
        to=user.email,
        user_id=user.id,
        kind="event_invite",
        context={
            "name": user.display_name,
            "challenge": challenge.title,
            "when": local_datetime(challenge.event_at, zone),
            "place": challenge.settings.get("place", ""),
            "event_link": challenge.settings.get("event_link", ""),
            "link": links.absolute_url("challenges:detail", challenge_id=challenge.id),
        },
        category=EmailCategory.CHALLENGES,
        attachments=[
            outbox.Attachment(calendar.filename(challenge), calendar.MEDIA_TYPE, ics.decode())
        ],
    )


async def _tell_reviewers(
    session: AsyncSession, submission: Submission, *, challenge: Challenge, user: User
) -> None:
    """Marketers and admins see each entry waiting for review in their bell."""
    await notifications.notify_program_staff(
        session,
        kind="submission_to_review",
        title=wording(
            N_("%(name)s completed “%(title)s”: review it"),
            name=user.display_name,
            title=challenge.title_source,
        ),
        link=links.path_for("approvals:queue") + f"?challenge={challenge.id}",
    )


async def _take_slot_and_record(
    session: AsyncSession,
    *,
    user: User,
    challenge: Challenge,
    key: str,
    response: dict[str, Any],
) -> Submission:
    now = utcnow()
    taken = await session.execute(
        update(Challenge)
        .where(
            Challenge.id == challenge.id,
            is_open(now),
            or_(Challenge.max_total.is_(None), Challenge.taken < Challenge.max_total),
        )
        .values(taken=Challenge.taken + 1)
        .returning(Challenge.id)
        .execution_options(synchronize_session=False)
    )
    if taken.one_or_none() is None:
        fresh = await session.scalar(
            select(Challenge)
            .where(Challenge.id == challenge.id)
            .execution_options(populate_existing=True)
        )
        assert fresh is not None  # noqa: S101 (it was just loaded)
        raise SubmitRefused(why_cannot_submit(fresh, Mine(), now=now) or CannotSubmit.FULL)
    held = await session.scalar(
        select(func.count()).where(
            Submission.challenge_id == challenge.id,
            Submission.user_id == user.id,
            Submission.status.in_(HELD),
        )
    )
    if (held or 0) >= challenge.max_per_user:
        pending = await session.scalar(
            select(func.count()).where(
                Submission.challenge_id == challenge.id,
                Submission.user_id == user.id,
                Submission.status == SubmissionStatus.PENDING,
            )
        )
        raise SubmitRefused(CannotSubmit.PENDING if pending else CannotSubmit.LIMIT_REACHED)
    submission = Submission(
        challenge_id=challenge.id,
        user_id=user.id,
        status=SubmissionStatus.PENDING,
        response=response,
        request_key=key,
        points=challenge.points,
        feedback="",
        created_at=now,
    )
    session.add(submission)
    await session.flush()
    return submission


async def record_share(
    session: AsyncSession, *, user: User, challenge_id: int, network: str, key: str
) -> Submission:
    """A click on one of a share_link challenge's share actions completes it."""
    view = await access_challenge(session, viewer=user, challenge_id=challenge_id)
    if view.challenge.type != ChallengeType.SHARE_LINK:
        raise NotFound()
    return await record_entry(
        session, user=user, challenge=view.challenge, key=key, response={"network": network}
    )


async def record_asset_used(
    session: AsyncSession, *, user: User, asset_id: int, watched: bool
) -> list[Submission]:
    """Completes the open challenges linked to a content item: `watch_video` ones when the
    video was watched to the end, `download_asset` ones when the item was downloaded or opened
    (on content's `AssetUsed` event). Once per person and challenge."""
    return await _complete_open(
        session,
        user,
        ChallengeType.WATCH_VIDEO if watched else ChallengeType.DOWNLOAD_ASSET,
        linked_asset=asset_id,
        key=f"asset:{asset_id}:challenge:{{challenge}}:user:{user.id}",
        response={"asset_id": asset_id, "watched": watched},
    )


async def record_referral_submitted(
    session: AsyncSession, *, user: User, referral_id: int, company: str
) -> list[Submission]:
    """Completes every open `refer` challenge the referrer can still take (on the referrals'
    `ReferralSubmitted` event). Full or used-up ones are passed over."""
    return await _complete_open(
        session,
        user,
        ChallengeType.REFER,
        key=f"referral:{referral_id}:challenge:{{challenge}}",
        response={"referral_id": referral_id, "company": company},
    )


async def _complete_open(
    session: AsyncSession,
    user: User,
    kind: ChallengeType,
    *,
    key: str,
    response: dict[str, Any],
    linked_asset: int | None = None,
) -> list[Submission]:
    """An entry in each open challenge of `kind` the person can see and still take (for a
    content challenge, only those linked to `linked_asset`); `key` names the challenge as
    `{challenge}`. Full or used-up ones are passed over."""
    challenges = [
        challenge
        for challenge in await session.scalars(
            select(Challenge).where(
                Challenge.type == kind, is_open(utcnow()), challenge_visible_to(user)
            )
        )
        if linked_asset is None or challenge.settings.get("asset_id") == linked_asset
    ]
    done = []
    for challenge in challenges:
        try:
            done.append(
                await record_entry(
                    session,
                    user=user,
                    challenge=challenge,
                    key=key.format(challenge=challenge.id),
                    response=response,
                )
            )
        except SubmitRefused:
            continue
    return done


async def record_reported_completion(
    session: AsyncSession, *, user: User, challenge_id: int, key: str, response: dict[str, Any]
) -> Submission | None:
    """Another system reported that the person did what a challenge asks (the events API): an
    entry, approved at once or queued for review like any other; None when the challenge is
    closed, hidden from the person or used up."""
    challenge = await session.scalar(
        select(Challenge).where(
            Challenge.id == challenge_id, is_open(utcnow()), challenge_visible_to(user)
        )
    )
    if challenge is None:
        return None
    try:
        return await record_entry(
            session, user=user, challenge=challenge, key=key, response=response
        )
    except SubmitRefused:
        return None
