"""Advocates who recruit advocates: a peer signs up through an advocate's invitation link; the
recruiter earns the join bonus when the peer joins and the milestone bonus at the peer's first
won referral (or set number of points), each once; a second level when the setting says so,
never a third; nobody recruits themselves."""

import asyncio

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import selectinload

from portal import events
from portal.auth import service as auth
from portal.db import create_sessionmaker
from portal.people.models import User, UserStatus
from portal.points import service as points
from portal.points.models import LedgerEntry
from portal.program import service as program
from portal.program.service import SignupMode
from portal.referrals import service as referrals
from portal.referrals.models import Recruitment, Stage
from tests.factories import (
    give_points,
    login_as,
    make_admin,
    make_advocate,
    make_marketer,
    make_referral,
    make_sales,
    post_form,
)


async def _join(session: AsyncSession, name: str, email: str, via: User | str) -> User:
    code = via if isinstance(via, str) else via.personal_code or ""
    user = await auth.sign_up(
        session,
        email=email,
        display_name=name,
        password="a long enough password",
        company="",
        job_title="",
        recruiter_code=code.lower(),  # typed in any case
    )
    assert user is not None
    return user


async def _set(session: AsyncSession, **changes: object) -> None:
    await referrals.save_settings(session, actor=await make_marketer(session), **changes)


async def _lifetime(session: AsyncSession, user: User) -> int:
    return (await points.balance_of(session, user)).lifetime


async def _win(session: AsyncSession, advocate: User, rep: User) -> None:
    referral = await make_referral(session, advocate)
    loaded = await referrals.access_referral(session, referral.id)
    await referrals.move_referral(session, loaded, to=Stage.WON, actor=rep)


async def _recruit_bonuses(session: AsyncSession, user: User) -> list[int]:
    rows = await session.scalars(
        select(LedgerEntry.delta)
        .where(LedgerEntry.user_id == user.id, LedgerEntry.source_type == "recruit")
        .order_by(LedgerEntry.id)
    )
    return list(rows)


async def test_an_invited_peer_waits_while_sign_up_is_closed_and_pays_the_join_bonus_once(
    session: AsyncSession,
) -> None:
    priya = await make_advocate(session, name="Priya Raman")
    admin = await make_admin(session)
    peer = await _join(session, "Lena Park", "lena@peers.example", priya)
    assert peer.status == UserStatus.PENDING
    assert await _recruit_bonuses(session, priya) == []  # not joined yet
    await auth.approve_signup(session, actor=admin, user=peer)
    await events.publish(session, events.AdvocateJoined(user_id=peer.id))  # a replayed event
    assert await _recruit_bonuses(session, priya) == [100]
    assert await points.reconcile_balances(session) == []


async def test_the_milestone_is_the_first_won_referral_and_pays_once(
    session: AsyncSession,
) -> None:
    await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
    priya = await make_advocate(session)
    rep = await make_sales(session)
    peer = await _join(session, "Lena Park", "lena@peers.example", priya)
    assert peer.status == UserStatus.ACTIVE
    await make_referral(session, peer)  # submitted, not won: no milestone yet
    assert await _recruit_bonuses(session, priya) == [100]
    await _win(session, peer, rep)
    await _win(session, peer, rep)
    assert await _recruit_bonuses(session, priya) == [100, 500]


async def test_a_points_milestone_pays_when_the_recruit_reaches_it(session: AsyncSession) -> None:
    await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
    await _set(session, recruit_milestone_points=300, recruit_bonus_milestone=250)
    priya = await make_advocate(session)
    peer = await _join(session, "Lena Park", "lena@peers.example", priya)
    await give_points(session, peer, 200)
    assert await _recruit_bonuses(session, priya) == [100]
    await give_points(session, peer, 200)
    await give_points(session, peer, 200)
    assert await _recruit_bonuses(session, priya) == [100, 250]


