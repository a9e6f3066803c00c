"""The referred friend's welcome reward: a code from the pool marked for friends (with the pool's
low-stock alert) and the offer, emailed through the outbox when the referral reaches the stage
Manage → Referrals names; exactly once per referral, also when two workers move it at once."""

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from portal.db import create_sessionmaker
from portal.notifications.models import Notification
from portal.outbox.models import OutboxEmail
from portal.referrals import service as referrals
from portal.referrals.models import CloseReason, Referral, Stage
from portal.rewards import service as rewards
from portal.rewards.models import FriendGift, Reward, RewardCode, RewardKind
from portal.rewards.service.stock import units_left
from tests.factories import make_advocate, make_marketer, make_referral, make_reward, make_sales


async def _friends_pool(session: AsyncSession, codes: list[str]) -> Reward:
    pool = await make_reward(
        session,
        title="Welcome discount",
        kind=RewardKind.CODE,
        uses_code_pool=True,
        is_active=False,
        for_referred_friends=True,
    )
    marketer = await make_marketer(session)
    await rewards.add_codes(session, staff=marketer, reward_id=pool.id, codes=codes)
    return pool


async def _set(session: AsyncSession, **changes: object) -> None:
    await referrals.save_settings(session, actor=await make_marketer(session), **changes)


async def _move(session: AsyncSession, referral: Referral, **kw: object) -> None:
    loaded = await referrals.access_referral(session, referral.id)
    await referrals.move_referral(session, loaded, **kw)  # type: ignore[arg-type]


async def _emails_to(session: AsyncSession, address: str) -> list[OutboxEmail]:
    found = await session.scalars(
        select(OutboxEmail).where(
            OutboxEmail.to_address == address, OutboxEmail.kind == "friend_reward"
        )
    )
    return list(found)


async def test_the_friend_gets_a_code_and_the_offer_when_their_referral_is_qualified(
    session: AsyncSession,
) -> None:
    pool = await _friends_pool(session, ["WELCOME-1", "WELCOME-2", "WELCOME-3"])
    await _set(session, friend_reward_stage="qualified", friend_offer="20% off your first year.")
    advocate = await make_advocate(session, name="Priya Raman")
    rep = await make_sales(session)
    referral = await make_referral(session, advocate, email="grace@navylabs.example")
    await _move(session, referral, to=Stage.CONTACTED, actor=rep)
    assert await _emails_to(session, "grace@navylabs.example") == []
    # Skipping past the stage counts as reaching it; moving on never sends it again.
    await _move(session, referral, to=Stage.OPPORTUNITY, actor=rep)
    await _move(session, referral, to=Stage.WON, actor=rep)
    [email] = await _emails_to(session, "grace@navylabs.example")
    assert "Priya Raman recommended us" in email.text_body
    assert "20% off your first year." in email.text_body
    assert "Your code: WELCOME-1" in email.text_body
    gift = await session.scalar(select(FriendGift).where(FriendGift.referral_id == referral.id))
    assert gift is not None
    assert gift.code == "WELCOME-1"
    assert gift.reward_id == pool.id
    assert await units_left(session, pool) == 2  # the code left the pool


async def test_on_submission_the_friend_gets_the_text_offer_when_no_pool_is_marked(
    session: AsyncSession,
) -> None:
    await _set(session, friend_reward_stage="submitted", friend_offer="A free onboarding call.")
    advocate = await make_advocate(session)
    await make_referral(session, advocate, email="ada@engines.example")
    [email] = await _emails_to(session, "ada@engines.example")
    assert "A free onboarding call." in email.text_body
    assert "Your code" not in email.text_body


