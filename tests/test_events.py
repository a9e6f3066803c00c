"""Typed domain events: in-transaction handlers share the fate of the change, after-commit jobs
leave only with a commit, the wiring installs once, and each catalogue event is raised once,
with its fields, where it happens."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import events, subscriptions
from portal.auth import service as auth
from portal.challenges import service as challenges
from portal.challenges.models import Approval
from portal.content import service as content
from portal.files.storage import LocalStorage
from portal.jobs import PendingJob, take_pending
from portal.notifications.models import Notification
from portal.outbox.models import OutboxEmail
from portal.people.models import Role, User, UserStatus
from portal.points import service as points
from portal.points.models import Level
from portal.program import service as program
from portal.program.service import SignupMode
from portal.referrals import service as referrals
from portal.referrals.models import ReferralClick, Stage
from portal.rewards import service as rewards
from tests.factories import (
    give_points,
    make_advocate,
    make_asset,
    make_challenge,
    make_marketer,
    make_referral,
    make_reward,
)
from tests.sso import asserted, make_sso_provider

BASE = "http://portal.test"


@dataclass(frozen=True)
class Pinged(events.Event):
    user_id: int


class Boom(Exception):
    pass


@pytest.fixture
def wiring() -> Iterator[None]:
    """A test that subscribes its own handlers leaves the app's wiring as it found it."""
    events.clear()
    yield
    subscriptions.install()


@contextmanager
def raised(*event_types: type[events.Event]) -> Iterator[list[Any]]:
    """The events of these types raised inside the block, besides the app's subscribers."""
    seen: list[Any] = []

    async def record(session: AsyncSession, event: events.Event) -> None:
        seen.append(event)

    subscriptions.install()
    for event_type in event_types:
        events.on(event_type, record)
    try:
        yield seen
    finally:
        subscriptions.install()


async def _notes_of(session: AsyncSession, user_id: int) -> list[str]:
    return list(
        await session.scalars(select(Notification.title).where(Notification.user_id == user_id))
    )


# --- the kernel ------------------------------------------------------------------------------


async def test_an_in_transaction_handler_sees_the_change_and_rolls_back_with_it(
    session: AsyncSession, wiring: None
) -> None:
    advocate = await make_advocate(session, name="Ada")
    names_seen: list[str | None] = []

    async def note_the_name(session: AsyncSession, event: Pinged) -> None:
        names_seen.append(
            await session.scalar(select(User.display_name).where(User.id == event.user_id))
        )
        session.add(Notification(user_id=event.user_id, kind="ping", title="Pinged"))
        await session.flush()

    async def rename_then_fail() -> None:
        async with session.begin_nested():
            advocate.display_name = "Ada Renamed"
            await events.publish(session, Pinged(user_id=user_id))
            assert await _notes_of(session, user_id) == ["Pinged"]
            raise Boom

    user_id = advocate.id
    events.on(Pinged, note_the_name)
    with pytest.raises(Boom):
        await rename_then_fail()
    assert names_seen == ["Ada Renamed"]
    assert await _notes_of(session, user_id) == []


async def test_an_after_commit_job_is_queued_on_the_session_with_the_event_fields(
    session: AsyncSession, wiring: None
) -> None:
    events.after_commit(Pinged, "ping")
    await events.publish(session, Pinged(user_id=7))
    assert take_pending(session) == [PendingJob("ping", {"user_id": 7})]


async def test_an_after_commit_job_is_dropped_with_the_savepoint_that_raised_it(
    session: AsyncSession, wiring: None
) -> None:
    events.after_commit(Pinged, "ping")

    async def raise_two_then_fail() -> None:
        async with session.begin_nested():
            await events.publish(session, Pinged(user_id=2))
            async with session.begin_nested():  # released, then rolled back with its parent
                await events.publish(session, Pinged(user_id=3))
            raise Boom

    await events.publish(session, Pinged(user_id=1))
    with pytest.raises(Boom):
        await raise_two_then_fail()
    async with session.begin_nested():
        await events.publish(session, Pinged(user_id=4))
    assert [job.kwargs["user_id"] for job in take_pending(session)] == [1, 4]