async def test_one_level_by_default_two_when_set_and_never_three(session: AsyncSession) -> None:
    await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
    rep = await make_sales(session)
    ana = await make_advocate(session, name="Ana")
    ben = await _join(session, "Ben", "ben@chain.example", ana)
    cleo = await _join(session, "Cleo", "cleo@chain.example", ben)
    assert await _recruit_bonuses(session, ana) == [100]  # Ben's; Cleo is not Ana's at 1 level
    await _set(session, recruit_levels=2)
    dev = await _join(session, "Dev", "dev@chain.example", cleo)
    await _win(session, dev, rep)
    assert await _recruit_bonuses(session, cleo) == [100, 500]
    assert await _recruit_bonuses(session, ben) == [100, 25, 100]  # Cleo joined; Dev's two
    assert await _recruit_bonuses(session, ana) == [100]  # three levels above Dev: nothing


async def test_nobody_recruits_themselves_and_unknown_codes_recruit_nobody(
    session: AsyncSession,
) -> None:
    await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
    priya = await make_advocate(session, email="priya@northwind.example")
    again = await _join(session, "Priya Two", "Priya+second@northwind.example", priya)
    stranger = await _join(session, "Sam", "sam@other.example", "NOBODY-222")
    for person in (again, stranger):
        assert await session.get(Recruitment, person.id) is None
    assert await _recruit_bonuses(session, priya) == []


async def test_the_form_rejects_a_third_level_and_keeps_what_was_typed(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    await login_as(client, marketer)
    response = await post_form(
        client,
        "/manage/referrals/",
        {"recruit_levels": "3", "recruit_bonus_joined": "75", "friend_reward_stage": "won"},
        page="/manage/referrals/",
    )
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert "one level or two" in page.select_one("#f-recruit_levels").find_parent(
        class_="field"
    ).get_text(" ", strip=True)
    assert page.select_one("#f-recruit_bonus_joined")["value"] == "75"
    assert (await referrals.load_settings(session)).recruit_levels == 1


async def test_a_peer_follows_the_link_signs_up_and_shows_on_people_i_brought_in(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    priya = await make_advocate(session, name="Priya Raman")
    code = priya.personal_code or ""
    response = await client.get(f"/invited-by/{code}")
    assert response.status_code in (302, 303)
    assert response.headers["location"].endswith(f"/signup?via={code}")
    page = await client.get(f"/signup?via={code}")
    assert page.status_code == 200  # sign-up is closed, but an invited peer may apply
    response = await post_form(
        client,
        "/signup",
        {
            "via": code,
            "display_name": "Lena Park",
            "email": "lena@peers.example",
            "company": "Peers",
            "job_title": "",
            "password": "a long enough password",
        },
        page=f"/signup?via={code}",
    )
    assert response.status_code == 200
    lena = await session.scalar(
        select(User).options(selectinload(User.roles)).where(User.email == "lena@peers.example")
    )
    assert lena is not None
    assert lena.status == UserStatus.PENDING
    await auth.approve_signup(session, actor=await make_admin(session), user=lena)
    await login_as(client, priya)
    page = BeautifulSoup((await client.get("/referrals/brought-in")).text, "html.parser")
    row = page.select_one(f"#recruit-{lena.id}").get_text(" ", strip=True)
    assert "Lena Park" in row
    assert "Joined" in row
    assert row.endswith("100")
    assert code in page.select_one("#invite-link")["value"]


async def test_two_won_referrals_at_once_pay_the_milestone_once(
    committed_engine: AsyncEngine,
) -> None:
    sessionmaker = create_sessionmaker(committed_engine)
    async with sessionmaker() as session:
        await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
        await _set(session, recruit_milestone_points=0)
        recruiter = await make_advocate(session)
        peer = await _join(session, "Race Peer", f"peer{recruiter.id}@race.example", recruiter)
        rep = await make_sales(session)
        referral_ids = [(await make_referral(session, peer)).id for _ in range(2)]
        await session.commit()
    start = asyncio.Event()

    async def win(referral_id: int) -> None:
        async with sessionmaker() as session:
            await start.wait()
            referral = await referrals.access_referral(session, referral_id)
            await referrals.move_referral(session, referral, to=Stage.WON, actor=rep)
            await asyncio.sleep(0.05)
            await session.commit()

    tasks = [asyncio.create_task(win(referral_id)) for referral_id in referral_ids]
    start.set()
    await asyncio.gather(*tasks)
    async with sessionmaker() as session:
        milestones = await session.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.idempotency_key == f"recruit:{peer.id}:milestone:1")
        )
        assert milestones == 1
        assert await _lifetime(session, recruiter) == 600
        assert await points.reconcile_balances(session) == []