async def test_no_reward_while_the_setting_is_off_for_imports_or_for_a_closed_referral(
    session: AsyncSession,
) -> None:
    await _friends_pool(session, ["WELCOME-1"])
    advocate = await make_advocate(session)
    rep = await make_sales(session)
    off = await make_referral(session, advocate, email="off@one.example")
    await _move(session, off, to=Stage.WON, actor=rep)
    await _set(session, friend_reward_stage="submitted")
    past = await referrals.submit_referral(
        session,
        referrer=advocate,
        prospect=referrals.Prospect(name="Past", email="past@two.example"),
        history=True,
    )
    await _set(session, friend_reward_stage="won")
    lost = await make_referral(session, advocate, email="lost@three.example")
    await _move(session, lost, to=Stage.REJECTED, actor=rep, reason=CloseReason.NOT_A_FIT)
    assert past.id
    sent = await session.scalar(
        select(func.count()).select_from(OutboxEmail).where(OutboxEmail.kind == "friend_reward")
    )
    assert sent == 0


async def test_the_friends_pool_alerts_when_it_runs_low(session: AsyncSession) -> None:
    pool = await _friends_pool(session, ["A-1", "A-2"])
    marketer = await make_marketer(session)
    await _set(session, friend_reward_stage="submitted", friend_offer="")
    advocate = await make_advocate(session)
    for number in range(3):
        await make_referral(session, advocate, email=f"friend{number}@four.example")
    alerts = list(
        await session.scalars(
            select(Notification.title).where(
                Notification.user_id == marketer.id, Notification.kind == "reward_stock"
            )
        )
    )
    assert any("run out" in title for title in alerts)
    assert await units_left(session, pool) == 0
    # The third friend came after the last code and no offer is set: nothing to send them.
    assert await _emails_to(session, "friend2@four.example") == []
    codes = await session.scalars(select(FriendGift.code).order_by(FriendGift.id))
    assert list(codes) == ["A-1", "A-2", None]
    # A code once given is refused when added again.
    upload = await rewards.add_codes(session, staff=marketer, reward_id=pool.id, codes=["A-1"])
    assert upload.duplicates == ["A-1"]


async def test_a_reward_for_friends_needs_a_code_pool(session: AsyncSession) -> None:
    from starlette.datastructures import FormData

    from portal.rewards.forms import reward_form

    state, values = reward_form(
        FormData({"title": "Welcome", "kind": "code", "cost": "1", "for_referred_friends": "on"}),
        language="en",
    )
    assert values is None
    assert "code pool" in (state.form_error or "")


@pytest.mark.parametrize("round_", range(2))
async def test_two_workers_moving_one_referral_at_once_draw_one_code(
    committed_engine: AsyncEngine, round_: int
) -> None:
    sessionmaker = create_sessionmaker(committed_engine)
    email = f"race{round_}@five.example"
    async with sessionmaker() as session:
        pool = await _friends_pool(session, [f"RACE-{round_}-{n}" for n in range(5)])
        await _set(session, friend_reward_stage="qualified", friend_offer="")
        advocate = await make_advocate(session)
        reps = [await make_sales(session) for _ in range(2)]
        referral_id = (await make_referral(session, advocate, email=email)).id
        await session.commit()
    start = asyncio.Event()

    async def move(rep_index: int, to: Stage) -> None:
        async with sessionmaker() as session:
            await start.wait()
            referral = await referrals.access_referral(session, referral_id)
            try:
                await _move(session, referral, to=to, actor=reps[rep_index])
                await asyncio.sleep(0.05)  # hold the move uncommitted while the other one tries
                await session.commit()
            except referrals.StageUnchanged:
                await session.rollback()

    tasks = [
        asyncio.create_task(move(0, Stage.QUALIFIED)),
        asyncio.create_task(move(1, Stage.OPPORTUNITY)),
    ]
    start.set()
    await asyncio.gather(*tasks)
    async with sessionmaker() as session:
        gifts = list(
            await session.scalars(
                select(FriendGift.code).where(FriendGift.referral_id == referral_id)
            )
        )
        assert len(gifts) == 1
        assert len(await _emails_to(session, email)) == 1
        left = await session.scalar(
            select(func.count()).select_from(RewardCode).where(RewardCode.reward_id == pool.id)
        )
        assert left == 4
        assert await session.get(Referral, referral_id) is not None
