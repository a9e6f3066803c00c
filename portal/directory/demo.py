"""Demo: the profile fields Acme's marketers ask (region, industry, customer since, NPS), each
advocate's answers, two saved People views and a message scheduled to one of them, through
the real services. Run again, it adds nothing twice."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.directory import audience, fields, views
from portal.directory.models import SavedView
from portal.messages import service as broadcasts
from portal.messages.models import Audience, Broadcast
from portal.people import fields as answers
from portal.people.models import FieldKind, ProfileField, User

MARKETER = "marketer@acme.example"
FIELDS = [
    fields.FieldValues("Region", FieldKind.CHOICE, "EMEA\nAmericas\nAPAC", True, True, True),
    fields.FieldValues("Industry", FieldKind.TEXT, "", False, True, True),
    fields.FieldValues("Customer since", FieldKind.DATE, "", False, False, False),
    fields.FieldValues("NPS", FieldKind.NUMBER, "", False, False, False),
]
MEETUP = (
    "{first_name}, join the EMEA advocates' meetup in Berlin",
    "<p>Hi {first_name},</p><p>We are meeting the EMEA advocates in Berlin next month: talks, "
    "a product preview and dinner. <strong>Reply to save your seat.</strong></p>",
)
# email: region, industry, customer since, NPS
ANSWERS = {
    "priya.raman@northwind.example": ("Americas", "Logistics", "2021-03-15", "10"),
    "jonas.berg@fjordtech.example": ("EMEA", "Software", "2020-09-01", "9"),
    "lucia.moreno@solaria.example": ("EMEA", "Energy", "2022-01-10", "8"),
    "daniel.kim@brightpath.example": ("Americas", "Healthcare", "2023-05-22", "9"),
    "amara.nwosu@kelvin.example": ("EMEA", "Financial services", "2021-11-30", "7"),
    "tom.fischer@alpenbank.example": ("EMEA", "Banking", "2019-06-12", "10"),
    "grace.liu@harborview.example": ("Americas", "Retail", "2024-02-05", "6"),
    "omar.haddad@dunecloud.example": ("APAC", "Cloud hosting", "2022-08-18", "9"),
    "sofia.rossi@vitaverde.example": ("EMEA", "Food", "2023-10-03", "8"),
    "ethan.brooks@lumen.example": ("Americas", "Analytics", "2024-06-20", "7"),
    "hana.sato@kumo.example": ("APAC", "Robotics", "2025-01-14", "9"),
    "leo.dubois@atelier.example": ("EMEA", "Design", "2025-04-02", "10"),
}


async def seed(session: AsyncSession, users: dict[str, User]) -> None:
    marketer = users[MARKETER]
    existing = {f.label: f for f in await session.scalars(select(ProfileField))}
    defined = [
        existing.get(values.label)
        or await fields.save_field(session, staff=marketer, values=values)
        for values in FIELDS
    ]
    for email, values in ANSWERS.items():
        await answers.save_answers(
            session,
            user=users[email],
            answers={field.id: value for field, value in zip(defined, values, strict=True)},
        )
    region = defined[0]
    saved = [
        await views.save_view(session, owner=marketer, name=name, query=query, shared=True)
        for name, query in (
            ("Top earners", "role=advocate&sort=points&dir=desc"),
            ("EMEA, most recently active", f"field_{region.id}=EMEA&sort=activity&dir=desc"),
        )
    ]
    await _invite_emea_to_the_meetup(session, marketer, saved[1])


async def _invite_emea_to_the_meetup(
    session: AsyncSession, marketer: User, view: SavedView
) -> None:
    """A message to a saved view, scheduled for next week (Manage → Messages shows it)."""
    if await session.scalar(select(Broadcast.id).where(Broadcast.subject == MEETUP[0])):
        return
    chosen = await audience.saved_audience(session, marketer, view.id)
    broadcast = await broadcasts.create_broadcast(
        session,
        author=marketer,
        subject=MEETUP[0],
        body=MEETUP[1],
        audience=Audience.PEOPLE,
        people=await audience.people_query(session, chosen),
        audience_note=chosen.note,
        send_at=clock.utcnow() + timedelta(days=7),
        time_zone="Europe/Berlin",
        now=clock.utcnow(),
    )
    await audience.follow_saved_view(session, broadcast_id=broadcast.id, view_id=view.id)
