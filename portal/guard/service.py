"""The guard in front of the forms strangers can post. It runs before the form's own service,
decides whether the post may go on, and records the attempt (refusals are kept even though
the page answers 422 or 429: staff count them and the throttle reads them)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.db import keep_despite_client_error
from portal.guard.models import Outcome, PublicForm, PublicFormAttempt

HONEYPOT_FIELD = "website"  # hidden from people (and from screen readers); bots fill it in
STARTED_FIELD = "form_started"  # a signed time: when the page with the form was served
MAX_FORM_AGE = timedelta(hours=12)
THROTTLE_WINDOW = timedelta(hours=1)
KEEP_ATTEMPTS_FOR = timedelta(days=30)


@dataclass(frozen=True)
class Limits:
    per_client: int  # posts one client (address) may make in the window
    per_subject: int | None  # posts on one advocate's link in the window, from anyone


LIMITS = {
    PublicForm.LANDING: Limits(per_client=5, per_subject=30),
    PublicForm.SIGNUP: Limits(per_client=5, per_subject=None),
    # Codes are short so people can say them: lookups are what keeps them unguessable.
    PublicForm.CODE_LOOKUP: Limits(per_client=4, per_subject=None),
}

_MESSAGES = {
    Outcome.TOO_FAST: "That was quicker than we expected. Please check your details and send "
    "the form again.",
    Outcome.EXPIRED: "This form was open for a long time. Please check your details and send "
    "it again.",
    Outcome.THROTTLED: "We have had many messages from you in a short time. Please wait an hour "
    "and try again.",
}
LOOKUP_THROTTLED = (
    "We have checked many referral codes from you in a short time. Please wait an hour and "
    "try again."
)


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    form: PublicForm

    @property
    def goes_on(self) -> bool:
        return self.outcome is Outcome.ACCEPTED

    @property
    def looks_accepted(self) -> bool:
        """A bot that filled the honeypot sees the usual thank-you (nothing was saved), so it
        learns nothing about the guard."""
        return self.outcome is Outcome.HONEYPOT

    @property
    def message(self) -> str:
        if self.outcome is Outcome.THROTTLED and self.form is PublicForm.CODE_LOOKUP:
            return LOOKUP_THROTTLED
        return _MESSAGES.get(self.outcome, "")

    @property
    def status_code(self) -> int:
        return 429 if self.outcome is Outcome.THROTTLED else 422


def _stamps(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="public-form-started")


def start_stamp(secret: str) -> str:
    """The hidden value a form page carries: when it was served (from our clock, so tests can
    move time), signed so a bot cannot backdate it."""
    return str(_stamps(secret).dumps(utcnow().timestamp()))


def _filled_in_by_a_person(
    fields: Mapping[str, str], *, secret: str, min_seconds: float
) -> Outcome | None:
    if fields.get(HONEYPOT_FIELD, "").strip():
        return Outcome.HONEYPOT
    if min_seconds <= 0:
        return None  # the fill-time check is off (automated tests post without a page)
    try:
        started = float(_stamps(secret).loads(fields.get(STARTED_FIELD, "")))
    except (BadSignature, TypeError, ValueError):
        return Outcome.EXPIRED
    elapsed = utcnow().timestamp() - started
    if elapsed < min_seconds:
        return Outcome.TOO_FAST
    if elapsed > MAX_FORM_AGE.total_seconds():
        return Outcome.EXPIRED
    return None


async def _attempts(
    session: AsyncSession, *, form: PublicForm, since: datetime, **match: object
) -> int:
    column = {
        "client_key": PublicFormAttempt.client_key,
        "subject_id": PublicFormAttempt.subject_id,
    }
    query = select(func.count()).where(
        PublicFormAttempt.form == form, PublicFormAttempt.created_at >= since
    )
    for name, value in match.items():
        query = query.where(column[name] == value)
    return int(await session.scalar(query) or 0)


async def check_public_form(
    session: AsyncSession,
    *,
    form: PublicForm,
    client_key: str,
    subject_id: int | None,
    fields: Mapping[str, str],
    secret: str,
    min_seconds: float,
) -> Verdict:
    """Whether a post of a public form goes on to the form's service. Every post counts
    toward the throttle, refused ones too: a client that keeps trying stays refused until
    it has been quiet for the window."""
    limits = LIMITS[form]
    since = utcnow() - THROTTLE_WINDOW
    by_client = await _attempts(session, form=form, since=since, client_key=client_key)
    by_subject = (
        await _attempts(session, form=form, since=since, subject_id=subject_id)
        if limits.per_subject is not None and subject_id is not None
        else 0
    )
    outcome = _filled_in_by_a_person(fields, secret=secret, min_seconds=min_seconds)
    if outcome is None:
        throttled = by_client >= limits.per_client or (
            limits.per_subject is not None and by_subject >= limits.per_subject
        )
        outcome = Outcome.THROTTLED if throttled else Outcome.ACCEPTED
    await _record(
        session,
        form=form,
        outcome=outcome,
        client_key=client_key,
        by_client=by_client,
        subject_id=subject_id,
    )
    return Verdict(outcome, form)


async def check_lookup(session: AsyncSession, *, form: PublicForm, client_key: str) -> Verdict:
    """Whether a client may look up one more code (the form itself was checked already)."""
    by_client = await _attempts(
        session, form=form, since=utcnow() - THROTTLE_WINDOW, client_key=client_key
    )
    throttled = by_client >= LIMITS[form].per_client
    outcome = Outcome.THROTTLED if throttled else Outcome.ACCEPTED
    await _record(
        session,
        form=form,
        outcome=outcome,
        client_key=client_key,
        by_client=by_client,
        subject_id=None,
    )
    return Verdict(outcome, form)


async def _record(
    session: AsyncSession,
    *,
    form: PublicForm,
    outcome: Outcome,
    client_key: str,
    by_client: int,
    subject_id: int | None,
) -> None:
    limits = LIMITS[form]
    # A flood past twice the limit is refused without a row per request: the counts for
    # staff saturate, the table does not grow with the flood.
    if by_client < 2 * limits.per_client:
        session.add(
            PublicFormAttempt(
                form=form,
                outcome=outcome,
                client_key=client_key,
                subject_id=subject_id,
                created_at=utcnow(),
            )
        )
        await session.flush()
    if outcome is not Outcome.ACCEPTED:
        keep_despite_client_error(session)


async def attempt_counts(
    session: AsyncSession, *, since: datetime
) -> dict[PublicForm, dict[Outcome, int]]:
    """Posts of each public form since a time, by outcome (every outcome present, 0 or more)."""
    rows = await session.execute(
        select(PublicFormAttempt.form, PublicFormAttempt.outcome, func.count())
        .where(PublicFormAttempt.created_at >= since)
        .group_by(PublicFormAttempt.form, PublicFormAttempt.outcome)
    )
    counts = {form: dict.fromkeys(Outcome, 0) for form in PublicForm}
    for form, outcome, count in rows:
        counts[PublicForm(form)][Outcome(outcome)] = int(count)
    return counts


async def forget_old_attempts(session: AsyncSession) -> int:
    result = await session.execute(
        delete(PublicFormAttempt).where(PublicFormAttempt.created_at < utcnow() - KEEP_ATTEMPTS_FOR)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
