import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.challenges.models import BY_DOING, Approval, ChallengeType, Submission, SubmissionStatus
from portal.people.models import Group
from portal.points import service as points
from tests.factories import login_as, make_advocate, make_challenge, make_marketer, post_form


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def test_the_list_shows_cards_with_type_points_and_progress_on_each_tab(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    advocate = await make_advocate(session)
    review = await make_challenge(
        session, title="Review us on G2", type=ChallengeType.ONLINE_REVIEW, points=120
    )
    repeat = await make_challenge(session, title="Post a tip", max_per_user=4)
    await login_as(client, advocate)
    await post_form(
        client, f"/challenges/{repeat.id}/entries", {"key": "k", "text": "Posted"}, page="/"
    )
    page = _page(await client.get("/challenges/", headers=htmx))
    assert (page.find("html") is None) == bool(htmx)
    card = page.select_one(f"#challenge-{review.id}").get_text(" ", strip=True)
    assert "Write a review" in card
    assert "120 points" in card
    progress = page.select_one(f"#challenge-{repeat.id} .challenge-progress").get_text()
    assert progress == "1 of 4 done"
    completed = _page(await client.get("/challenges/?tab=completed", headers=htmx))
    assert completed.select_one(f"#challenge-{review.id}") is None
    assert completed.select_one(f"#challenge-{repeat.id}") is not None
    filtered = _page(await client.get("/challenges/?type=online_review", headers=htmx))
    assert filtered.select_one(f"#challenge-{repeat.id}") is None


async def test_an_auto_approved_entry_shows_the_points_in_place_or_after_a_redirect(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    advocate = await make_advocate(session)
    challenge = await make_challenge(session, type=ChallengeType.ONLINE_REVIEW, points=50)
    await login_as(client, advocate)
    page = _page(await client.get(f"/challenges/{challenge.id}"))
    key = page.select_one("#submission-box input[name=key]")["value"]
    bad = await post_form(
        client,
        f"/challenges/{challenge.id}/entries",
        {"key": key, "proof_url": "my review"},
        page="/",
        headers=htmx,
    )
    assert bad.status_code == 422
    form = _page(bad)
    assert form.select_one("#f-proof_url")["value"] == "my review"
    assert "full link" in form.select_one("#f-proof_url-error").get_text()
    url = "https://www.g2.com/products/acme/reviews/1"
    done = await post_form(
        client,
        f"/challenges/{challenge.id}/entries",
        {"key": key, "proof_url": url},
        page="/",
        headers=htmx,
    )
    if htmx:
        assert done.status_code == 200
        assert done.headers["HX-Trigger"] == "points-changed"
        assert _page(done).select_one("#entry-result").get_text() == "You earned +50 points."
    else:
        assert done.status_code == 303
        after = _page(await client.get(done.headers["location"]))
        assert "+50 points" in after.select_one(".flash").get_text()
    again = await post_form(
        client, f"/challenges/{challenge.id}/entries", {"key": key, "proof_url": url}, page="/"
    )
    assert again.status_code == 303
    assert (await points.balance_of(session, advocate)).current == 50
    [entry] = list(await session.scalars(select(Submission)))
    assert entry.response == {"proof_url": url}


async def test_questions_are_answered_per_question_and_a_missing_answer_keeps_the_rest(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    challenge = await make_challenge(
        session, type=ChallengeType.ANSWER_QUESTIONS, approval=Approval.MANUAL
    )
    await login_as(client, advocate)
    missing = await post_form(
        client,
        f"/challenges/{challenge.id}/entries",
        {"key": "q", "q0": "Enterprise", "q2": "Faster builds"},
        page="/",
    )
    assert missing.status_code == 422
    page = _page(missing)
    assert page.select_one("input[name=q0][value=Enterprise]").has_attr("checked")
    assert page.select_one("#f-q2").get_text() == "Faster builds"
    assert "Choose at least one." in page.select_one("#f-q1-error").get_text()
    done = await post_form(
        client,
        f"/challenges/{challenge.id}/entries",
        {"key": "q", "q0": "Enterprise", "q1": ["CI", "Ops"], "q2": ""},
        page="/",
    )
    assert done.status_code == 303
    after = _page(await client.get(done.headers["location"]))
    assert "waiting for review" in after.select_one(".flash").get_text()
    [entry] = list(await session.scalars(select(Submission)))
    assert entry.status == SubmissionStatus.PENDING
    assert [a["answer"] for a in entry.response["answers"]] == ["Enterprise", ["CI", "Ops"], ""]


async def test_a_full_challenge_answers_409_and_keeps_what_was_typed(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    challenge = await make_challenge(session, max_total=1)
    first, second = await make_advocate(session), await make_advocate(session)
    await login_as(client, second)
    page = _page(await client.get(f"/challenges/{challenge.id}"))  # opened before it filled
    key = page.select_one("#submission-box input[name=key]")["value"]
    from portal.challenges import service as challenges

    await challenges.submit_entry(
        session, user=first, challenge_id=challenge.id, key="first", response={"text": "x"}
    )
    refused = await post_form(
        client,
        f"/challenges/{challenge.id}/entries",
        {"key": key, "text": "I gave a talk"},
        page="/",
        headers=htmx,
    )
    assert refused.status_code == 409
    box = _page(refused)
    assert "every place" in box.select_one(".form-error").get_text()
    assert box.select_one("#f-text").get_text() == "I gave a talk"


async def test_a_share_click_is_recorded_and_opens_the_network_with_the_personal_link(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    challenge = await make_challenge(session, type=ChallengeType.SHARE_LINK, points=20)
    await login_as(client, advocate)
    page = _page(await client.get(f"/challenges/{challenge.id}"))
    assert page.select_one("#share-link")["value"].endswith(f"/r/{advocate.referral_code}")
    networks = [i["value"] for i in page.select("#submission-box input[name=network]")]
    assert networks == ["linkedin", "x", "facebook", "email", "copy"]
    shared = await post_form(
        client,
        f"/challenges/{challenge.id}/share",
        {"key": "s", "network": "linkedin"},
        page="/",
    )
    assert shared.status_code == 303
    location = shared.headers["location"]
    assert location.startswith("https://www.linkedin.com/sharing/share-offsite/?url=")
    assert advocate.referral_code in location
    again = await post_form(
        client, f"/challenges/{challenge.id}/share", {"key": "t", "network": "x"}, page="/"
    )
    assert again.headers["location"].startswith("https://twitter.com/intent/tweet?")
    assert (await points.balance_of(session, advocate)).current == 20


async def test_dismissed_challenges_move_to_their_tab_and_come_back(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    challenge = await make_challenge(session, title="Attend the meetup")
    await login_as(client, advocate)
    assert (await post_form(client, f"/challenges/{challenge.id}/dismiss", {})).status_code == 303
    available = _page(await client.get("/challenges/"))
    assert available.select_one(f"#challenge-{challenge.id}") is None
    dismissed = _page(await client.get("/challenges/?tab=dismissed"))
    assert dismissed.select_one(f"#challenge-{challenge.id}") is not None
    await post_form(client, f"/challenges/{challenge.id}/restore", {})
    assert _page(await client.get("/challenges/")).select_one(f"#challenge-{challenge.id}")


async def test_a_challenge_for_another_group_answers_404_everywhere(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    group = Group(name="Partners")
    session.add(group)
    await session.flush()
    challenge = await make_challenge(session, group_ids=frozenset({group.id}))
    await login_as(client, await make_advocate(session))
    assert (await client.get(f"/challenges/{challenge.id}")).status_code == 404
    entry = await post_form(
        client, f"/challenges/{challenge.id}/entries", {"key": "k", "text": "hi"}, page="/"
    )
    assert entry.status_code == 404
    assert (await post_form(client, f"/challenges/{challenge.id}/dismiss", {})).status_code == 404
    listed = _page(await client.get("/challenges/"))
    assert listed.select_one(f"#challenge-{challenge.id}") is None


async def test_anonymous_visitors_are_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get("/challenges/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("http://portal.test/login")


@pytest.mark.parametrize("kind", list(ChallengeType))
async def test_every_type_has_its_page_its_preview_and_its_results(
    client: httpx.AsyncClient, session: AsyncSession, kind: ChallengeType
) -> None:
    from portal.challenges import service as challenges

    advocate = await make_advocate(session)
    challenge = await make_challenge(session, type=kind, approval=Approval.MANUAL)
    if kind not in (*BY_DOING, ChallengeType.SHARE_LINK):
        await challenges.submit_entry(
            session,
            user=advocate,
            challenge_id=challenge.id,
            key="entry",
            response={
                ChallengeType.ONLINE_REVIEW: {"proof_url": "https://reviews.example/1"},
                ChallengeType.ANSWER_QUESTIONS: {
                    "answers": [{"question": "Which plan?", "answer": ["Team"]}]
                },
                ChallengeType.ATTEND_EVENT: {"rsvp": True},
                ChallengeType.UPLOAD_IMAGE: {
                    "image": "not-stored",
                    "content_type": "image/png",
                    "filename": "team.png",
                    "text": "Our team",
                },
            }.get(kind, {"text": "Did it"}),
        )
    await login_as(client, advocate)
    page = _page(await client.get(f"/challenges/{challenge.id}"))
    assert page.select_one("#submission-box") is not None
    client.cookies.clear()
    await login_as(client, await make_marketer(session))
    for path in (
        f"/manage/challenges/{challenge.id}",
        f"/manage/challenges/{challenge.id}/preview",
        f"/manage/challenges/{challenge.id}/results",
        "/manage/approvals/",
    ):
        assert (await client.get(path)).status_code == 200, path


async def test_my_points_link_a_completed_challenge_to_its_page(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    from portal.challenges import service as challenges

    advocate = await make_advocate(session)
    challenge = await make_challenge(session, title="Tell a friend", points=15)
    entry = await challenges.submit_entry(
        session, user=advocate, challenge_id=challenge.id, key="k", response={"text": "done"}
    )
    await login_as(client, advocate)
    history = _page(await client.get("/points/"))
    link = history.select_one("#ledger-rows a[href*='/challenges/entries/']")
    assert link["href"].endswith(f"/challenges/entries/{entry.id}")
    followed = await client.get(link["href"])
    assert followed.headers["location"].endswith(f"/challenges/{challenge.id}")
    client.cookies.clear()
    await login_as(client, await make_advocate(session))
    assert (await client.get(f"/challenges/entries/{entry.id}")).status_code == 404
