"""/api/v1/events: other systems report advocacy (a published review, an attended webinar) by
an event type defined in Manage → Event types. One event takes an `Idempotency-Key` header;
a repeat, also one sent at the same moment, answers with the first recording (200 instead of
201). The bulk form takes up to 1 000 events, each with its own key and its own result: one bad
event never stops the others."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, EmailStr, Field

from portal.advocacy import service as advocacy
from portal.advocacy.models import RecordedEvent
from portal.api.framework import Call, Reply, operation
from portal.api.problems import ApiProblem, FieldError, field_problem
from portal.api.schemas import PLAIN, Id, Strict, bounded
from portal.api_tokens.models import Scope
from portal.auth.service import find_user_by_email
from portal.errors import NotFound, PortalError
from portal.people.models import User
from portal.people.service import access_user

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_BULK = 1000
Key = Annotated[str, bounded(200, required=True), PLAIN]
TypeKey = Annotated[str, bounded(60, required=True), PLAIN]


class EventIn(Strict):
    """The person (by `user_id` or `email`) and the event type's key."""

    user_id: Id | None = None
    email: EmailStr | None = Field(default=None, max_length=320)
    type: TypeKey


class BulkEventIn(EventIn):
    idempotency_key: Key


class BulkEvents(Strict):
    events: Annotated[list[BulkEventIn], Field(min_length=1, max_length=MAX_BULK)]


class EventOut(BaseModel):
    id: int
    type: str
    user_id: int
    points: int
    completed_challenge_id: int | None
    created_at: datetime
    replayed: bool = Field(description="True when the key was seen before: the first result.")


class BulkResult(BaseModel):
    index: int
    status: int = Field(description="201 recorded, 200 a repeat, 404 or 422 refused")
    event: EventOut | None = None
    detail: str | None = None
    errors: list[FieldError] = []


class BulkOut(BaseModel):
    results: list[BulkResult]


def _out(recorded: advocacy.Recorded) -> EventOut:
    event: RecordedEvent = recorded.event
    return EventOut(
        id=event.id,
        type=event.event_type.key,
        user_id=event.user_id,
        points=event.points,
        completed_challenge_id=event.completed_challenge_id,
        created_at=event.created_at,
        replayed=recorded.replayed,
    )


async def _person(call: Call[Any, Any], item: EventIn) -> User:
    if (item.user_id is None) == (item.email is None):
        raise field_problem("user_id", "Name the person by user_id or by email.")
    if item.user_id is not None:
        try:
            return await access_user(call.session, item.user_id)
        except NotFound:
            raise field_problem("user_id", "No person has this id.", status=404) from None
    person = await find_user_by_email(call.session, str(item.email))
    if person is None:
        raise field_problem("email", "No person has this email.", status=404)
    return person


async def _record(call: Call[Any, Any], item: EventIn, key: str) -> advocacy.Recorded:
    person = await _person(call, item)
    try:
        return await advocacy.record_event(
            call.session, user=person, type_key=item.type, idempotency_key=key
        )
    except advocacy.UnknownEventType as error:
        raise field_problem("type", error.message) from error


@operation(
    "POST",
    "/events",
    name="record_event",
    summary="Report an act of advocacy; it pays the type's points once per Idempotency-Key",
    scope=Scope.EVENTS_WRITE,
    body=EventIn,
    response=EventOut,
    status=201,
    errors=(404,),
    headers=(IDEMPOTENCY_HEADER,),
    replays=True,
)
async def record_event(call: Call[EventIn, Any]) -> EventOut | Reply:
    key = call.request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key or len(key) > 200:
        raise ApiProblem(
            422,
            "Send an Idempotency-Key header of 1 to 200 characters.",
            errors=[FieldError(field="header.Idempotency-Key", message="Required, ≤ 200.")],
        )
    recorded = await _record(call, call.body, key)
    return Reply(_out(recorded), 200) if recorded.replayed else _out(recorded)


@operation(
    "POST",
    "/events/bulk",
    name="record_events",
    summary="Report up to 1 000 events at once, each with its own key and result",
    scope=Scope.EVENTS_WRITE,
    body=BulkEvents,
    response=BulkOut,
)
async def record_events(call: Call[BulkEvents, Any]) -> BulkOut:
    results = []
    for index, item in enumerate(call.body.events):
        try:
            async with call.session.begin_nested():  # a refused event leaves nothing behind
                recorded = await _record(call, item, item.idempotency_key)
        except ApiProblem as problem:
            results.append(
                BulkResult(
                    index=index, status=problem.status, detail=problem.detail, errors=problem.errors
                )
            )
            continue
        except PortalError as error:
            results.append(BulkResult(index=index, status=error.status_code, detail=error.message))
            continue
        results.append(
            BulkResult(index=index, status=200 if recorded.replayed else 201, event=_out(recorded))
        )
    return BulkOut(results=results)
