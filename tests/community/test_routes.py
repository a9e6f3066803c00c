"""The Community pages: the navigation entry, starting a topic (errors keep what was typed),
replying and landing on the reply, quoting, a locked topic, targeting (404), and Manage →
Community for staff only."""

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.community.models import Category, Post, Topic
from tests.community.helpers import make_category, make_group, make_reply, make_topic
from tests.factories import login_as, make_advocate, make_marketer, post_form


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def test_an_advocate_finds_community_in_the_navigation_and_sees_topics(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    category = await make_category(session, "Product tips")
    await make_topic(session, advocate, category, title="Keyboard shortcuts you love")
    await login_as(client, advocate)
    home = _page(await client.get("/"))
    assert "Community" in [a.get_text(strip=True) for a in home.select("nav a")]
    page = _page(await client.get("/community/"))
    assert [a.get_text() for a in page.select(".topic-title")] == ["Keyboard shortcuts you love"]
    assert page.select_one(f"#category-{category.id} strong").get_text() == "Product tips"


async def test_a_topic_with_mistakes_comes_back_with_what_was_typed(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    category = await make_category(session)
    await login_as(client, await make_advocate(session))
    response = await post_form(
        client,
        "/community/new",
        {"category": str(category.id), "title": "Hi", "body": "Keep this text"},
        page="/community/new",
    )
    assert response.status_code == 422
    page = _page(response)
    assert (
        page.select_one("#f-title-error").get_text() == "Use at least 5 characters for the title."
    )
    assert page.select_one("#f-body").get_text() == "Keep this text"
    assert page.select_one("#f-category option[selected]")["value"] == str(category.id)
    assert await session.scalar(select(Topic.id)) is None


async def test_starting_a_topic_and_replying_lands_on_the_reply(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    category = await make_category(session)
    asker = await make_advocate(session, name="Ada Asker")
    await login_as(client, asker)
    response = await post_form(
        client,
        "/community/new",
        {"category": str(category.id), "title": "Exporting to CSV", "body": "Line one\n\nLine two"},
        page="/community/new",
    )
    assert response.status_code == 303
    topic_url = response.headers["location"]
    topic = _page(await client.get(topic_url))
    assert topic.select_one("#topic-title").get_text() == "Exporting to CSV"
    assert [p.get_text() for p in topic.select(".post-body p")] == ["Line one", "Line two"]

    topic_id = int(topic_url.rstrip("/").rsplit("/", 1)[1])
    response = await post_form(
        client, f"/community/t/{topic_id}/reply", {"body": "Found it!"}, page=topic_url
    )
    assert response.status_code == 303
    reply = await session.scalar(select(Post).where(Post.is_opening.is_(False)))
    assert reply is not None
    landing = await client.get(response.headers["location"])
    assert landing.status_code == 303
    assert landing.headers["location"].endswith(f"/community/t/{topic_id}#post-{reply.id}")


async def test_an_empty_reply_keeps_the_quote_and_a_locked_topic_refuses(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    topic = await make_topic(session, advocate, await make_category(session))
    first = await make_reply(session, advocate, topic, "Worth quoting")
    await login_as(client, advocate)
    quoting = _page(await client.get(f"/community/t/{topic.id}?quote={first.id}"))
    assert quoting.select_one("#reply input[name=quote]")["value"] == str(first.id)
    response = await post_form(
        client,
        f"/community/t/{topic.id}/reply",
        {"body": "", "quote": str(first.id)},
        page=f"/community/t/{topic.id}",
    )
    assert response.status_code == 422
    page = _page(response)
    assert page.select_one("#f-body-error").get_text() == "Write something: the post is empty."
    assert page.select_one("#reply input[name=quote]")["value"] == str(first.id)

    topic.is_locked = True
    await session.flush()
    response = await post_form(
        client, f"/community/t/{topic.id}/reply", {"body": "Late"}, page="/community/"
    )
    assert response.status_code == 409
    assert "locked" in _page(response).select_one("#locked-note").get_text()


async def test_a_category_for_other_groups_answers_404(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    member = await make_advocate(session)
    category = await make_category(
        session, "Partners", groups=(await make_group(session, "Partners", member),)
    )
    topic = await make_topic(session, member, category)
    await login_as(client, await make_advocate(session))
    assert (await client.get(f"/community/c/{category.id}")).status_code == 404
    assert (await client.get(f"/community/t/{topic.id}")).status_code == 404
    response = await post_form(
        client, f"/community/t/{topic.id}/reply", {"body": "Let me in"}, page="/community/"
    )
    assert response.status_code == 404


async def test_staff_create_a_category_for_a_group_and_advocates_cannot_manage(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    group = await make_group(session, "Developers")
    await login_as(client, await make_advocate(session))
    assert (await client.get("/manage/community/")).status_code == 403

    client.cookies.clear()
    await login_as(client, await make_marketer(session))
    response = await post_form(
        client,
        "/manage/community/categories",
        {"name": "", "description": "Kept", "groups": [str(group.id)]},
        page="/manage/community/",
    )
    assert response.status_code == 422
    page = _page(response)
    assert page.select_one("#f-description")["value"] == "Kept"
    assert page.select_one(f"input[name=groups][value='{group.id}']").has_attr("checked")
    response = await post_form(
        client,
        "/manage/community/categories",
        {"name": "API corner", "description": "", "groups": [str(group.id)]},
        page="/manage/community/",
    )
    assert response.status_code == 303
    category = await session.scalar(select(Category).where(Category.name == "API corner"))
    assert category is not None
    assert category.is_targeted
    listing = _page(await client.get("/manage/community/"))
    assert "Developers" in listing.select_one(f"#managed-category-{category.id}").get_text()


async def test_helpful_and_mark_as_answer_from_the_topic_page(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    asker = await make_advocate(session, name="Ada Asker")
    helper = await make_advocate(session, name="Hal Helper")
    topic = await make_topic(session, asker, await make_category(session))
    good = await make_reply(session, helper, topic, "Try the rules page.")
    await login_as(client, asker)
    page = _page(await client.get(f"/community/t/{topic.id}"))
    assert page.select_one(f"#post-{good.id} .helpful-button").get_text(" ", strip=True) == (
        "Helpful · 0"
    )
    response = await post_form(
        client, f"/community/p/{good.id}/helpful", {}, page=f"/community/t/{topic.id}"
    )
    assert response.status_code == 303
    response = await post_form(
        client, f"/community/p/{good.id}/answer", {}, page=f"/community/t/{topic.id}"
    )
    assert response.status_code == 303
    page = _page(await client.get(f"/community/t/{topic.id}"))
    assert page.select_one(f"#post-{good.id} .helpful-button").get_text(" ", strip=True) == (
        "✓ Helpful · 1"
    )
    assert "Try the rules page." in page.select_one("#accepted-answer").get_text()
    assert page.select_one(f"#post-{good.id}.post-answer") is not None


async def test_staff_set_community_points_and_a_bad_number_is_kept(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    form = {
        "points_topic": "7",
        "points_reply": "abc",
        "points_answer": "30",
        "points_helpful": "2",
        "daily_cap": "40",
    }
    response = await post_form(client, "/manage/community/points", form, page="/manage/community/")
    assert response.status_code == 422
    page = _page(response)
    assert page.select_one("#f-points_reply")["value"] == "abc"
    assert page.select_one("#f-points_reply-error").get_text() == "Enter 0 or more points."
    form["points_reply"] = "3"
    response = await post_form(client, "/manage/community/points", form, page="/manage/community/")
    assert response.status_code == 303
    page = _page(await client.get("/manage/community/"))
    assert page.select_one("#f-points_answer")["value"] == "30"
    assert page.select_one("#f-daily_cap")["value"] == "40"


async def test_follow_a_category_and_mute_ones_own_topic_from_their_pages(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    category = await make_category(session)
    topic = await make_topic(session, advocate, category)
    await login_as(client, advocate)
    response = await post_form(
        client, f"/community/c/{category.id}/follow", {}, page=f"/community/c/{category.id}"
    )
    assert response.status_code == 303
    page = _page(await client.get(f"/community/c/{category.id}"))
    assert page.select_one("#follow-button").get_text() == "Following ✓"
    assert "You'll hear of each new topic here." in page.select_one("#flashes").get_text()
    response = await post_form(
        client, f"/community/t/{topic.id}/mute", {}, page=f"/community/t/{topic.id}"
    )
    page = _page(await client.get(f"/community/t/{topic.id}"))
    assert page.select_one("#mute-button").get_text() == "Tell me of new replies again"


async def test_flag_then_staff_hide_it_from_the_queue_and_pin_the_topic(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    author = await make_advocate(session)
    reader = await make_advocate(session)
    staff = await make_marketer(session)
    topic = await make_topic(session, author, await make_category(session))
    spam = await make_reply(session, author, topic, "Cheap watches")
    await login_as(client, reader)
    response = await post_form(
        client, f"/community/p/{spam.id}/flag", {"reason": ""}, page=f"/community/p/{spam.id}/flag"
    )
    assert response.status_code == 422
    assert _page(response).select_one("#f-reason-error").get_text() == (
        "Say what is wrong with the post."
    )
    response = await post_form(
        client, f"/community/p/{spam.id}/flag", {"reason": "Spam"}, page="/community/"
    )
    assert response.status_code == 303
    response = await post_form(
        client, f"/community/t/{topic.id}/moderate", {"action": "pin"}, page="/community/"
    )
    assert response.status_code == 403

    client.cookies.clear()
    await login_as(client, staff)
    queue = _page(await client.get("/manage/community/queue"))
    assert "Spam" in queue.select_one(f"#flagged-{spam.id}").get_text()
    response = await post_form(
        client,
        f"/manage/community/queue/{spam.id}",
        {"action": "hide"},
        page="/manage/community/queue",
    )
    assert response.status_code == 303
    response = await post_form(
        client, f"/community/t/{topic.id}/moderate", {"action": "pin"}, page="/community/"
    )
    assert response.status_code == 303
    page = _page(await client.get(f"/community/t/{topic.id}"))
    assert "Pinned" in page.select_one(".topic-marks").get_text()
    assert page.select_one("#moderation button[value=unpin]") is not None

    client.cookies.clear()
    await login_as(client, reader)
    page = _page(await client.get(f"/community/t/{topic.id}"))
    assert page.select_one(f"#post-{spam.id} .hidden-note") is not None
    assert "Cheap watches" not in page.get_text()


async def test_editing_a_post_keeps_its_history_readable(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    author = await make_advocate(session)
    topic = await make_topic(session, author, await make_category(session))
    post = await make_reply(session, author, topic, "Frist draft")
    await login_as(client, author)
    edit = _page(await client.get(f"/community/p/{post.id}/edit"))
    assert edit.select_one("#f-body").get_text() == "<p>Frist draft</p>"
    response = await post_form(
        client, f"/community/p/{post.id}/edit", {"body": "First draft"}, page="/community/"
    )
    assert response.status_code == 303
    page = _page(await client.get(f"/community/t/{topic.id}"))
    assert page.select_one(f"#post-{post.id} .post-body").get_text() == "First draft"
    history = _page(await client.get(f"/community/p/{post.id}/history"))
    assert [p.get_text() for p in history.select("#history .post-body")] == [
        "First draft",
        "Frist draft",
    ]


async def test_the_search_page_lists_matches_and_keeps_the_words(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    category = await make_category(session)
    await make_topic(session, advocate, category, title="Exporting invoices", body="To CSV")
    await make_topic(session, advocate, category, title="Alerts", body="By email")
    await login_as(client, advocate)
    page = _page(await client.get("/community/search?q=invoices"))
    assert [a.get_text() for a in page.select(".topic-title")] == ["Exporting invoices"]
    assert page.select_one("#community-q")["value"] == "invoices"
    assert page.select_one("#search-summary").get_text() == "1 topic for “invoices”"
    empty = _page(await client.get("/community/search?q=zebra"))
    assert "Nothing matches" in empty.select_one("#topics").get_text()
