"""/api/v1/conversions (server-to-server attribution) and /api/v1/points (awards and
adjustments with an idempotency key). Conversions go through the referral service's
`record_conversion`; points through the ledger, in the name of the admin who made the token."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, EmailStr, Field

from portal.api.advocates import acting_admin
from portal.api.framework import Call, Reply, operation
from portal.api.problems import ApiProblem, FieldError, field_problem
from portal.api.schemas import PLAIN, CrmText, Id, Money, Name, ReferralOut, Strict, bounded
from portal.api_tokens.models import Scope
from portal.auth.service import find_user_by_email
from portal.errors import NotFound
from portal.people.models import User
from portal.people.service import access_user
from portal.points import service as points
from portal.points.models import EntryKind
from portal.referrals import service as referrals

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_POINTS = 1_000_000


class ConversionIn(Strict):
    """The order or deal id and the customer: their `email`, the advocate's `referral_code`, or
    both. The customer's existing referral is credited (whatever code comes); without one, the
    code's advocate gets a new won referral (a code alone makes a referral without an email).
    The same `order_id` again answers 200 with the first result."""

    order_id: CrmText = Field(description="The shop's order id or the CRM's deal id.")
    email: EmailStr | None = Field(default=None, max_length=320)
    name: Name | None = Field(default=None, description="The customer's name, when known.")
    referral_code: Annotated[str, bounded(16), PLAIN] = ""
    deal_value: Money | None = None


class ConversionOut(BaseModel):
    referral: ReferralOut
    repeated: bool = Field(description="True when the order was reported before.")


@operation(
    "POST",
    "/conversions",
    name="record_conversion",
    summary="A referred customer bought: the referral is won and the advocate paid, once per order",
    scope=Scope.REFERRALS_WRITE,
    body=ConversionIn,
    response=ConversionOut,
    status=201,
    errors=(404, 409),
    replays=True,
)
async def record_conversion(call: Call[ConversionIn, Any]) -> ConversionOut | Reply:
    body = call.body
    email = str(body.email) if body.email else ""
    try:
        conversion = await referrals.record_conversion(
            call.session,
            order_id=body.order_id,
            prospect=referrals.Prospect(name=body.name or "", email=email),
            referral_code=body.referral_code or None,
            deal_value=body.deal_value,
        )
    except referrals.CustomerUnknown as error:
        raise ApiProblem(
            422,
            error.message,
            errors=[
                FieldError(field="email", message="Send the customer's email, or"),
                FieldError(field="referral_code", message="the advocate's referral code."),
            ],
        ) from error
    except referrals.UnknownReferralCode as error:
        raise field_problem("referral_code", error.message) from error
    except referrals.NotReferred as error:
        raise field_problem("email", error.message, status=404) from error
    except (referrals.SelfReferral, referrals.DisposableAddress) as error:
        raise field_problem("email", error.message, status=error.status_code) from error
    out = ConversionOut(referral=ReferralOut.of(conversion.referral), repeated=conversion.repeated)
    return Reply(out, 200) if conversion.repeated else out


class PointsIn(Strict):
    """Points for a person (by `user_id` or `email`): positive awards them (they count towards
    levels), negative takes them back as an adjustment."""

    user_id: Id | None = None
    email: EmailStr | None = Field(default=None, max_length=320)
    points: Annotated[int, Field(ge=-MAX_POINTS, le=MAX_POINTS)]
    reason: Annotated[str, bounded(200, required=True), PLAIN]


class PointsOut(BaseModel):
    id: int
    user_id: int
    kind: EntryKind
    delta: int
    reason: str
    balance_after: int
    # The level's earn multiplier the award was paid at, in percent (120: x1.2); null when
    # none applied (`delta` is the multiplied amount).
    multiplier_percent: int | None
    created_at: datetime


async def _person(call: Call[PointsIn, Any]) -> User:
    body = call.body
    if (body.user_id is None) == (body.email is None):
        raise field_problem("user_id", "Name the person by user_id or by email.")
    try:
        if body.user_id is not None:
            return await access_user(call.session, body.user_id)
    except NotFound:
        raise field_problem("user_id", "No person has this id.", status=404) from None
    person = await find_user_by_email(call.session, str(body.email))
    if person is None:
        raise field_problem("email", "No person has this email.", status=404)
    return person


@operation(
    "POST",
    "/points",
    name="move_points",
    summary="Award or take back points; a repeated Idempotency-Key answers 200, the first entry",
    scope=Scope.POINTS_WRITE,
    body=PointsIn,
    response=PointsOut,
    status=201,
    errors=(404, 409),
    headers=(IDEMPOTENCY_HEADER,),
    replays=True,
)
async def move_points(call: Call[PointsIn, Any]) -> PointsOut | Reply:
    key = call.request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key or len(key) > 100:
        raise ApiProblem(
            422,
            "Send an Idempotency-Key header of 1 to 100 characters.",
            errors=[FieldError(field="header.Idempotency-Key", message="Required, ≤ 100.")],
        )
    body = call.body
    if body.points == 0:
        raise field_problem("points", "Move at least one point.")
    person = await _person(call)
    admin = await acting_admin(call)
    if person.id == admin.id:  # staff never move their own points, by the API either
        raise ApiProblem(409, points.OwnPointsAdjustment.message)
    ledger_key = f"api:{call.token.id}:{key}"
    try:
        if body.points > 0:
            posting = await points.post_award(
                call.session,
                person,
                points=body.points,
                reason=body.reason,
                key=ledger_key,
                actor=admin,
            )
        else:
            posting = await points.adjust_points(
                call.session,
                actor=admin,
                person=person,
                points=body.points,
                reason=body.reason,
                key=ledger_key,
                counts_toward_lifetime=False,
            )
    except points.IdempotencyConflict as error:
        raise ApiProblem(
            409, "This Idempotency-Key was used for a different movement of points."
        ) from error
    entry = posting.entry
    out = PointsOut(
        id=entry.id,
        user_id=entry.user_id,
        kind=EntryKind(entry.kind),
        delta=entry.delta,
        reason=entry.reason,
        balance_after=entry.balance_after,
        multiplier_percent=entry.multiplier_percent,
        created_at=entry.created_at,
    )
    return Reply(out, 200) if posting.replayed else out
