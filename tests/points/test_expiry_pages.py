"""Point expiry on the pages: the setting on Points rules (bad input kept and explained), and
"N points expire on <date>" on Home and How to earn, in the reader's language."""

from datetime import timedelta

import httpx
from bs4 import BeautifulSoup
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.points import service as points
from portal.points.service.expiry import add_months
from portal.templating import local_date
from tests.factories import login_as, make_advocate, make_marketer, post_form

RULES = "/manage/pending-points/rules"


async def test_a_marketer_switches_expiry_on_and_bad_input_is_kept(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    page = BeautifulSoup((await client.get(RULES)).text, "html.parser")
    assert page.select_one("#f-expire_after_months")["value"] == "0"  # off by default
    refused = await post_form(client, RULES, {"expire_after_months": "121"})
    assert refused.status_code == 422
    page = BeautifulSoup(refused.text, "html.parser")
    assert page.select_one("#f-expire_after_months")["value"] == "121"
    assert (
        "Enter a whole number from 0 to 120."
        in page.select_one("#f-expire_after_months-error").get_text()
    )
    saved = await post_form(
        client, RULES, {"expire_after_months": "12", "streak_freeze_weeks": "4"}
    )
    assert saved.status_code == 303
    rules = await points.load_rules(session)
    assert rules.expire_after_months == 12
    assert rules.expiry_start == clock.utcnow().date()  # the program's zone is UTC here
    page = BeautifulSoup((await client.get(RULES)).text, "html.parser")
    assert local_date(clock.utcnow().date()) in page.select_one("#expiry-since").get_text()


async def test_home_and_how_to_earn_say_what_expires_and_when(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    with clock.shifted(-timedelta(days=25)):
        await points.save_rules(session, actor=await make_marketer(session), expire_after_months=1)
    with clock.shifted(-timedelta(days=20)):
        earned = await points.award(session, ada, points=75, reason="Webinar", key="w")
    await points.spend(session, ada, points=30, reason="Mug", key="m")
    expires = local_date(add_months(earned.created_at.date(), 1))
    await login_as(client, ada)
    home = BeautifulSoup((await client.get("/")).text, "html.parser")
    assert (
        home.select_one("#points-expiring").get_text().startswith(f"45 points expire on {expires}.")
    )
    how = BeautifulSoup((await client.get("/points/how-to-earn")).text, "html.parser")
    assert how.select_one("#how-expiring").get_text() == f"45 points expire on {expires}."
    assert "Points expire 1 month after you earn them." in how.get_text()


async def test_nothing_is_said_while_expiry_is_off(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    await points.award(session, ada, points=75, reason="Webinar", key="w")
    await login_as(client, ada)
    home = BeautifulSoup((await client.get("/")).text, "html.parser")
    assert home.select_one("#points-summary") is not None
    assert home.select_one("#points-expiring") is None
    how = BeautifulSoup((await client.get("/points/how-to-earn")).text, "html.parser")
    assert how.select_one("#expiry-explained") is None