async def test_nothing_is_queued_by_a_transaction_that_rolls_back(
    session: AsyncSession, wiring: None
) -> None:
    events.after_commit(Pinged, "ping")
    await events.publish(session, Pinged(user_id=1))
    await session.rollback()
    assert take_pending(session) == []


async def test_installing_twice_subscribes_once(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    subscriptions.install()
    subscriptions.install()
    await events.publish(session, events.ShareLinkVisited(advocate_id=advocate.id, client_key="k"))
    clicks = select(func.count()).where(ReferralClick.referrer_id == advocate.id)
    assert await session.scalar(clicks) == 1


# --- the catalogue, raised where it happens -------------------------------------------------


async def test_using_an_item_and_visiting_a_share_page_are_raised_once(
    session: AsyncSession, tmp_path: Path
) -> None:
    marketer = await make_marketer(session)
    advocate = await make_advocate(session)
    link = await make_asset(
        session, LocalStorage(tmp_path), actor=marketer, url="https://acme.example/blog"
    )
    with raised(events.AssetUsed, events.ShareLinkVisited) as seen:
        await content.record_download(session, advocate, link)
        code = advocate.referral_code
        await content.share_page(session, asset_id=link.id, code=code, client_key="visitor")
        await content.share_page(
            session, asset_id=link.id, code=code, client_key="own", viewer_id=advocate.id
        )
    assert seen == [
        events.AssetUsed(user_id=advocate.id, asset_id=link.id, watched=False),
        events.ShareLinkVisited(advocate_id=advocate.id, client_key="visitor"),
    ]
    clicks = select(ReferralClick.client_key).where(ReferralClick.referrer_id == advocate.id)
    assert list(await session.scalars(clicks)) == ["visitor"]


async def test_a_submitted_referral_and_each_stage_change_are_raised_once(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session)
    with raised(events.ReferralSubmitted, events.ReferralStageChanged) as seen:
        referral = await make_referral(session, advocate, company="Navy Labs")
        await session.refresh(referral, ["referrer"])
        await referrals.move_referral(session, referral, to=Stage.QUALIFIED, actor=None)
    assert seen == [
        events.ReferralSubmitted(
            referral_id=referral.id, referrer_id=advocate.id, company="Navy Labs"
        ),
        events.ReferralStageChanged(
            referral_id=referral.id,
            referrer_id=advocate.id,
            from_stage="submitted",
            to_stage="qualified",
            points=200,  # contacted pays nothing by default, qualified 200
        ),
    ]


async def test_a_decision_is_raised_for_auto_approval_approval_and_rejection(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session)
    marketer = await make_marketer(session)
    auto = await make_challenge(session, title="Auto")
    manual = await make_challenge(session, title="Manual", approval=Approval.MANUAL)
    rejected = await make_challenge(session, title="Rejected", approval=Approval.MANUAL)
    with raised(events.SubmissionDecided) as seen:
        entries = [
            await challenges.submit_entry(
                session, user=advocate, challenge_id=c.id, key=f"k{c.id}", response={}
            )
            for c in (auto, manual, rejected)
        ]
        await challenges.approve_submission(session, staff=marketer, submission_id=entries[1].id)
        await challenges.reject_submission(
            session, staff=marketer, submission_id=entries[2].id, feedback="No"
        )
    assert seen == [
        events.SubmissionDecided(
            submission_id=entry.id, challenge_id=entry.challenge_id, user_id=advocate.id, status=s
        )
        for entry, s in zip(entries, ["approved", "approved", "rejected"], strict=True)
    ]


async def test_every_redemption_status_change_is_raised(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    marketer = await make_marketer(session)
    await give_points(session, advocate, 5_000)
    at_once = await make_reward(session, title="Sticker", needs_approval=False)
    reviewed = await make_reward(session, title="Hoodie")

    async def redeem(reward_id: int, key: str) -> int:
        redemption = await rewards.request_redemption(
            session, user=advocate, reward_id=reward_id, key=key, shipping=None
        )
        return redemption.id

    with raised(events.RedemptionChanged) as seen:
        sticker = await redeem(at_once.id, "a")
        shipped = await redeem(reviewed.id, "b")
        await rewards.approve_redemption(session, staff=marketer, redemption_id=shipped)
        await rewards.fulfil_redemption(
            session, staff=marketer, redemption_id=shipped, tracking_note=""
        )
        declined = await redeem(reviewed.id, "c")
        await rewards.reject_redemption(
            session, staff=marketer, redemption_id=declined, reason="Gone"
        )
        cancelled = await redeem(reviewed.id, "d")
        await rewards.cancel_redemption(session, user=advocate, redemption_id=cancelled)
    assert [(e.redemption_id, e.status) for e in seen] == [
        (sticker, "requested"),
        (sticker, "approved"),
        (shipped, "requested"),
        (shipped, "approved"),
        (shipped, "fulfilled"),
        (declined, "requested"),
        (declined, "rejected"),
        (cancelled, "requested"),
        (cancelled, "cancelled"),
    ]
    assert {(e.user_id, e.reward_id) for e in seen[2:]} == {(advocate.id, reviewed.id)}


async def test_joining_is_raised_by_invitation_sign_up_approval_and_first_sso(
    session: AsyncSession,
) -> None:
    marketer = await make_marketer(session)
    with raised(events.AdvocateJoined) as seen:
        invitation = await auth.invite(
            session,
            inviter=marketer,
            email="invited@example.com",
            display_name="Ivy",
            roles=[Role.ADVOCATE],
        )
        await auth.accept_invitation(
            session,
            token=await _invitation_token(session, invitation.user),
            display_name="Ivy",
            password="a long new password",
        )
        by_sso = await auth.invite(
            session,
            inviter=marketer,
            email="sso-invited@example.com",
            display_name="Sol",
            roles=[Role.ADVOCATE],
        )
        provider = await make_sso_provider(session)
        await auth.sso_sign_in(
            session, provider=provider, assertion=asserted("sso-invited@example.com", name="Sol")
        )
        await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
        opened = await _sign_up(session, "open@example.com")
        joined_by_sso = (
            await auth.sso_sign_in(
                session, provider=provider, assertion=asserted("new-sso@example.com", name="Neo")
            )
        ).user
        await program.update(session, actor=None, signup_mode=SignupMode.APPROVAL)
        waiting = await _sign_up(session, "waiting@example.com")
        assert waiting.status == UserStatus.PENDING
        assert len(seen) == 4
        await auth.approve_signup(session, actor=marketer, user=waiting)
    assert seen == [
        events.AdvocateJoined(user_id=user_id)
        for user_id in (
            invitation.user.id,
            by_sso.user.id,
            opened.id,
            joined_by_sso.id,
            waiting.id,
        )
    ]


async def _invitation_token(session: AsyncSession, user: User) -> str:
    """The invitation link's token, as the email carries it."""
    email = await session.scalar(
        select(OutboxEmail)
        .where(OutboxEmail.to_address == user.email)
        .order_by(OutboxEmail.id.desc())
    )
    assert email is not None
    return email.text_body.split(f"{BASE}/invitations/", 1)[1].split()[0]


async def _sign_up(session: AsyncSession, email: str) -> User:
    return await auth.sign_up(
        session,
        email=email,
        display_name="Pat",
        password="a long new password",
        company="",
        job_title="",
    )


async def test_reaching_a_level_is_raised_once(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    champion = await session.scalar(select(Level).where(Level.name == "Champion"))
    advocate_level = await session.scalar(select(Level).where(Level.name == "Advocate"))
    assert champion is not None
    assert advocate_level is not None
    with raised(events.LevelReached) as seen:
        await points.award(session, advocate, points=2_000, reason="r", key="lv1")
        await points.award(session, advocate, points=10, reason="r", key="lv2")
    assert seen == [
        events.LevelReached(user_id=advocate.id, level_id=advocate_level.id),
        events.LevelReached(user_id=advocate.id, level_id=champion.id),
    ]
