"""Demo event types (a G2 review completes the demo's review challenge when there is one), and a
few events other systems reported over the last weeks, through the real service."""

from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.advocacy import service
from portal.advocacy.models import EventType, RecordedEvent
from portal.challenges.models import Challenge, ChallengeType
from portal.people.models import User

# (key, name, points, completes the online-review challenge)
EVENT_TYPES = [
    ("g2_review_published", "Published a review on G2", 150, True),
    ("webinar_attended", "Attended a customer webinar", 25, False),
    ("case_study_signed", "Signed off a case study", 500, False),
]
# (days ago, advocate, event type)
EVENTS = [
    (21, "priya.raman@northwind.example", "webinar_attended"),
    (14, "jonas.berg@fjordtech.example", "case_study_signed"),
    (9, "lucia.moreno@solaria.example", "webinar_attended"),
    (3, "grace.liu@harborview.example", "g2_review_published"),
    # Priya keeps her weekly streak going (shown on her Home).
    (14, "priya.raman@northwind.example", "webinar_attended"),
    (7, "priya.raman@northwind.example", "webinar_attended"),
]


async def steps(session: AsyncSession, people: dict[str, User]) -> list[clock.At]:
    """The types defined a month ago (after the challenges launched), then the events."""
    recorded = set(await session.scalars(select(RecordedEvent.idempotency_key)))
    return [
        clock.At(timedelta(days=30), _define_types(session, people["marketer@acme.example"])),
        *(
            clock.At(timedelta(days=days_ago), _record(session, people[email], key, f"demo-{n}"))
            for n, (days_ago, email, key) in enumerate(EVENTS)
            if f"demo-{n}" not in recorded
        ),
    ]


def _define_types(session: AsyncSession, staff: User) -> Callable[[], Awaitable[object]]:
    async def define() -> object:
        known = set(await session.scalars(select(EventType.key)))
        review = await session.scalar(
            select(Challenge.id).where(Challenge.type == ChallengeType.ONLINE_REVIEW).limit(1)
        )
        for key, name, points, completes_review in EVENT_TYPES:
            if key not in known:
                await service.create_event_type(
                    session,
                    actor=staff,
                    key=key,
                    name=name,
                    points=points,
                    challenge_id=review if completes_review else None,
                )
        return known

    return define


def _record(
    session: AsyncSession, person: User, key: str, idempotency_key: str
) -> Callable[[], Awaitable[object]]:
    async def record() -> object:
        return await service.record_event(
            session, user=person, type_key=key, idempotency_key=idempotency_key
        )

    return record
