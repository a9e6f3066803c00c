"""Where a member stopped reading: posts after their place are marked new on the next visit,
lists mark topics with newer posts, and "first unread" opens the page of the first of them."""

import httpx
from bs4 import BeautifulSoup
from sqlalchemy.ext.asyncio import AsyncSession

from portal.community import service
from tests.community.helpers import make_category, make_reply, make_topic
from tests.factories import login_as, make_advocate, make_marketer


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def test_new_posts_are_marked_and_first_unread_keeps_the_readers_place(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    asker = await make_advocate(session)
    reader = await make_advocate(session)
    topic = await make_topic(session, asker, await make_category(session))
    for n in range(service.POSTS_PER_PAGE - 3):  # with the hidden one, 19 on page 1
        await make_reply(session, asker, topic, body=f"Early note {n}")
    await login_as(client, reader)

    first_visit = _page(await client.get(f"/community/t/{topic.id}"))
    assert first_visit.select(".post-unread") == []  # all of it is new: nothing marked
    listed = _page(await client.get("/community/"))
    assert listed.select(".topic-unread") == []

    hidden = await make_reply(session, asker, topic, body="Soon hidden")
    await service.resolve_flags(
        session, staff=await make_marketer(session), post_id=hidden.id, hide=True
    )
    assert _page(await client.get("/community/")).select(".topic-unread") == []  # only hidden

    fresh = [await make_reply(session, asker, topic, body=f"Later note {n}") for n in range(3)]
    link = _page(await client.get("/community/")).select_one(f"#topic-{topic.id} .topic-unread")
    assert link["href"].endswith(f"/community/t/{topic.id}/unread")

    jumped = await client.get(link["href"])
    assert jumped.status_code == 303
    landing = await client.get(jumped.headers["location"])
    assert landing.status_code == 303  # the post's own link: its page, scrolled to it
    assert landing.headers["location"].endswith(f"/community/t/{topic.id}#post-{fresh[0].id}")
    page_one = _page(await client.get(f"/community/t/{topic.id}"))
    marked = [li["id"] for li in page_one.select(".post-unread")]
    assert marked == [f"post-{fresh[0].id}"]  # the others are on page 2
    assert page_one.select_one(f"#post-{fresh[0].id} .chip-new").get_text() == "New"

    page_two = _page(await client.get(f"/community/t/{topic.id}?page=2"))
    assert [li["id"] for li in page_two.select(".post-unread")] == [
        f"post-{post.id}" for post in fresh[1:]
    ]
    assert _page(await client.get("/community/")).select(".topic-unread") == []
    # Page 1 again does not move the place back.
    await client.get(f"/community/t/{topic.id}")
    done = await client.get(f"/community/t/{topic.id}/unread")
    assert done.headers["location"].endswith(f"/community/t/{topic.id}")
