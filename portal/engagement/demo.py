"""Demo sequences: besides the portal's own steps (seeded by the migration), one onboarding
step the marketer wrote."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.engagement import sequences
from portal.engagement.models import Sequence, SequenceStep
from portal.people.models import User

COMMUNITY_STEP = (
    3,
    "{first_name}, meet the other Acme advocates",
    "<p>Hi {first_name},</p><p>Every month advocates meet online to swap tips and hear what is "
    "coming next. <a href='https://acme.example/community'>Join the next meetup</a>.</p>",
)


async def steps(session: AsyncSession, people: dict[str, User]) -> list[clock.At]:
    written = select(SequenceStep.id).where(SequenceStep.email_kind == sequences.WRITTEN)
    if await session.scalar(written.limit(1)) is not None:
        return []

    async def add_community_step() -> None:
        days, subject, body = COMMUNITY_STEP
        await sequences.add_step(
            session,
            staff=people["marketer@acme.example"],
            sequence=Sequence.ONBOARDING,
            days=days,
            subject=subject,
            body=body,
        )

    return [clock.At(timedelta(days=50), add_community_step)]
