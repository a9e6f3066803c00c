"""Demo messages: the program's three templates, a monthly newsletter to everyone and an alert
to the developers (both opened and clicked by some), and the quarterly review scheduled."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.jobs import take_pending
from portal.messages import library, reading, sending, service
from portal.messages.models import Audience, Broadcast, Delivery
from portal.notifications import service as notifications
from portal.notifications.models import Notification
from portal.outbox import preferences
from portal.outbox.models import EmailCategory
from portal.people.models import Group, User

MARKETER = "marketer@acme.example"
TEMPLATES = [
    (
        "Monthly newsletter",
        "{first_name}, your Acme Advocates newsletter",
        "<p>Hi {first_name},</p><p>Here is what happened this month: new challenges, new "
        "rewards, and the stories advocates like you shared.</p><ul><li>New this month: …</li>"
        '<li>Top advocates: …</li></ul><p><a href="https://acme.example/blog">Read the blog</a>'
        "</p>",
    ),
    (
        "Quarterly review",
        "Our quarter together, {first_name}",
        "<p>Hi {first_name},</p><p>This quarter the community referred new customers, wrote "
        "reviews and shared our stories. Thank you. Here is what is coming next quarter.</p>",
    ),
    (
        "Ad-hoc alert",
        "Heads-up: …",
        "<p>Hi {first_name},</p><p>A quick note about something you should know today.</p>",
    ),
]
NEWSLETTER = (
    "{first_name}, your November newsletter",
    "<p>Hi {first_name},</p><p>November brought two new challenges and the Acme Connect "
    "conference pass to the rewards. Thank you for the 14 referrals you sent us.</p>"
    '<p><a href="https://acme.example/blog/november-roundup">Read the November round-up</a></p>',
)
ALERT = (
    "Heads-up: API keys rotate on Friday",
    "<p>Hi {first_name},</p><p>We rotate the API signing keys this Friday at 10:00 UTC. If "
    "your integration pins a key, <strong>update it before then</strong>.</p>"
    '<p><a href="https://acme.example/docs/key-rotation">How to rotate your keys</a></p>',
)
NEWS_OFF = "omar.haddad@dunecloud.example"
OPENED = {
    "newsletter": [
        "priya.raman@northwind.example",
        "jonas.berg@fjordtech.example",
        "grace.liu@harborview.example",
        "omar.haddad@dunecloud.example",
    ],
    "alert": ["jonas.berg@fjordtech.example", "daniel.kim@brightpath.example"],
}
CLICKED = {
    "newsletter": ["priya.raman@northwind.example"],
    "alert": ["jonas.berg@fjordtech.example", "daniel.kim@brightpath.example"],
}


async def _deliver(session: AsyncSession, broadcast_id: int) -> None:
    """What the jobs do, here and now: start the broadcast and run its batches in turn (other
    queued jobs, such as the emails' sending, stay queued)."""
    await sending.start(session, broadcast_id, now=clock.utcnow())
    while True:
        pending = take_pending(session)
        batches = [job for job in pending if job.name == "deliver_broadcast"]
        session.info["jobs"] = [job for job in pending if job not in batches]
        if not batches:
            return
        for job in batches:
            after = job.kwargs["after"]
            if isinstance(after, int):
                await sending.deliver_batch(session, broadcast_id, after=after)


async def _read(session: AsyncSession, person: User, broadcast_id: int, *, click: bool) -> None:
    """Opens it from the bell, as the person would, and follows its link."""
    bell = await session.scalar(
        select(Notification.id).where(
            Notification.user_id == person.id,
            Notification.link == f"/messages/{broadcast_id}",
        )
    )
    if bell is not None:
        await notifications.open_notification(session, person, bell)
    await reading.open_message(session, viewer=person, broadcast_id=broadcast_id)
    if click:
        token = await session.scalar(
            select(Delivery.token).where(
                Delivery.broadcast_id == broadcast_id, Delivery.user_id == person.id
            )
        )
        if token is not None:
            await reading.follow_link(session, token=token, number=0)


async def steps(session: AsyncSession, people: dict[str, User]) -> list[clock.At]:
    if await session.scalar(select(Broadcast.id).limit(1)) is not None:
        return []
    marketer = people[MARKETER]
    developers = await session.scalar(select(Group.id).where(Group.name == "Developers"))
    sent: dict[str, int] = {}

    async def keep_templates() -> None:
        for name, subject, body in TEMPLATES:
            await library.save_template(
                session, staff=marketer, name=name, subject=subject, body=body
            )

    async def newsletter() -> None:
        # One reader switched news emails off: the newsletter reaches only their bell.
        await preferences.save_preferences(
            session,
            user=people[NEWS_OFF],
            wanted={category for category in EmailCategory if category is not EmailCategory.NEWS},
        )
        subject, body = NEWSLETTER
        broadcast = await service.create_broadcast(
            session,
            author=marketer,
            subject=subject,
            body=body,
            audience=Audience.EVERYONE,
            send_at=None,
            now=clock.utcnow(),
        )
        await _deliver(session, broadcast.id)
        sent["newsletter"] = broadcast.id

    async def alert() -> None:
        subject, body = ALERT
        broadcast = await service.create_broadcast(
            session,
            author=marketer,
            subject=subject,
            body=body,
            audience=Audience.GROUPS,
            group_ids=[developers] if developers else [],
            send_at=None,
            now=clock.utcnow(),
        )
        await _deliver(session, broadcast.id)
        sent["alert"] = broadcast.id

    async def readers(label: str) -> None:
        for email in OPENED[label]:
            await _read(session, people[email], sent[label], click=email in CLICKED[label])

    async def schedule_review() -> None:
        subject, body = TEMPLATES[1][1:]
        await service.create_broadcast(
            session,
            author=marketer,
            subject=subject,
            body=body,
            audience=Audience.EVERYONE,
            send_at=clock.utcnow() + timedelta(days=5),
            time_zone="Europe/London",
            now=clock.utcnow(),
        )

    async def newsletter_read() -> None:
        await readers("newsletter")

    async def alert_read() -> None:
        await readers("alert")

    return [
        clock.At(timedelta(days=45), keep_templates),
        clock.At(timedelta(days=12, hours=8), newsletter),
        clock.At(timedelta(days=11, hours=20), newsletter_read),
        clock.At(timedelta(days=3, hours=6), alert),
        clock.At(timedelta(days=3, hours=2), alert_read),
        clock.At(timedelta(days=1, hours=3), schedule_review),
    ]
