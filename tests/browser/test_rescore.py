"""Rescoring, as a marketer does it: edit a level, preview the effect on the last 90 days, apply
it to past events too, and watch the run finish; the advocate gets one adjustment."""

import uuid
from datetime import timedelta

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from portal import clock
from portal.people.models import User
from portal.points import service as points
from portal.points.models import EntryKind, LedgerEntry, Level
from tests.browser.conftest import LiveServer
from tests.factories import make_user

pytestmark = pytest.mark.browser


async def _insider(live_server: LiveServer, percent: int) -> int:
    async with live_server.session() as session:
        insider = await session.scalar(select(Level).where(Level.min_points == 0))
        assert insider is not None
        admin = await session.scalar(select(User).where(User.email == live_server.admin_email))
        assert admin is not None
        await points.update_level(
            session,
            actor=admin,
            level_id=insider.id,
            name=insider.name,
            min_points=0,
            description=insider.description,
            multiplier_percent=percent,
            multiplies=[points.Earning.CHALLENGE, points.Earning.CONTENT],
        )
        return insider.id


async def test_preview_then_apply_to_past_events_adjusts_the_advocate_once(
    admin_page: Page, live_server: LiveServer
) -> None:
    name = f"Rae Rescore {uuid.uuid4().hex[:6]}"
    async with live_server.session() as session:
        rae = await make_user(session, name=name, email=f"{uuid.uuid4().hex[:8]}@example.com")
        with clock.shifted(-timedelta(days=5)):
            await points.award(
                session,
                rae,
                points=40,
                reason="Challenge",
                key=f"rae:{rae.id}",
                source=points.Source("submission", rae.id),
            )
    insider = await _insider(live_server, 100)
    try:
        page = admin_page
        await page.goto(f"{live_server.base_url}/manage/points/")
        level = page.locator(f"#level-{insider}").locator("xpath=following-sibling::tr[1]")
        await level.locator("summary").click()
        await page.locator(f"#level-{insider}-multiplier").fill("2")
        await page.locator(f"#level-{insider}-preview").click()

        await expect(page.get_by_role("heading", level=1)).to_contain_text("What if:")
        row = page.locator("#rescore-people-list tr", has_text=name)
        await expect(row).to_contain_text("40")
        await expect(row).to_contain_text("80")
        await expect(row).to_contain_text("+40")
        await page.get_by_label("Also past events", exact=False).check()
        await page.locator("#rescore-apply").get_by_role("button", name="Apply").click()

        await expect(page.get_by_role("heading", level=1)).to_have_text("Rescoring")
        await expect(page.locator("#rescore-status")).to_contain_text("Done.", timeout=30_000)
        async with live_server.session() as session:
            rows = list(
                await session.scalars(
                    select(LedgerEntry).where(
                        LedgerEntry.user_id == rae.id, LedgerEntry.kind == EntryKind.ADJUST
                    )
                )
            )
            assert [row.delta for row in rows] == [40]
            assert rows[0].idempotency_key.startswith("rescore:")
            assert (await points.balance_of(session, rae)).current == 80
    finally:
        await _insider(live_server, 100)  # later tests expect challenge points unmultiplied
