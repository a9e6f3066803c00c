"""Community reading and writing: targeting by group (404 for others), the sanitizer on every
body, quoting, list order and the page a post is on."""

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.community import service
from portal.community.models import Post
from portal.errors import NotFound
from tests.community.helpers import make_category, make_group, make_reply, make_topic
from tests.factories import make_advocate, make_marketer


async def test_a_category_for_a_group_is_not_found_for_others_and_hides_its_topics(
    session: AsyncSession,
) -> None:
    member = await make_advocate(session, name="Gina Member")
    outsider = await make_advocate(session, name="Otto Outsider")
    insiders = await make_category(
        session, "Beta program", groups=(await make_group(session, "Beta", member),)
    )
    everyone = await make_category(session, "Events")
    secret = await make_topic(session, member, insiders, title="Beta build 42 feedback")
    await make_topic(session, outsider, everyone, title="Meetup in Berlin")

    with pytest.raises(NotFound):
        await service.access_category(session, viewer=outsider, category_id=insiders.id)
    with pytest.raises(NotFound):
        await service.access_topic(session, viewer=outsider, topic_id=secret.id)
    with pytest.raises(NotFound):
        await make_topic(session, outsider, insiders)
    seen = await service.list_topics(session, viewer=outsider)
    assert [topic.title for topic in seen.items] == ["Meetup in Berlin"]
    names = [row.category.name for row in await service.list_categories(session, viewer=outsider)]
    assert names == ["Events"]

    member_sees = await service.list_topics(session, viewer=member)
    assert {topic.title for topic in member_sees.items} == {
        "Beta build 42 feedback",
        "Meetup in Berlin",
    }
    staff_sees = await service.list_topics(session, viewer=await make_marketer(session))
    assert staff_sees.total == 2


async def test_every_body_is_sanitized_and_an_empty_one_is_refused(session: AsyncSession) -> None:
    author = await make_advocate(session)
    category = await make_category(session)
    topic = await make_topic(
        session,
        author,
        category,
        body='<p onclick="steal()">Hi<script>alert(1)</script> <a href="javascript:x()">me</a></p>',
    )
    reply = await make_reply(session, author, topic, '<img src=x onerror="boom()"><b>Bold</b>')
    bodies = list(await session.scalars(select(Post.body_html).order_by(Post.id)))
    assert bodies[0] == "<p>Hialert(1) <a>me</a></p>"
    assert reply.body_html == "<b>Bold</b>"
    with pytest.raises(service.EmptyPost):
        await make_reply(session, author, topic, "<p> </p><br><em></em>")


async def test_a_quote_carries_the_quoted_text_and_name_not_its_markup(
    session: AsyncSession,
) -> None:
    asker = await make_advocate(session, name="Ada <Asker>")
    helper = await make_advocate(session, name="Hal Helper")
    topic = await make_topic(
        session, asker, await make_category(session), body="<p>Does <em>export</em> work?</p>"
    )
    opening = await session.scalar(select(Post).where(Post.topic_id == topic.id))
    assert opening is not None
    post = await service.reply(
        session, author=helper, topic_id=topic.id, body="Yes, it does.", quoted_post_id=opening.id
    )
    assert post.body_html == (
        "<blockquote><p><strong>Ada &lt;Asker&gt;</strong> wrote:</p>"
        "<p>Does export work?</p></blockquote><p>Yes, it does.</p>"
    )


async def test_topics_list_pinned_first_then_latest_activity_and_replies_count(
    session: AsyncSession,
) -> None:
    author = await make_advocate(session)
    category = await make_category(session)
    older = await make_topic(session, author, category, title="Older topic")
    newer = await make_topic(session, author, category, title="Newer topic")
    await make_reply(session, author, older)
    await make_reply(session, author, older)
    page = await service.list_topics(session, viewer=author, category=category)
    assert [topic.title for topic in page.items] == ["Older topic", "Newer topic"]
    assert page.items[0].reply_count == 2
    newer.is_pinned = True
    await session.flush()
    page = await service.list_topics(session, viewer=author, category=category)
    assert [topic.title for topic in page.items] == ["Newer topic", "Older topic"]


async def test_a_post_knows_its_page_and_a_page_past_the_end_shows_the_last(
    session: AsyncSession,
) -> None:
    author = await make_advocate(session)
    topic = await make_topic(session, author, await make_category(session))
    replies = [await make_reply(session, author, topic, f"Reply {n}") for n in range(25)]
    assert await service.page_of_post(session, viewer=author, post=replies[0]) == 1
    # the opening post is first
    assert await service.page_of_post(session, viewer=author, post=replies[19]) == 2
    view = await service.read_topic(session, viewer=author, topic_id=topic.id, page=9)
    assert view.posts.page == 2
    assert [p.body_html for p in view.posts.items][-1] == "<p>Reply 24</p>"
