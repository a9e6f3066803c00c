"""Marketers read every referral (board, table, timeline, CSV export) without being sales reps;
only sales reps and admins move, claim, assign or annotate them."""

import csv
import io

import httpx
from bs4 import BeautifulSoup
from sqlalchemy.ext.asyncio import AsyncSession

from portal.referrals import service as referrals
from portal.referrals.models import Stage
from tests.factories import (
    login_as,
    make_advocate,
    make_marketer,
    make_referral,
    make_sales,
    post_form,
)


async def test_marketer_reads_the_pipeline_and_its_timeline_without_actions(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session, name="Ada Advocate")
    rep = await make_sales(session)
    referral = await make_referral(session, ada, name="Grace Hopper", company="Navy Labs")
    referral = await referrals.access_referral(session, referral.id)
    await referrals.move_referral(session, referral, to=Stage.QUALIFIED, actor=rep)
    await make_referral(session, ada, name="Alan Turing", company="Bletchley")
    await login_as(client, await make_marketer(session))

    table = await client.get("/pipeline/?view=table&q=hopper")
    assert table.status_code == 200
    page = BeautifulSoup(table.text, "html.parser")
    assert [a.get_text() for a in page.select("#pipeline-table tbody a")] == ["Grace Hopper"]
    board = BeautifulSoup((await client.get("/pipeline/")).text, "html.parser")
    assert board.select(".pipeline-card")
    assert not board.select("form.move-form")

    detail = BeautifulSoup((await client.get(f"/pipeline/{referral.id}")).text, "html.parser")
    history = detail.select_one("ol.history").get_text(" ", strip=True)
    assert "Qualified" in history
    assert "read-only" in detail.select_one("#read-only-note").get_text()
    assert not detail.select("form[action$='/move']")
    assert detail.select_one("#notes") is None  # internal notes stay with sales

    moved = await post_form(client, f"/pipeline/{referral.id}/move", {"stage": "won"})
    assert moved.status_code == 403
    noted = await post_form(client, f"/pipeline/{referral.id}/notes", {"body": "hi"})
    assert noted.status_code == 403
    await session.refresh(referral)
    assert referral.stage == Stage.QUALIFIED


async def test_marketer_exports_the_filtered_referrals(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session, name="Ada Advocate")
    await make_referral(session, ada, name="Grace Hopper", company="Navy Labs")
    await make_referral(session, ada, name="=cmd", company="Evil Corp")
    await login_as(client, await make_marketer(session))

    response = await client.get("/pipeline/export.csv?stage=submitted")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][:5] == ["Prospect", "Email", "Company", "Job title", "Stage"]
    assert sorted(row[0] for row in rows[1:]) == ["'=cmd", "Grace Hopper"]
    assert {row[4] for row in rows[1:]} == {"Submitted"}
    navy = await client.get("/pipeline/export.csv?q=hopper")
    assert len(list(csv.reader(io.StringIO(navy.text.lstrip("\ufeff"))))) == 2
