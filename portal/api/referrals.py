"""/api/v1/referrals: list, get, create, and update by id or by the CRM's id. Writes go through
the referral services the pages use, so dedupe, self-referral and screening rules, points, the
timeline and the events are the browser's; a move made here is the `crm`'s on the timeline."""

from typing import Any

from portal.api.framework import Call, operation
from portal.api.problems import field_problem
from portal.api.schemas import (
    ReferralCreate,
    ReferralOut,
    ReferralPage,
    ReferralQuery,
    ReferralUpdate,
)
from portal.api_tokens.models import Scope
from portal.auth.service import find_user_by_email
from portal.errors import NotFound
from portal.people.models import User
from portal.people.service import access_user
from portal.referrals import service as referrals
from portal.referrals.models import Referral, Source


@operation(
    "GET",
    "/referrals",
    name="list_referrals",
    summary="List referrals, oldest first, a page at a time",
    scope=Scope.REFERRALS_READ,
    query=ReferralQuery,
    response=ReferralPage,
)
async def list_referrals(call: Call[Any, ReferralQuery]) -> ReferralPage:
    query = call.query
    rows = await referrals.list_referrals_after(
        call.session,
        after_id=query.cursor,
        limit=query.limit + 1,
        stage=query.stage,
        owner_id=query.owner_id,
        referrer_id=query.referrer_id,
        updated_since=query.updated_since,
    )
    page = rows[: query.limit]
    more = len(rows) > query.limit
    return ReferralPage(
        items=[ReferralOut.of(row) for row in page],
        next_cursor=page[-1].id if more else None,
    )


@operation(
    "GET",
    "/referrals/{referral_id:int}",
    name="get_referral",
    summary="One referral",
    scope=Scope.REFERRALS_READ,
    response=ReferralOut,
    errors=(404,),
)
async def get_referral(call: Call[Any, Any]) -> ReferralOut:
    return ReferralOut.of(await referrals.access_referral(call.session, call.path("referral_id")))


async def _referrer(call: Call[ReferralCreate, Any]) -> User:
    body = call.body
    if (body.referrer_id is None) == (body.referrer_email is None):
        raise field_problem("referrer_id", "Give the advocate as referrer_id or referrer_email.")
    if body.referrer_id is not None:
        try:
            return await access_user(call.session, body.referrer_id)
        except NotFound:
            raise field_problem("referrer_id", "No person has this id.") from None
    found = await find_user_by_email(call.session, str(body.referrer_email))
    if found is None:
        raise field_problem("referrer_email", "No person has this email.")
    return found


@operation(
    "POST",
    "/referrals",
    name="create_referral",
    summary="Refer a prospect for an advocate (source api)",
    scope=Scope.REFERRALS_WRITE,
    body=ReferralCreate,
    response=ReferralOut,
    status=201,
    errors=(409,),
)
async def create_referral(call: Call[ReferralCreate, Any]) -> ReferralOut:
    body = call.body
    referrer = await _referrer(call)
    prospect = body.prospect
    try:
        made = await referrals.submit_referral(
            call.session,
            referrer=referrer,
            prospect=referrals.Prospect(
                name=prospect.name,
                email=str(prospect.email),
                company=prospect.company,
                job_title=prospect.job_title,
                phone=prospect.phone,
            ),
            note=body.note,
            source=Source.API,
            external_id=body.external_id,
            deal_value=body.deal_value,
        )
    except (referrals.DuplicateReferral, referrals.SelfReferral) as error:
        raise field_problem("prospect.email", error.message, status=409) from error
    except referrals.DisposableAddress as error:
        raise field_problem("prospect.email", error.message) from error
    except referrals.ExternalIdTaken as error:
        raise field_problem("external_id", error.message, status=409) from error
    referral = await referrals.access_referral(call.session, made.id)
    return ReferralOut.of(referral)


async def _update(call: Call[ReferralUpdate, Any], referral: Referral) -> ReferralOut:
    body = call.body
    fields = body.model_fields_set
    session = call.session
    if body.stage is not None:
        try:
            stage = await referrals.stage_named(session, body.stage)
        except referrals.UnknownStage as error:
            raise field_problem("stage", error.message) from error
        if stage.is_closed and body.reason is None:
            raise field_problem("reason", referrals.CloseReasonRequired.message)
        if stage != referral.stage:
            await referrals.move_referral(
                session,
                referral,
                to=stage,
                actor=None,
                via="crm",
                reason=body.reason,
                note=body.note,
            )
    if "external_id" in fields:
        try:
            await referrals.set_external_id(
                session, referral, external_id=body.external_id, actor=None
            )
        except referrals.ExternalIdTaken as error:
            raise field_problem("external_id", error.message, status=409) from error
    if "owner_email" in fields:
        owner = None
        if body.owner_email is not None:
            owner = await find_user_by_email(session, str(body.owner_email))
            if owner is None:
                raise field_problem("owner_email", "No person has this email.")
        try:
            await referrals.assign_referral(session, referral, owner=owner, actor=None)
        except referrals.NotASalesRep as error:
            raise field_problem("owner_email", error.message) from error
    if "deal_value" in fields:
        await referrals.set_deal_value(session, referral, value=body.deal_value, actor=None)
    return ReferralOut.of(referral)


@operation(
    "PATCH",
    "/referrals/{referral_id:int}",
    name="update_referral",
    summary="Move a referral, set its CRM id, owner or deal value",
    scope=Scope.REFERRALS_WRITE,
    body=ReferralUpdate,
    response=ReferralOut,
    errors=(404, 409),
)
async def update_referral(call: Call[ReferralUpdate, Any]) -> ReferralOut:
    referral = await referrals.access_referral(call.session, call.path("referral_id"))
    return await _update(call, referral)


@operation(
    "PATCH",
    "/referrals/by-external-id/{external_id}",
    name="update_referral_by_external_id",
    summary="The same update, finding the referral by the CRM's id",
    scope=Scope.REFERRALS_WRITE,
    body=ReferralUpdate,
    response=ReferralOut,
    errors=(404, 409),
)
async def update_referral_by_external_id(call: Call[ReferralUpdate, Any]) -> ReferralOut:
    referral = await referrals.access_referral_by_external_id(
        call.session, call.path("external_id")
    )
    return await _update(call, referral)
