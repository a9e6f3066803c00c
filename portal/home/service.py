"""What the home page shows: getting started for advocates, the program at a glance for staff."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth import service as auth
from portal.auth.models import User, UserStatus
from portal.outbox.models import EmailStatus, OutboxEmail


@dataclass(frozen=True)
class Step:
    label: str
    done: bool
    route: str


@dataclass(frozen=True)
class ProgramGlance:
    people: dict[UserStatus, int]
    emails_waiting: int


def getting_started(user: User) -> list[Step]:
    return [
        Step("Set your password and sign in", True, "auth:profile"),
        Step(
            "Add your company and job title", bool(user.company and user.job_title), "auth:profile"
        ),
    ]


async def program_glance(session: AsyncSession) -> ProgramGlance:
    waiting = await session.scalar(
        select(func.count()).where(OutboxEmail.status == EmailStatus.PENDING)
    )
    return ProgramGlance(people=await auth.count_by_status(session), emails_waiting=waiting or 0)
