"""The conversion postback: a shop, a billing system or a CRM says a referred customer bought
(an order or deal id), by the customer's email, the advocate's referral code, or both. The
referral the customer already has is credited (the one-referral-per-prospect rule decides, as on
the landing page); without one, the code's advocate gets a new referral under the form's rules
(by the code alone when the shop never learnt the email). Either way the referral is won and
keeps the order id; the same order twice is one conversion, and a referral converts once."""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.errors import Conflict, NotFound, PortalError
from portal.i18n import N_, gettext
from portal.people.service import get_advocate_for_code
from portal.referrals.models import Referral, Source, Stage
from portal.referrals.service.owners import set_deal_value
from portal.referrals.service.pipeline import (
    DuplicateReferral,
    Prospect,
    move_referral,
    normalize_email,
    submit_referral,
)
from portal.referrals.service.queries import access_referral


class UnknownReferralCode(PortalError):
    status_code = 422
    message = N_("No active advocate has this referral code.")


class CustomerUnknown(PortalError):
    status_code = 422
    message = N_("Send the customer's email, the advocate's referral code, or both.")


class NotReferred(NotFound):
    def __init__(self) -> None:
        super().__init__(
            "Nobody referred this customer, and no referral code came with the order: "
            "nothing was credited."
        )


class AlreadyConverted(Conflict):
    def __init__(self, order_id: str) -> None:
        super().__init__(
            gettext("This customer's referral already converted with order “%(order)s”.")
            % {"order": order_id}
        )


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


async def _new_referral(
    session: AsyncSession, *, order_id: str, prospect: Prospect, referral_code: str
) -> Referral:
    advocate = await get_advocate_for_code(session, referral_code)
    if advocate is None:
        raise UnknownReferralCode()
    named = prospect if prospect.name.strip() else _customer_of(order_id, prospect)
    made = await submit_referral(session, referrer=advocate, prospect=named, source=Source.CODE)
    return await access_referral(session, made.id)


def _customer_of(order_id: str, prospect: Prospect) -> Prospect:
    """A name for a prospect the shop did not name: the email's local part, else the order."""
    local = prospect.email.partition("@")[0]
    return Prospect(name=local or f"Customer of order {order_id}"[:120], email=prospect.email)


async def record_conversion(
    session: AsyncSession,
    *,
    order_id: str,
    prospect: Prospect,
    referral_code: str | None,
    deal_value: int | None,
) -> Conversion:
    if (earlier := await _referral(session, Referral.order_id == order_id)) is not None:
        return Conversion(earlier, repeated=True)
    if not normalize_email(prospect.email) and not referral_code:
        raise CustomerUnknown()
    try:
        async with session.begin_nested():
            referral = await _credit(
                session, order_id=order_id, prospect=prospect, referral_code=referral_code
            )
    except (IntegrityError, DuplicateReferral):
        # The same order sent twice at once: the first one has committed; this is its repeat.
        if (earlier := await _referral(session, Referral.order_id == order_id)) is None:
            raise
        return Conversion(earlier, repeated=True)
    if deal_value is not None:
        await set_deal_value(session, referral, value=deal_value, actor=None)
    return Conversion(referral, repeated=False)


async def _credit(
    session: AsyncSession, *, order_id: str, prospect: Prospect, referral_code: str | None
) -> Referral:
    email = normalize_email(prospect.email)
    referral = None
    if email:
        referral = await _referral(
            session, Referral.prospect_email == email, Referral.stage != Stage.REJECTED
        )
    if referral is None:
        if not referral_code:
            raise NotReferred()
        referral = await _new_referral(
            session, order_id=order_id, prospect=prospect, referral_code=referral_code
        )
    if referral.order_id is not None:
        raise AlreadyConverted(referral.order_id)
    referral.order_id = order_id
    await session.flush()
    if referral.stage != Stage.WON:
        await move_referral(
            session, referral, to=Stage.WON, actor=None, via="crm", note=f"Order {order_id}"
        )
    return referral
