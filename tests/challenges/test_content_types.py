"""watch_video and download_asset challenges: completed by using their content item."""

from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.challenges import service as challenges
from portal.challenges.models import ChallengeType, Submission, SubmissionStatus
from portal.content import samples
from portal.content import service as content
from portal.content.demo import play
from portal.files.storage import LocalStorage
from portal.points import service as points
from tests.factories import (
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


async def test_downloading_the_item_completes_the_download_challenge_once(
    session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    advocate = await make_advocate(session)
    asset = await make_asset(session, storage, actor=marketer, title="Fact sheet", points=10)
    other = await make_asset(session, storage, actor=marketer, title="Other", points=10)
    challenge = await make_challenge(
        session,
        type=ChallengeType.DOWNLOAD_ASSET,
        points=35,
        settings={"asset_id": asset.id, "asset_title": asset.title},
    )
    with pytest.raises(challenges.SubmitRefused, match="open its content item"):
        await challenges.submit_entry(
            session, user=advocate, challenge_id=challenge.id, key="k", response={}
        )
    await content.record_download(session, advocate, other)
    assert list(await session.scalars(select(Submission))) == []
    for _ in range(2):
        await content.record_download(session, advocate, asset)
    [entry] = list(await session.scalars(select(Submission)))
    assert entry.status == SubmissionStatus.APPROVED
    assert entry.response == {"asset_id": asset.id, "watched": False}
    assert (await points.balance_of(session, advocate)).current == 10 + 10 + 35


async def test_watching_the_video_to_the_end_completes_the_watch_challenge(
    session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    advocate = await make_advocate(session)
    video = await make_asset(
        session,
        storage,
        actor=marketer,
        title="Getting started",
        data=samples.training_video(),
        filename="start.webm",
        points=25,
    )
    challenge = await make_challenge(
        session,
        type=ChallengeType.WATCH_VIDEO,
        points=60,
        settings={"asset_id": video.id, "asset_title": video.title},
    )
    await content.record_download(session, advocate, video)  # fetching is not watching
    await play(session, advocate, video, duration=20, end=10)
    assert list(await session.scalars(select(Submission))) == []
    await play(session, advocate, video, duration=20, start=10)
    await play(session, advocate, video, duration=20, start=18)
    [entry] = list(await session.scalars(select(Submission)))
    assert (entry.challenge_id, entry.response["watched"]) == (challenge.id, True)
    assert (await points.balance_of(session, advocate)).current == 25 + 60


async def test_a_marketer_links_a_challenge_to_a_published_item(
    client: httpx.AsyncClient, session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    video = await make_asset(
        session,
        storage,
        actor=marketer,
        title="API walkthrough",
        data=samples.training_video(),
        filename="api.webm",
    )
    paper = await make_asset(session, storage, actor=marketer, title="White paper")
    await login_as(client, marketer)
    form = {
        "title": "Watch the API walkthrough",
        "type": "watch_video",
        "points": "40",
        "status": "published",
        "approval": "auto",
        "max_per_user": "1",
        "asset_id": str(paper.id),
        "action": "save",
    }
    wrong = await post_form(client, "/manage/challenges/new", form)
    assert wrong.status_code == 422
    page = BeautifulSoup(wrong.text, "html.parser")
    assert "training video" in page.select_one("#f-asset_id-error").get_text()
    done = await post_form(client, "/manage/challenges/new", {**form, "asset_id": str(video.id)})
    assert done.status_code == 303
    client.cookies.clear()
    await login_as(client, await make_advocate(session))
    challenge_id = done.headers["location"].rstrip("/").rsplit("/", 1)[1]
    detail = BeautifulSoup((await client.get(f"/challenges/{challenge_id}")).text, "html.parser")
    link = detail.select_one("#content-link")
    assert link["href"].endswith(f"/content/{video.id}")
    assert "API walkthrough" in link.get_text()
