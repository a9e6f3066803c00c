"""Marketers define the custom profile fields (Manage → People → Profile fields); each change is
an audit row. What a field asks and how answers are read: portal.people.fields."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import service as audit
from portal.errors import Conflict, NotFound
from portal.i18n import N_
from portal.people.models import FieldKind, ProfileField, User


@dataclass(frozen=True)
class FieldValues:
    label: str
    kind: FieldKind
    choices: str
    is_required: bool
    on_signup: bool
    on_profile: bool


class FieldLabelTaken(Conflict):
    message = N_("Another field has this label: choose another.")


async def access_field(session: AsyncSession, field_id: int) -> ProfileField:
    field = await session.get(ProfileField, field_id)
    if field is None:
        raise NotFound()
    return field


async def _check_label(session: AsyncSession, label: str, *, other_than: int | None) -> None:
    taken = await session.scalar(
        select(ProfileField.id).where(func.lower(ProfileField.label) == label.lower())
    )
    if taken is not None and taken != other_than:
        raise FieldLabelTaken()


def _describe(field: ProfileField) -> dict[str, object]:
    return {
        "label": field.label,
        "kind": field.kind,
        "choices": field.options,
        "required": field.is_required,
        "signup": field.on_signup,
        "profile": field.on_profile,
    }


async def save_field(
    session: AsyncSession, *, staff: User, values: FieldValues, field: ProfileField | None = None
) -> ProfileField:
    """Creates a field (last in the order) or changes one. A field's kind never changes once
    people have answered, so the answers kept always read as that kind."""
    await _check_label(session, values.label, other_than=field.id if field else None)
    before = _describe(field) if field else None
    if field is None:
        last = await session.scalar(select(func.max(ProfileField.position)))
        field = ProfileField(kind=values.kind, position=(last or 0) + 1)
        session.add(field)
    field.label = values.label
    field.choices = values.choices
    field.is_required = values.is_required
    field.on_signup = values.on_signup
    field.on_profile = values.on_profile
    await session.flush()
    await audit.record(
        session,
        actor=staff,
        action="people.field_saved",
        target_type="profile_field",
        target_id=field.id,
        summary=f"Profile field “{field.label}” saved",
        before=before,
        after=_describe(field),
    )
    return field


async def delete_field(session: AsyncSession, *, staff: User, field: ProfileField) -> None:
    """Deletes the field and everyone's answers to it."""
    await audit.record(
        session,
        actor=staff,
        action="people.field_deleted",
        target_type="profile_field",
        target_id=field.id,
        summary=f"Profile field “{field.label}” deleted with its answers",
        before=_describe(field),
    )
    await session.delete(field)
    await session.flush()
