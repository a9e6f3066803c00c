"""My badges: what a person holds (with the program team's note) and how far they are on the
badges that count something."""

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.challenges import service as challenges
from portal.points import service as points
from portal.points.models import Badge, BadgeRule
from tests.factories import login_as, make_advocate, make_challenge, make_marketer


async def test_my_badges_shows_progress_and_the_note_of_a_staff_award(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    for n in range(3):
        challenge = await make_challenge(session, title=f"Task {n}", points=100)
        await challenges.submit_entry(
            session,
            user=advocate,
            challenge_id=challenge.id,
            key=f"k{n}",
            response={"proof": "Done"},
        )
    speaker = await points.create_badge(
        session,
        actor=await make_marketer(session),
        name="Conference speaker",
        description="Spoke on stage.",
        icon="mic",
    )
    await points.award_badge(
        session, user=advocate, badge=speaker, by=await make_marketer(session), note="Berlin"
    )
    five = await session.scalar(select(Badge).where(Badge.rule == BadgeRule.CHALLENGES_5))
    champion = await session.scalar(select(Badge).where(Badge.name == "Champion"))
    await login_as(client, advocate)

    page = BeautifulSoup((await client.get("/badges")).text, "html.parser")
    held = " ".join(page.select_one("#badges-held").get_text().split())
    assert "Conference speaker" in held
    assert "from the program team: “Berlin”" in held
    assert "Advocate" not in held  # 300 points: not yet
    five_row = page.select_one(f"#badge-{five.id}")
    assert "3 of 5 challenges" in five_row.get_text()
    assert five_row.select_one("[role=progressbar]")["aria-valuenow"] == "60"
    assert "300 of 2,000 points" in page.select_one(f"#badge-{champion.id}").get_text()
    home = BeautifulSoup((await client.get("/")).text, "html.parser")
    assert home.select_one("#badges a[href$='/badges']") is not None


async def test_a_floor_level_says_why_its_badge_is_still_to_earn(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    champion = await session.scalar(select(Badge).where(Badge.name == "Champion"))
    await points.set_floor(
        session,
        actor=await make_marketer(session),
        person=advocate,
        level_id=champion.level_id,
        note="",
    )
    await login_as(client, advocate)
    page = BeautifulSoup((await client.get("/badges")).text, "html.parser")
    row = " ".join(page.select_one(f"#badge-{champion.id}").get_text().split())
    assert "The program team keeps you at Champion" in row
    assert "0 of 2,000 points" in row
    home = BeautifulSoup((await client.get("/")).text, "html.parser")
    assert home.select_one("#level-progress .level-name").get_text() == "Champion"
