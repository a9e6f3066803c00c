"""The challenge form shows only the chosen type's fields: a first step chooses the type, and
changing it swaps in that type's fields (htmx) or shows the form again with them (no htmx),
keeping everything typed."""

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.challenges.models import Challenge, ChallengeType
from tests.factories import login_as, make_challenge, make_marketer, post_form

TYPE_FIELDSETS = {
    "#settings-share_link",
    "#settings-online_review",
    "#settings-attend_event",
    "#settings-content",
    "#settings-custom",
    "#questions-editor",
    "#settings-refer",
}


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def _shown(page: BeautifulSoup) -> set[str]:
    return {selector for selector in TYPE_FIELDSETS if page.select_one(selector) is not None}


async def test_a_new_challenge_starts_by_choosing_its_type(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    step = _page(await client.get("/manage/challenges/new"))
    assert step.select_one("#challenge-form") is None
    choices = [radio["value"] for radio in step.select("#challenge-type-form input[name=type]")]
    assert choices == [kind.value for kind in ChallengeType]
    assert step.select_one("#challenge-type-form")["method"] == "get"

    review = _page(await client.get("/manage/challenges/new?type=online_review"))
    assert _shown(review) == {"#settings-online_review"}
    assert review.select_one("#f-type option[selected]")["value"] == "online_review"
    video = _page(await client.get("/manage/challenges/new?type=watch_video"))
    assert _shown(video) == {"#settings-content"}
    assert video.select_one("#settings-content legend").get_text() == "Watch a video"


async def test_changing_the_type_shows_its_fields_and_keeps_what_was_typed(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    await login_as(client, await make_marketer(session))
    typed = {
        "title": "Come to our meetup",
        "summary": "Pizza included",
        "points": "80",
        "status": "draft",
        "approval": "auto",
        "type": "attend_event",
        "review_url": "https://reviews.example/acme",
        "action": "change_type",
    }
    response = await post_form(
        client, "/manage/challenges/new", typed, page="/manage/challenges/", headers=htmx
    )
    assert response.status_code == 200
    page = _page(response)
    assert _shown(page) == {"#settings-attend_event"}
    if htmx:
        assert page.find("html") is None
        assert page.select_one("#type-fields") is not None
        assert page.select_one("#f-title") is None
    else:
        assert page.select_one("#f-title")["value"] == "Come to our meetup"
        assert page.select_one("#f-points")["value"] == "80"
    assert await session.scalar(select(Challenge.id)) is None


async def test_editing_a_challenge_shows_only_its_types_fields(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    challenge = await make_challenge(session, type=ChallengeType.SHARE_LINK)
    await login_as(client, marketer)
    page = _page(await client.get(f"/manage/challenges/{challenge.id}"))
    assert _shown(page) == {"#settings-share_link"}


async def test_an_error_in_the_types_fields_keeps_the_form_and_shows_only_that_type(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    response = await post_form(
        client,
        "/manage/challenges/new",
        {
            "title": "Review us",
            "points": "40",
            "status": "published",
            "approval": "manual",
            "type": "online_review",
            "review_url": "not a link",
            "action": "save",
        },
        page="/manage/challenges/",
    )
    assert response.status_code == 422
    page = _page(response)
    assert _shown(page) == {"#settings-online_review"}
    assert page.select_one("#f-review_url")["value"] == "not a link"
    assert page.select_one("#f-review_url-error") is not None
    assert page.select_one("#f-title")["value"] == "Review us"
