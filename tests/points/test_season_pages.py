"""Seasons as people see them: a marketer defines one in Manage → Seasons (a mistake keeps what
was typed), advocates find its board on the leaderboard, its end on Home and How to earn, and
a group's season stays with its members."""

from datetime import timedelta

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock, zones
from portal.groups import service as groups
from portal.points import service as points
from portal.points.season_models import Season
from tests.factories import give_points, login_as, make_advocate, make_marketer, post_form

PAGE = "/manage/seasons/"


def _wall(moment_days: float, zone: str = "Europe/Berlin") -> str:
    moment = clock.utcnow() + timedelta(days=moment_days)
    return moment.astimezone(zones.zone(zone)).strftime("%Y-%m-%dT%H:%M")


async def test_a_marketer_defines_a_season_in_their_zone(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    form = {
        "name": "Winter sprint",
        "starts_at": "2026-12-01T00:00",
        "ends_at": _wall(30),
        "time_zone": "Europe/Berlin",
        "group_id": "",
    }
    response = await post_form(client, PAGE, form)
    assert response.status_code == 303
    season = await session.scalar(select(Season).where(Season.name == "Winter sprint"))
    assert season is not None
    assert season.starts_at.isoformat() == "2026-11-30T23:00:00+00:00"  # midnight in Berlin
    assert (season.time_zone, season.group_id) == ("Europe/Berlin", None)
    listed = BeautifulSoup((await client.get(PAGE)).text, "html.parser")
    assert "Running" in listed.select_one(f"#season-{season.id}").get_text()


async def test_a_season_form_with_mistakes_keeps_what_was_typed(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    typed = {
        "name": "Backwards",
        "starts_at": _wall(10),
        "ends_at": _wall(5),
        "time_zone": "Europe/Berlin",
        "group_id": "",
    }
    refused = await post_form(client, PAGE, typed)
    assert refused.status_code == 422
    page = BeautifulSoup(refused.text, "html.parser")
    assert page.select_one("#f-name")["value"] == "Backwards"
    assert page.select_one("#f-ends_at")["value"] == typed["ends_at"]
    assert "The end must come after the start." in page.select_one("#f-ends_at-error").get_text()
    garbled = await post_form(
        client, PAGE, {**typed, "starts_at": "soon", "time_zone": "Mars/Base", "name": ""}
    )
    assert garbled.status_code == 422
    page = BeautifulSoup(garbled.text, "html.parser")
    assert page.select_one("#f-starts_at")["value"] == "soon"
    assert page.select_one("#f-name-error") is not None
    assert page.select_one("#f-time_zone-error") is not None
    assert await session.scalar(select(Season.id)) is None
    # The last minute of year 9999 west of UTC is past the calendar there: a mistake, not a 500.
    last = await post_form(
        client,
        PAGE,
        {**typed, "ends_at": "9999-12-31T23:59", "time_zone": "Pacific/Pago_Pago"},
    )
    assert last.status_code == 422
    page = BeautifulSoup(last.text, "html.parser")
    assert "Enter a date and time" in page.select_one("#f-ends_at-error").get_text()


async def test_advocates_see_the_season_board_its_end_on_home_and_how_to_earn(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    season = await points.create_season(
        session,
        actor=marketer,
        name="Autumn cup",
        starts_at=clock.utcnow() - timedelta(days=1),
        ends_at=clock.utcnow() + timedelta(days=6),
        time_zone="UTC",
        group_id=None,
    )
    leader, second = await make_advocate(session, name="Lea Leader"), await make_advocate(session)
    await give_points(session, leader, 80)
    await give_points(session, second, 30)
    await login_as(client, second)

    board = BeautifulSoup(
        (await client.get(f"/leaderboard/?season={season.id}")).text, "html.parser"
    )
    rows = [row.get_text(" ", strip=True) for row in board.select("#board tbody tr")]
    assert rows[0].startswith("1 Lea Leader")
    assert "This season ends on" in board.select_one("#season-status").get_text()
    assert board.select_one(f"#season-tab-{season.id}")["aria-current"] == "page"
    home = BeautifulSoup((await client.get("/")).text, "html.parser")
    assert "You are #2 with 30 points." in home.select_one("#season-place").get_text()
    assert "The season ends on" in home.select_one("#season-end").get_text()
    how = BeautifulSoup((await client.get("/points/how-to-earn")).text, "html.parser")
    assert "Autumn cup runs until" in how.select_one("#how-season").get_text()


async def test_a_groups_season_is_for_its_members(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    group = await groups.create_group(session, staff=marketer, name="Partners", description="")
    member, outsider = await make_advocate(session), await make_advocate(session)
    await groups.add_members(session, staff=marketer, group=group, users=[member])
    season = await points.create_season(
        session,
        actor=marketer,
        name="Partner cup",
        starts_at=clock.utcnow() - timedelta(days=1),
        ends_at=clock.utcnow() + timedelta(days=6),
        time_zone="UTC",
        group_id=group.id,
    )
    await login_as(client, outsider)
    board = BeautifulSoup(
        (await client.get(f"/leaderboard/?season={season.id}")).text, "html.parser"
    )
    assert board.select_one(f"#season-tab-{season.id}") is None
    assert board.select_one("#season-status") is None  # the month's board instead
    home = BeautifulSoup((await client.get("/")).text, "html.parser")
    assert home.select_one("#season") is None
    client.cookies.clear()
    await login_as(client, member)
    home = BeautifulSoup((await client.get("/")).text, "html.parser")
    assert "Earn points to get on this season" in home.select_one("#season-place").get_text()


async def test_how_to_earn_and_my_badges_speak_german(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    tom = await make_advocate(session, name="Tom Fischer")
    tom.language = "de"
    await give_points(session, tom, 20)
    await login_as(client, tom)
    how = BeautifulSoup((await client.get("/points/how-to-earn")).text, "html.parser")
    assert how.select_one("h1").get_text() == "So sammeln Sie Punkte"
    assert "Gerade läuft keine Saison für Sie." in how.select_one("#how-season").get_text()
    assert how.select_one("title").get_text().startswith("So sammeln Sie Punkte")
    badges = BeautifulSoup((await client.get("/badges")).text, "html.parser")
    assert badges.select_one("h1").get_text() == "Meine Abzeichen"
    assert "1 Woche" in badges.select_one("#streak-current").get_text()
