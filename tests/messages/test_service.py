"""Broadcasts: who they reach, once each, in batches; what is refused; opening and clicking."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.errors import NotFound
from portal.groups import service as groups
from portal.jobs import take_pending
from portal.messages import reading, sending, service
from portal.messages.models import Audience, Broadcast, BroadcastStatus, Delivery
from portal.notifications.models import Notification
from portal.outbox import preferences
from portal.outbox.models import EmailCategory, OutboxEmail
from portal.people.models import User, UserStatus
from tests.factories import make_advocate, make_marketer
from tests.messages.helpers import send_all

BODY = '<p>Hi {first_name}, read <a href="https://acme.example/news?a=1&amp;b=2">the news</a>.</p>'


async def _broadcast(session: AsyncSession, author: User, **overrides: object) -> Broadcast:
    values: dict[str, object] = {
        "subject": "Spring news for {first_name}",
        "body": BODY,
        "audience": Audience.EVERYONE,
        "send_at": None,
        "now": utcnow(),
    }
    values.update(overrides)
    return await service.create_broadcast(session, author=author, **values)  # type: ignore[arg-type]


async def _count(session: AsyncSession, query: object) -> int:
    return await session.scalar(select(func.count()).select_from(query.subquery())) or 0  # type: ignore[attr-defined]


async def test_a_group_broadcast_reaches_its_active_advocates_once_in_the_bell_and_by_email(
    session: AsyncSession,
) -> None:
    marketer = await make_marketer(session)
    ada = await make_advocate(session, name="Ada Byron")
    grace = await make_advocate(session, name="Grace Hopper")
    outsider = await make_advocate(session)
    suspended = await make_advocate(session, status=UserStatus.SUSPENDED)
    group = await groups.create_group(session, staff=marketer, name="Beta testers")
    await groups.add_members(session, staff=marketer, group=group, users=[ada, grace, suspended])
    await preferences.save_preferences(
        session, user=grace, wanted=set(EmailCategory) - {EmailCategory.NEWS}
    )

    broadcast = await _broadcast(session, marketer, audience=Audience.GROUPS, group_ids=[group.id])
    await send_all(session, broadcast.id)

    bells = list(
        await session.scalars(select(Notification).where(Notification.kind == "broadcast"))
    )
    assert sorted(n.user_id for n in bells) == sorted([ada.id, grace.id])
    assert {n.title for n in bells} == {"Spring news for Ada", "Spring news for Grace"}
    emails = list(await session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "broadcast")))
    assert [(e.to_address, e.subject) for e in emails] == [(ada.email, "Spring news for Ada")]
    assert "Hi Ada, read the news (http://" in emails[0].text_body
    assert emails[0].headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "acme.example" not in emails[0].html_body  # the link goes through our redirect
    await session.refresh(broadcast)
    assert broadcast.status == BroadcastStatus.SENT
    stats = (await reading.stats_of(session, [broadcast]))[broadcast.id]
    assert (stats.recipients, stats.delivered, stats.emailed, stats.opened, stats.clicked) == (
        2,
        2,
        1,
        0,
        0,
    )
    assert outsider.id not in {n.user_id for n in bells}


async def test_a_batch_run_twice_reaches_each_person_once(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    advocates = [await make_advocate(session) for _ in range(3)]
    broadcast = await _broadcast(session, marketer)
    take_pending(session)
    assert await sending.start(session, broadcast.id, now=utcnow())
    assert not await sending.start(session, broadcast.id, now=utcnow())  # a second worker
    take_pending(session)

    first = await sending.deliver_batch(session, broadcast.id, after=0)
    again = await sending.deliver_batch(session, broadcast.id, after=0)

    assert (first, again) == (3, 0)
    per_person = await session.execute(
        select(Notification.user_id, func.count())
        .where(Notification.kind == "broadcast")
        .group_by(Notification.user_id)
    )
    assert dict(per_person.all()) == {a.id: 1 for a in advocates}
    assert await _count(session, select(OutboxEmail).where(OutboxEmail.kind == "broadcast")) == 3


async def test_a_large_audience_goes_out_in_batches_each_queuing_the_next(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sending, "BATCH", 2)
    marketer = await make_marketer(session)
    for _ in range(5):
        await make_advocate(session)
    broadcast = await _broadcast(session, marketer)

    batches = await send_all(session, broadcast.id)

    assert batches == 4  # 2 + 2 + 1, then the empty batch that marks it sent
    assert await _count(session, select(Delivery).where(Delivery.broadcast_id == broadcast.id)) == 5
    await session.refresh(broadcast)
    assert (broadcast.status, broadcast.recipients) == (BroadcastStatus.SENT, 5)


async def test_an_explicit_list_of_people_is_an_audience(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    chosen = await make_advocate(session)
    await make_advocate(session)
    broadcast = await _broadcast(
        session, marketer, audience=Audience.PEOPLE, person_ids=[chosen.id]
    )
    await send_all(session, broadcast.id)
    reached = list(await session.scalars(select(Delivery.user_id)))
    assert reached == [chosen.id]


async def test_a_scheduled_broadcast_waits_for_its_moment_and_can_be_cancelled_until_then(
    session: AsyncSession,
) -> None:
    marketer = await make_marketer(session)
    await make_advocate(session)
    now = utcnow()
    later = await _broadcast(session, marketer, send_at=now + timedelta(hours=2), now=now)
    cancelled = await _broadcast(session, marketer, send_at=now + timedelta(hours=2), now=now)
    assert take_pending(session) == []  # nothing goes now

    assert await sending.due_broadcast_ids(session, now=now) == []
    await service.cancel(session, staff=marketer, broadcast_id=cancelled.id)
    due = await sending.due_broadcast_ids(session, now=now + timedelta(hours=2))
    assert due == [later.id]
    assert await sending.start(session, later.id, now=now + timedelta(hours=2))
    with pytest.raises(service.NotCancellable):
        await service.cancel(session, staff=marketer, broadcast_id=later.id)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject": "  "}, "subject"),
        ({"body": "<script></script> <p> </p>"}, "body"),
        ({"audience": Audience.GROUPS, "group_ids": []}, "groups"),
        ({"audience": Audience.GROUPS, "group_ids": [999_999]}, "groups"),
        ({"audience": Audience.PEOPLE, "person_ids": []}, "audience"),
        ({"send_at": utcnow() - timedelta(minutes=1)}, "send_at"),
    ],
)
async def test_a_broadcast_that_cannot_go_out_is_refused_and_writes_nothing(
    session: AsyncSession, overrides: dict[str, object], field: str
) -> None:
    marketer = await make_marketer(session)
    with pytest.raises(service.InvalidBroadcast) as refused:
        await _broadcast(session, marketer, **overrides)
    assert refused.value.field == field
    assert await _count(session, select(Broadcast)) == 0


async def test_the_body_is_sanitized_on_the_way_in(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    broadcast = await _broadcast(
        session,
        marketer,
        body='<p onclick="x()">Hi</p><script>alert(1)</script><a href="javascript:x()">y</a>',
    )
    assert "script" not in broadcast.body_html
    assert "onclick" not in broadcast.body_html
    assert "javascript" not in broadcast.body_html


async def test_opening_and_clicking_are_counted_once_per_person(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    ada = await make_advocate(session, name="Ada Byron")
    other = await make_advocate(session)
    broadcast = await _broadcast(session, marketer, audience=Audience.PEOPLE, person_ids=[ada.id])
    await send_all(session, broadcast.id)

    _, copy = await reading.open_message(session, viewer=ada, broadcast_id=broadcast.id)
    await reading.open_message(session, viewer=ada, broadcast_id=broadcast.id)
    assert copy.subject == "Spring news for Ada"
    token = await session.scalar(select(Delivery.token))
    assert f'href="/messages/go/{token}/0"' in copy.body_html
    with pytest.raises(NotFound):
        await reading.open_message(session, viewer=other, broadcast_id=broadcast.id)

    target = await reading.follow_link(session, token=token, number=0)
    await reading.follow_link(session, token=token, number=0)
    assert target == "https://acme.example/news?a=1&b=2"
    with pytest.raises(NotFound):
        await reading.follow_link(session, token=token, number=1)
    with pytest.raises(NotFound):
        await reading.follow_link(session, token="nobody", number=0)
    stats = (await reading.stats_of(session, [broadcast]))[broadcast.id]
    assert (stats.opened, stats.clicked) == (1, 1)


async def test_a_preview_shows_the_chosen_advocate_their_copy_and_the_reach(
    session: AsyncSession,
) -> None:
    marketer = await make_marketer(session)
    ada = await make_advocate(session, name="Ada Byron")
    await make_advocate(session)
    group = await groups.create_group(session, staff=marketer, name="Beta")
    shown = await service.preview(
        session,
        viewer=marketer,
        subject="Hello {first_name}",
        body=BODY,
        audience=Audience.GROUPS,
        group_ids=[group.id],
        preview_as=ada.email.upper(),
    )
    assert (shown.copy.subject, shown.audience_size, shown.person_in_audience) == (
        "Hello Ada",
        0,
        False,
    )
    assert "Hi Ada" in shown.copy.body_html
    with pytest.raises(service.InvalidBroadcast):
        await service.preview(
            session,
            viewer=marketer,
            subject="x",
            body="y",
            audience=Audience.EVERYONE,
            group_ids=[],
            preview_as="nobody@example.com",
        )
    assert await _count(session, select(Broadcast)) == 0


async def test_a_stalled_broadcast_is_resumed_after_its_last_delivery(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sending, "BATCH", 1)
    marketer = await make_marketer(session)
    first = await make_advocate(session)
    await make_advocate(session)
    broadcast = await _broadcast(session, marketer)
    take_pending(session)
    await sending.start(session, broadcast.id, now=utcnow())
    take_pending(session)
    await sending.deliver_batch(session, broadcast.id, after=0)
    take_pending(session)  # the next batch's job is lost

    assert await sending.resume_stalled(session, now=utcnow()) == 0  # still fresh
    assert await sending.resume_stalled(session, now=utcnow() + timedelta(minutes=6)) == 1
    [job] = [j for j in take_pending(session) if j.name == "deliver_broadcast"]
    assert job.kwargs == {"broadcast_id": broadcast.id, "after": first.id}
