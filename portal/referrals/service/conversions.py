"""The conversion postback: a shop or CRM says a customer bought (an order or deal id), by the
customer's email and, when it has one, the advocate's referral code. The referral the prospect
already has is credited (the one-referral-per-prospect rule decides, as on the landing page);
without one, the code's advocate gets a new referral under the form's rules. Either way the
referral is won, with the order id as its CRM id; the same order twice is one conversion."""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.errors import Conflict, NotFound, PortalError
from portal.people.service import get_advocate_for_code
from portal.referrals.models import Referral, Source, Stage
from portal.referrals.service.crm import set_external_id
from portal.referrals.service.owners import set_deal_value
from portal.referrals.service.pipeline import (
    Prospect,
    move_referral,
    normalize_email,
    submit_referral,
)
from portal.referrals.service.queries import access_referral


class UnknownReferralCode(PortalError):
    status_code = 422
    message = "No active advocate has this referral code."


class AlreadyConverted(Conflict):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"This customer's referral already converted with order “{order_id}”.")


@dataclass(frozen=True)
class Conversion:
    referral: Referral
    repeated: bool  # the order was reported before: nothing changed


async def _referral(session: AsyncSession, *conditions: ColumnElement[bool]) -> Referral | None:
    return await session.scalar(
        select(Referral)
        .where(*conditions)
        .options(selectinload(Referral.referrer), selectinload(Referral.owner))
        .limit(1)
    )


async def record_conversion(
    session: AsyncSession,
    *,
    order_id: str,
    prospect: Prospect,
    referral_code: str | None,
    deal_value: int | None,
) -> Conversion:
    if (earlier := await _referral(session, Referral.external_id == order_id)) is not None:
        return Conversion(earlier, repeated=True)
    email = normalize_email(prospect.email)
    referral = await _referral(
        session, Referral.prospect_email == email, Referral.stage != Stage.REJECTED
    )
    if referral is None:
        if not referral_code:
            raise NotFound("Nobody referred this customer, and no referral code came with it.")
        advocate = await get_advocate_for_code(session, referral_code)
        if advocate is None:
            raise UnknownReferralCode()
        made = await submit_referral(
            session, referrer=advocate, prospect=prospect, source=Source.CODE
        )
        referral = await access_referral(session, made.id)
    if referral.external_id is not None:
        raise AlreadyConverted(referral.external_id)
    await set_external_id(session, referral, external_id=order_id, actor=None)
    if referral.stage != Stage.WON:
        await move_referral(
            session, referral, to=Stage.WON, actor=None, via="crm", note=f"Order {order_id}"
        )
    if deal_value is not None:
        await set_deal_value(session, referral, value=deal_value, actor=None)
    return Conversion(referral, repeated=False)
