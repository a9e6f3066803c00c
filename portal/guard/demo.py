"""A week of posts on the public forms, as the guard saw them: a few bots caught by the
honeypot, scripts that sent too fast, and one client throttled, so Manage → Referrals shows
what the guard refused."""

from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.guard import service
from portal.guard.models import PublicForm, PublicFormAttempt
from portal.people.models import User
from portal.tokens import keyed_hash

# (days ago, form, client, fields the post carried)
POSTS: list[tuple[float, PublicForm, str, dict[str, str]]] = [
    (6.2, PublicForm.LANDING, "bot-1", {service.HONEYPOT_FIELD: "http://cheap-pills.example"}),
    (5.1, PublicForm.SIGNUP, "bot-1", {service.HONEYPOT_FIELD: "http://cheap-pills.example"}),
    (4.4, PublicForm.LANDING, "script-2", {service.STARTED_FIELD: "forged"}),
    (3.0, PublicForm.SIGNUP, "bot-3", {service.HONEYPOT_FIELD: "seo offer"}),
    *[(1.5 - n / 1000, PublicForm.LANDING, "flooder-4", {}) for n in range(7)],
]


async def steps(session: AsyncSession, people: dict[str, User]) -> list[clock.At]:
    if await session.scalar(select(PublicFormAttempt.id).limit(1)) is not None:
        return []  # seeded before
    link_owner = people["priya.raman@northwind.example"]

    def post(
        form: PublicForm, client: str, fields: dict[str, str]
    ) -> Callable[[], Awaitable[object]]:
        return lambda: service.check_public_form(
            session,
            form=form,
            client_key=keyed_hash("demo", client),
            subject_id=link_owner.id if form is PublicForm.LANDING else None,
            fields=fields,
            secret="demo",  # noqa: S106 (signs nothing: the forged stamp fails any key)
            # Only the forged stamp is checked: the flood is refused by the throttle.
            min_seconds=3 if service.STARTED_FIELD in fields else 0,
        )

    return [
        clock.At(timedelta(days=days), post(form, client, fields))
        for days, form, client, fields in POSTS
    ]
