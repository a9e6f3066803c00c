"""Demo segments (groups that fill themselves) and a join link for the Developers group."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.groups import service as groups
from portal.people.models import Group, ProfileField, User
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


async def _on_fields(session: AsyncSession) -> dict[str, tuple[str, list[Rule]]]:
    """A segment on the demo's custom profile fields (portal.directory.demo defines them)."""
    fields = {f.label: f for f in await session.scalars(select(ProfileField))}
    region, nps = fields.get("Region"), fields.get("NPS")
    if region is None or nps is None:
        return {}
    rules = [
        Rule(RuleKind.FIELD_IS, "EMEA", field_id=region.id, field_label=region.label),
        Rule(RuleKind.FIELD_AT_LEAST, "9", field_id=nps.id, field_label=nps.label),
    ]
    return {"EMEA promoters": ("Advocates in EMEA who gave us 9 or 10", rules)}


async def seed(session: AsyncSession, users: dict[str, User]) -> None:
    marketer = users["marketer@acme.example"]
    for name, (description, rules) in (SEGMENTS | await _on_fields(session)).items():
        if await session.scalar(select(Group.id).where(Group.name == name)) is None:
            await service.save_segment(
                session, staff=marketer, group=None, name=name, description=description, rules=rules
            )
    developers = await session.scalar(select(Group).where(Group.name == "Developers"))
    if developers is not None and developers.join_code is None:
        await groups.set_join_link(session, staff=marketer, group=developers, on=True)
