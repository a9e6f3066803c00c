"""The guard as routes use it: the hidden fields a public form page carries, and the check
of a post against the request's client and the app's settings."""

from starlette.datastructures import FormData
from starlette.requests import Request

from portal.guard.models import PublicForm
from portal.guard.service import (
    HONEYPOT_FIELD,
    STARTED_FIELD,
    Verdict,
    check_lookup,
    check_public_form,
    start_stamp,
)
from portal.web import client_key, db, settings


def guard_fields(request: Request) -> dict[str, str]:
    """What the form's template needs: the honeypot's name and this page's start stamp."""
    secret = settings(request).secret_key.get_secret_value()
    return {"honeypot": HONEYPOT_FIELD, "stamp_field": STARTED_FIELD, "stamp": start_stamp(secret)}


async def screen_post(
    request: Request, data: FormData, *, form: PublicForm, subject_id: int | None = None
) -> Verdict:
    config = settings(request)
    fields = {name: value for name, value in data.items() if isinstance(value, str)}
    return await check_public_form(
        db(request),
        form=form,
        client_key=client_key(request),
        subject_id=subject_id,
        fields=fields,
        secret=config.secret_key.get_secret_value(),
        min_seconds=config.public_form_min_seconds,
    )


async def screen_lookup(request: Request, *, form: PublicForm) -> Verdict:
    """Counts a lookup of a guessable value (a referral code) against the client's limit."""
    return await check_lookup(db(request), form=form, client_key=client_key(request))
