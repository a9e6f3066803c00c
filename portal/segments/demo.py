"""Demo segments (groups that fill themselves) and a join link for the Developers group."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.groups import service as groups
from portal.people.models import Group, User
from portal.people.segment_rules import Rule, RuleKind
from portal.segments import service

SEGMENTS = {
    "Rising stars": (
        "Earned in the last 30 days and past 500 points: invite them to the beta",
        [Rule(RuleKind.EARNED_WITHIN, "30"), Rule(RuleKind.LIFETIME_POINTS, "500")],
    ),
    "Ready to refer": (
        "Active lately but never referred anyone",
        [
            Rule(RuleKind.EARNED_WITHIN, "60"),
            Rule(RuleKind.NEVER_REFERRED, ""),
            Rule(RuleKind.ROLE, "marketer", exclude=True),
        ],
    ),
}


async def seed(session: AsyncSession, users: dict[str, User]) -> None:
    marketer = users["marketer@acme.example"]
    for name, (description, rules) in SEGMENTS.items():
        if await session.scalar(select(Group.id).where(Group.name == name)) is None:
            await service.save_segment(
                session, staff=marketer, group=None, name=name, description=description, rules=rules
            )
    developers = await session.scalar(select(Group).where(Group.name == "Developers"))
    if developers is not None and developers.join_code is None:
        await groups.set_join_link(session, staff=marketer, group=developers, on=True)
