"""The pipeline board's compact cards, its folded closed columns, deal values in the program's
currency, and moving a won referral back only after confirming with a reason."""

from datetime import timedelta

import httpx
from bs4 import BeautifulSoup
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.program import service as program
from portal.referrals import service as referrals
from portal.referrals.models import CloseReason, Referral, Stage
from tests.factories import login_as, make_advocate, make_referral, make_sales, post_form


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def _move(
    session: AsyncSession, referral: Referral, to: Stage, rep: object, **kw: object
) -> None:
    loaded = await referrals.access_referral(session, referral.id)
    await referrals.move_referral(session, loaded, to=to, actor=rep, **kw)  # type: ignore[arg-type]


async def test_cards_are_compact_and_closed_columns_fold_with_their_counts(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session, name="Sam Seller")
    open_one = await make_referral(session, ada, name="Grace Hopper", company="Navy Labs")
    lost = await make_referral(session, ada, name="Alan Turing")
    rejected = await make_referral(session, ada, name="Ada Byron")
    await _move(session, lost, Stage.LOST, rep, reason=CloseReason.NOT_A_FIT)
    await _move(session, rejected, Stage.REJECTED, rep, reason=CloseReason.INVALID)
    await login_as(client, rep)

    page = soup(await client.get("/pipeline/", headers=htmx))
    card = page.select_one(f"#column-submitted #referral-{open_one.id}")
    assert card.h3.get_text(strip=True) == "Grace Hopper"
    assert "Navy Labs" in card.select_one(".pipeline-card-company").get_text()
    assert card.select_one(".pipeline-card-age").get_text(" ", strip=True) == "Age: 0 d"
    assert "Unassigned" in card.select_one(".pipeline-card-meta").get_text()
    assert len(card.select("form.move-form select")) == 2  # one Move menu: stage and reason
    assert len(card.select("details.move-menu")) == 1
    for stage, referral in (("lost", lost), ("rejected", rejected)):
        column = page.select_one(f"details#column-{stage}")
        assert not column.has_attr("open")
        assert column.summary.get_text(" ", strip=True) == f"{stage.title()} 1"
        assert column.select_one(f"#referral-{referral.id}")
    opened = soup(await client.get("/pipeline/?stage=lost", headers=htmx))
    assert opened.select_one("details#column-lost").has_attr("open")


async def test_a_quiet_referral_is_flagged_after_the_stale_days(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    referral = await make_referral(session, ada)
    await referrals.save_settings(session, actor=rep, stale_after_days=1)
    loaded = await referrals.access_referral(session, referral.id)
    loaded.updated_at = utcnow() - timedelta(days=20, hours=1)
    await login_as(client, rep)
    card = soup(await client.get("/pipeline/")).select_one(f"#referral-{referral.id}")
    assert "Quiet 20 d" in card.select_one(".pipeline-card-meta").get_text()


async def test_deal_values_show_in_the_programs_currency(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    referral = await make_referral(session, ada)
    loaded = await referrals.access_referral(session, referral.id)
    await referrals.set_deal_value(session, loaded, value=48_000, actor=rep)
    await program.update(session, actor=None, currency="EUR")
    await login_as(client, rep)
    card = soup(await client.get("/pipeline/")).select_one(f"#referral-{referral.id}")
    assert card.select_one(".pipeline-card-deal").get_text() == "€48,000"
    detail = soup(await client.get(f"/pipeline/{referral.id}"))
    assert detail.select_one("#deal-value").get_text() == "€48,000"


async def test_moving_a_won_referral_back_asks_first_and_keeps_the_reason_on_the_timeline(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    referral = await make_referral(session, ada, name="Grace Hopper")
    await _move(session, referral, Stage.WON, rep)
    await login_as(client, rep)
    move = f"/pipeline/{referral.id}/move"
    wanted = {"stage": "opportunity", "reason": "", "next": "/pipeline/"}

    asked = await post_form(client, move, wanted, page="/pipeline/", headers=htmx)
    assert asked.status_code == 200
    question = soup(asked).select_one(f"#referral-{referral.id}")
    assert question.h3.get_text(strip=True) == "Move Grace Hopper back from Won?"
    assert question.select_one("input[name=confirm]")["value"] == "1"
    await session.refresh(referral)
    assert referral.stage == Stage.WON

    empty = await post_form(
        client, move, {**wanted, "confirm": "1", "note": " "}, page="/pipeline/", headers=htmx
    )
    assert empty.status_code == 422
    assert "Say why" in soup(empty).select_one(".field-error").get_text()
    await session.refresh(referral)
    assert referral.stage == Stage.WON

    reason = "The contract was not countersigned."
    done = await post_form(
        client, move, {**wanted, "confirm": "1", "note": reason}, page="/pipeline/", headers=htmx
    )
    assert done.status_code == (200 if htmx else 303)
    await session.refresh(referral)
    assert referral.stage == Stage.OPPORTUNITY
    history = soup(await client.get(f"/pipeline/{referral.id}")).select_one(".history")
    assert reason in history.get_text()
