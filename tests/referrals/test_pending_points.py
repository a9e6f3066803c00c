"""A referral's points and trust: a flagged referral's points wait for review until a rep clears
the flags; rejecting as a duplicate/self-referral/invalid claws back what it paid; a won deal
moved back within its clearance window hands back what winning paid. Pages included."""

from datetime import timedelta

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.notifications.models import Notification
from portal.points import service as points
from portal.points.models import EntryState, LedgerEntry
from portal.referrals import service as referrals
from portal.referrals.models import CloseReason, Referral, Stage
from tests.factories import (
    login_as,
    make_advocate,
    make_marketer,
    make_referral,
    make_sales,
    post_form,
)


async def _move(session: AsyncSession, referral: Referral, to: Stage, **kw: object) -> None:
    loaded = await referrals.access_referral(session, referral.id)
    await referrals.move_referral(session, loaded, to=to, actor=await make_sales(session), **kw)  # type: ignore[arg-type]


async def _current(session: AsyncSession, user) -> int:  # type: ignore[no-untyped-def]
    return (await points.balance_of(session, user)).current


async def test_a_flagged_referral_pays_once_a_rep_clears_its_flags(session: AsyncSession) -> None:
    ada = await make_advocate(session)
    referral = await make_referral(session, ada, email="linus@gmail.com")
    await _move(session, referral, Stage.QUALIFIED)
    assert await _current(session, ada) == 0
    assert (await points.waiting_of(session, ada)).pending == 250
    held = await points.review_queue(session)
    assert {item.entry.hold_reason for item in held} == {"Flagged referral: Free-mail address"}

    loaded = await referrals.access_referral(session, referral.id)
    released = await referrals.clear_flags(session, loaded, actor=await make_sales(session))
    assert released == 250
    assert await _current(session, ada) == 250
    assert not loaded.is_flagged
    await _move(session, referral, Stage.OPPORTUNITY)  # unflagged now: paid at once
    assert await _current(session, ada) == 550
    assert await points.reconcile_balances(session) == []


async def test_rejecting_as_invalid_claws_back_what_the_referral_paid(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    referral = await make_referral(session, ada)
    await _move(session, referral, Stage.QUALIFIED)
    assert await _current(session, ada) == 250
    await _move(session, referral, Stage.REJECTED, reason=CloseReason.INVALID)
    assert await _current(session, ada) == 0
    note = await session.scalar(
        select(Notification).where(Notification.user_id == ada.id).order_by(Notification.id.desc())
    )
    assert note.body == "The 250 points it earned are taken back."

    other = await make_referral(session, ada)
    await _move(session, other, Stage.LOST, reason=CloseReason.NOT_A_FIT)
    assert await _current(session, ada) == 50  # not a fit: the advocate keeps the points


async def test_a_won_deal_moved_back_within_its_window_cancels_the_pending_won_points(
    session: AsyncSession,
) -> None:
    await points.save_rules(session, actor=await make_marketer(session), clear_referral_won_days=30)
    ada = await make_advocate(session)
    referral = await make_referral(session, ada)
    await _move(session, referral, Stage.WON)
    won = await session.scalar(
        select(LedgerEntry).where(LedgerEntry.idempotency_key.like("%:stage:won"))
    )
    assert won.state == EntryState.PENDING
    assert await _current(session, ada) == 550
    with clock.shifted(timedelta(days=3)):
        await _move(session, referral, Stage.OPPORTUNITY, note="The customer cancelled")
    assert (await points.waiting_of(session, ada)).pending == 0
    assert await _current(session, ada) == 550  # the stages before won stay paid
    assert await points.release_due(session) == 0


async def test_pages_show_pending_points_and_staff_release_them(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    referral = await make_referral(session, ada, email="someone@gmail.com")
    await login_as(client, ada)
    mine = BeautifulSoup((await client.get(f"/referrals/{referral.id}")).text, "html.parser")
    assert "pending review" in mine.select_one(".timeline").get_text()
    history = BeautifulSoup((await client.get("/points/")).text, "html.parser")
    assert "50 points pending" in history.select_one("#points-waiting").get_text()

    client.cookies.clear()
    await login_as(client, await make_marketer(session))
    queue = BeautifulSoup((await client.get("/manage/pending-points/")).text, "html.parser")
    [row] = queue.select("#pending-review tbody tr")
    entry_id = row["id"].removeprefix("pending-")
    refused = await post_form(client, f"/manage/pending-points/{entry_id}/cancel", {"reason": ""})
    assert refused.status_code == 303
    assert await points.pending_entries(session, ada)  # a cancellation needs a reason
    await post_form(client, f"/manage/pending-points/{entry_id}/release", {})
    assert await _current(session, ada) == 50

    saved = await post_form(client, "/manage/pending-points/rules", {"cap_day": "-3"})
    assert saved.status_code == 422
    assert "Enter a whole number from 0" in saved.text
