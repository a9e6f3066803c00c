"""After an action the page says everything it earned, in one message: the action's own points,
a challenge it completed, badges and levels (issue 14, item 6)."""

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.challenges.models import ChallengeType
from portal.content import samples
from portal.files.storage import LocalStorage
from portal.points import service as points
from tests.factories import (
    csrf_token,
    login_as,
    make_advocate,
    make_asset,
    make_challenge,
    make_marketer,
    post_form,
)


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "uploads")


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def test_a_referral_that_completes_the_refer_challenge_says_both(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_challenge(session, type=ChallengeType.REFER, points=100, max_per_user=1)
    ada = await make_advocate(session)
    await login_as(client, ada)
    prospect = {"name": "Grace Hopper", "email": "grace@navylabs.example", "company": "Navy"}
    response = await post_form(client, "/referrals/new", prospect)
    page = soup(await client.get(response.headers["location"]))
    flash = page.select_one("#flashes").get_text(" ", strip=True)
    assert "You earned +150 points and the First referral badge." in flash
    assert (await points.balance_of(session, ada)).current == 150


async def test_watching_a_video_for_a_challenge_says_both_and_the_challenge_shows_done(
    client: httpx.AsyncClient, session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    video = await make_asset(
        session, storage, actor=marketer, data=samples.training_video(), filename="v.webm"
    )
    challenge = await make_challenge(
        session,
        type=ChallengeType.WATCH_VIDEO,
        points=60,
        settings={"asset_id": video.id, "asset_title": video.title},
    )
    ada = await make_advocate(session)
    await login_as(client, ada)
    token = await csrf_token(client, f"/content/{video.id}")
    beacon = {"X-CSRF-Token": token, "HX-Request": "true"}
    for second in (0, 10, 20):
        with clock.shifted(timedelta(seconds=second)):
            response = await client.post(
                f"/content/{video.id}/progress",
                data={"start": str(max(0, second - 10)), "end": str(second), "duration": "20"},
                headers=beacon,
            )
    assert response.headers["hx-trigger"] == "points-changed"
    status = soup(response).select_one("#watch-status .points-earned").get_text()
    assert status == "You earned +85 points."
    with clock.shifted(timedelta(seconds=21)):
        ended = await client.post(
            f"/content/{video.id}/progress",
            data={"start": "20", "end": "20", "duration": "20"},
            headers=beacon,
        )
    assert ended.status_code == 204  # nothing new: the message stays on the page
    page = soup(await client.get(f"/challenges/{challenge.id}"))
    box = page.select_one("#submission-box").get_text(" ", strip=True)
    assert "Watch the video to the end" not in box
    assert page.select_one("#challenge-done") is not None


async def test_one_message_names_points_badges_and_levels(session: AsyncSession) -> None:
    ada = await make_advocate(session)
    await points.award(session, ada, points=600, reason="r", key="big")
    earned = points.earned_by(session, ada)
    assert earned.message == ("You earned +600 points, the Advocate badge and the Advocate level.")
    assert not points.earned_by(session, await make_advocate(session, name="Bob"))
