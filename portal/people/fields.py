"""Custom profile fields: which fields a form shows, reading a person's answers from a form
(each checked against its field's kind, a wrong one an error on that field) and keeping them.
Marketers define the fields (Manage → People → Profile fields: portal.directory.fields)."""

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from portal import events, i18n
from portal.forms import FormState
from portal.i18n import gettext
from portal.people.models import FieldKind, ProfileField, ProfileValue, User

MAX_ANSWER = 200  # ProfileValue.value
NUMBER_LIMIT = 1_000_000_000
FORM_PREFIX = "field_"


def form_name(field: ProfileField) -> str:
    return f"{FORM_PREFIX}{field.id}"


async def fields_shown(
    session: AsyncSession, *, on_signup: bool = False, on_profile: bool = False
) -> list[ProfileField]:
    query = select(ProfileField).order_by(ProfileField.position, ProfileField.id)
    if on_signup:
        query = query.where(ProfileField.on_signup.is_(True))
    if on_profile:
        query = query.where(ProfileField.on_profile.is_(True))
    return list(await session.scalars(query))


def normalise_answer(field: ProfileField, raw: str) -> str:
    """The answer as it is kept (a number as its digits, a date as YYYY-MM-DD), or ValueError
    with what is wrong, in words for the person who typed it."""
    if len(raw) > MAX_ANSWER:
        raise ValueError(
            gettext("Use at most %(count)s characters.") % {"count": i18n.number(MAX_ANSWER)}
        )
    if field.kind == FieldKind.CHOICE and raw not in field.options:
        raise ValueError(gettext("Choose one of the options."))
    if field.kind == FieldKind.NUMBER:
        try:
            number = int(raw.replace(",", "").replace(" ", ""))
        except ValueError:
            raise ValueError(gettext("Enter a whole number.")) from None
        if abs(number) > NUMBER_LIMIT:
            raise ValueError(gettext("Enter a smaller number."))
        return str(number)
    if field.kind == FieldKind.DATE:
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            raise ValueError(gettext("Enter a date as YYYY-MM-DD.")) from None
    return raw


def read_answers(form: FormData, fields: list[ProfileField], state: FormState) -> dict[int, str]:
    """Each field's answer ("" for none), with what was typed kept in `state` and an error on
    each field that is required and empty or does not fit its kind."""
    answers = {}
    for field in fields:
        name = form_name(field)
        raw = state.take(form, name)
        state.data[name] = raw
        if not raw:
            if field.is_required:
                state.add_error(name, gettext("This field is required."))
            answers[field.id] = ""
            continue
        try:
            answers[field.id] = normalise_answer(field, raw)
        except ValueError as error:
            state.add_error(name, str(error))
    return answers


async def answers_of(session: AsyncSession, user: User) -> dict[int, str]:
    rows = await session.execute(
        select(ProfileValue.field_id, ProfileValue.value).where(ProfileValue.user_id == user.id)
    )
    return dict(rows.all())


async def save_answers(session: AsyncSession, *, user: User, answers: dict[int, str]) -> None:
    """Keeps the answers given and forgets the ones emptied; fields not in `answers` stay."""
    if not answers:
        return
    await events.publish(session, events.ProfileChanged(user_id=user.id))
    await session.execute(
        delete(ProfileValue)
        .where(ProfileValue.user_id == user.id, ProfileValue.field_id.in_(list(answers)))
        .execution_options(synchronize_session=False)
    )
    session.add_all(
        ProfileValue(user_id=user.id, field_id=field_id, value=value)
        for field_id, value in answers.items()
        if value
    )
    await session.flush()
