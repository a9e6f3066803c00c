"""The one mutation path for referrals: submit, move, claim or assign, deal value, notes."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal import events
from portal.audit import service as audit
from portal.clock import utcnow
from portal.errors import Conflict, PortalError
from portal.i18n import N_, _, gettext
from portal.notifications import service as notifications
from portal.outbox.models import EmailCategory
from portal.people.models import User
from portal.points import service as points
from portal.points.models import BadgeRule, FeedKind
from portal.points.service.feed import add_feed_item
from portal.referrals.models import (
    PIPELINE,
    CloseReason,
    Referral,
    ReferralEvent,
    Source,
    Stage,
)
from portal.referrals.service.config import load_settings
from portal.referrals.service.friend_reward import offer_if_due
from portal.referrals.service.origins import Origin, campaign_of, record_origin
from portal.referrals.service.payments import pay_stages
from portal.referrals.service.review import take_back
from portal.referrals.service.screening import screen
from portal.wording import N_plural, Wording, wording


class DuplicateReferral(Conflict):
    def __init__(self, email: str) -> None:
        super().__init__(
            _("%(email)s has already been referred. Each person can be referred once.")
            % {"email": email}
        )


class SelfReferral(Conflict):
    # One wording for the advocate's own email and a member's, so the form can't be used to
    # find out who has an account.
    message = N_("This person can't be referred. Refer someone who isn't in the program yet.")


class ExternalIdTaken(Conflict):
    def __init__(self, external_id: str) -> None:
        super().__init__(
            gettext("Another referral already has the CRM id “%(id)s”.") % {"id": external_id}
        )


class CloseReasonRequired(PortalError):
    status_code = 422
    message = N_("Say why the referral is closed: duplicate, self-referral, not a fit or invalid.")


class ReopenReasonRequired(PortalError):
    # A won deal is the advocate's biggest reward and the team's number: taking it back is
    # deliberate, and the timeline says why.
    status_code = 422
    message = N_("Say why this won referral is moving back: it goes on the referral's timeline.")


class StageUnchanged(Conflict):
    def __init__(self, stage: Stage) -> None:
        super().__init__(gettext("The referral is already at %(stage)s.") % {"stage": stage.label})


class NotASalesRep(PortalError):
    status_code = 422
    message = N_("Referrals can only be assigned to sales reps.")


NO_ORIGIN = Origin()


@dataclass(frozen=True)
class Prospect:
    name: str
    email: str
    company: str = ""
    job_title: str = ""
    phone: str = ""


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def _refuse_self_or_duplicate(
    session: AsyncSession, *, referrer: User, email: str, exclude_id: int | None = None
) -> None:
    member = await session.scalar(select(User.id).where(func.lower(User.email) == email))
    if member is not None:
        raise SelfReferral()
    query = select(Referral.id).where(
        Referral.prospect_email == email, Referral.stage != Stage.REJECTED
    )
    if exclude_id is not None:
        query = query.where(Referral.id != exclude_id)
    if await session.scalar(query.limit(1)) is not None:
        raise DuplicateReferral(email)


async def _external_id_taken(session: AsyncSession, external_id: str) -> bool:
    found = await session.scalar(select(Referral.id).where(Referral.external_id == external_id))
    return found is not None


async def submit_referral(
    session: AsyncSession,
    *,
    referrer: User,
    prospect: Prospect,
    note: str = "",
    source: Source = Source.FORM,
    client_key: str | None = None,
    history: bool = False,
    external_id: str | None = None,
    deal_value: int | None = None,
    origin: Origin = NO_ORIGIN,
) -> Referral:
    """A new referral at `submitted`, paying the submitted points; refuses self-referrals and
    prospects already referred (also when two submissions race: the unique index decides).
    A `history` referral (an import of past ones) pays nothing and tells nobody. The CRM id and
    deal value, when the referral comes with them, are in it from the start (and so in every
    event about its creation). A prospect without an email (a sale reported by referral code
    alone) skips the checks that need one. Its `origin` (campaign, UTM tags) is kept with it, and
    its campaign's bonuses are paid with the stages."""
    email = normalize_email(prospect.email)
    if email:
        await _refuse_self_or_duplicate(session, referrer=referrer, email=email)
    if external_id is not None and await _external_id_taken(session, external_id):
        raise ExternalIdTaken(external_id)
    config = await load_settings(session)
    screening = await screen(
        session,
        referrer=referrer,
        email=email,
        name=prospect.name,
        company=prospect.company,
        client_key=client_key,
        config=config,
    )
    now = utcnow()
    referral = Referral(
        referrer_id=referrer.id,
        prospect_name=prospect.name.strip(),
        prospect_email=email,
        prospect_company=prospect.company.strip(),
        prospect_job_title=prospect.job_title.strip(),
        prospect_phone=prospect.phone.strip(),
        note=note.strip(),
        source=source,
        stage=Stage.SUBMITTED,
        reached_stage=Stage.SUBMITTED,
        owner_id=screening.owner.id if screening.owner else None,
        is_qualified_lead=screening.is_qualified_lead,
        flags=" ".join(flag.value for flag in screening.flags),
        client_key=client_key,
        external_id=external_id,
        deal_value=deal_value,
        created_at=now,
        updated_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(referral)
            await session.flush()
    except IntegrityError as error:  # a racing submission took the address or the CRM id
        if external_id is not None and await _external_id_taken(session, external_id):
            raise ExternalIdTaken(external_id) from error
        raise DuplicateReferral(email) from error
    record_origin(session, referral, origin)
    paid, _ = (
        (0, 0)
        if history
        else await pay_stages(
            session,
            referral,
            referrer,
            [Stage.SUBMITTED],
            config=config,
            campaign=origin.campaign,
            actor=None,
        )
    )
    session.add(
        ReferralEvent(
            referral_id=referral.id,
            from_stage=None,
            to_stage=Stage.SUBMITTED,
            actor_id=referrer.id,
            points=paid,
            created_at=now,
        )
    )
    await audit.record(
        session,
        actor=referrer,
        action="referral.submitted",
        target_type="referral",
        target_id=referral.id,
        summary=f"{referrer.email} referred {referral.prospect_label} ({source.value})",
        after={
            "stage": Stage.SUBMITTED.value,
            "flags": referral.flags,
            **({"external_id": external_id} if external_id else {}),
        },
    )
    if not history:
        await points.award_rule_badge(session, referrer, BadgeRule.FIRST_REFERRAL)
    await events.publish(
        session,
        events.ReferralSubmitted(
            referral_id=referral.id, referrer_id=referrer.id, company=referral.prospect_company
        ),
    )
    if screening.owner is not None and not history:
        await tell_owner(session, referral, owner=screening.owner)
    if not history:
        await offer_if_due(session, referral, referrer)
    await session.flush()
    return referral


async def move_referral(
    session: AsyncSession,
    referral: Referral,
    *,
    to: Stage,
    actor: User | None,
    via: str = "portal",
    reason: CloseReason | None = None,
    note: str = "",
    history: bool = False,
) -> ReferralEvent:
    """Moves a referral (loaded with its referrer) to any stage. Reaching a pipeline stage for
    the first time pays it and every stage skipped on the way; moving back pays nothing, and
    so do `lost` and `rejected`, which need a reason. Leaving `won` needs a note saying why. A
    `history` move (an import of where a referral stood) pays nothing and tells nobody; the
    stages it passed never pay later."""
    before = Stage(referral.stage)
    reached = Stage(referral.reached_stage)
    if to == before:
        raise StageUnchanged(to)
    if to.is_closed and reason is None:
        raise CloseReasonRequired()
    if before == Stage.WON and not note.strip():
        raise ReopenReasonRequired()
    if before == Stage.REJECTED and referral.prospect_email:
        # Reopening takes the address back from the dedupe index.
        await _refuse_self_or_duplicate(
            session,
            referrer=referral.referrer,
            email=referral.prospect_email,
            exclude_id=referral.id,
        )
    config = await load_settings(session)
    unpaid: list[Stage] = []
    if not to.is_closed and to.rank > reached.rank:
        unpaid = PIPELINE[reached.rank + 1 : to.rank + 1]
        referral.reached_stage = to
    referral.stage = to
    referral.close_reason = reason if to.is_closed else None
    referral.updated_at = utcnow()
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as error:
        raise DuplicateReferral(referral.prospect_label) from error
    if history:
        unpaid = []
    paid, pending = await pay_stages(
        session,
        referral,
        referral.referrer,
        unpaid,
        config=config,
        campaign=await campaign_of(session, referral) if unpaid else None,
        actor=actor,
    )
    clawed = (
        None
        if history
        else await take_back(session, referral, before=before, to=to, reason=reason, actor=actor)
    )
    closed_because = reason if to.is_closed else None
    event_note = note.strip()[:500]
    event = ReferralEvent(
        referral_id=referral.id,
        from_stage=before,
        to_stage=to,
        reason=closed_because,
        actor_id=actor.id if actor else None,
        via=via,
        note=event_note,
        points=paid,
        created_at=referral.updated_at,
    )
    session.add(event)
    await audit.record(
        session,
        actor=actor,
        action="referral.stage_changed",
        target_type="referral",
        target_id=referral.id,
        summary=f"{referral.prospect_label}: {before.label} → {to.label}"
        + (f" ({closed_because.label})" if closed_because else ""),
        before={"stage": before.value},
        after={"stage": to.value, "reason": reason.value if reason else None, "points": paid},
    )
    await events.publish(
        session,
        events.ReferralStageChanged(
            referral_id=referral.id,
            referrer_id=referral.referrer_id,
            from_stage=before.value,
            to_stage=to.value,
            points=paid,
        ),
    )
    if history:
        await session.flush()
        return event
    await offer_if_due(session, referral, referral.referrer)
    if to == Stage.WON:
        await add_feed_item(
            session,
            user=referral.referrer,
            kind=FeedKind.REFERRAL_WON,
            # Never whom: that is private.
            text=wording(N_("referred a new customer, and they signed")),
            event_key=f"referral:{referral.id}:won",
        )
        # The won notification and feed item already tell the news.
        await points.award_rule_badge(
            session, referral.referrer, BadgeRule.FIRST_WON_REFERRAL, announce=False
        )
    taken = clawed.total if clawed else 0
    await _tell_referrer(session, referral, stage=to, paid=paid, pending=pending, taken=taken)
    await session.flush()
    return event


# What the advocate hears of their referral at each stage, after "Your referral <name>" (the
# catalogue's text: the bell and the email translate it for their reader).
ADVOCATE_NEWS = {
    Stage.SUBMITTED: N_("is back with our sales team"),
    Stage.CONTACTED: N_("has been contacted by our sales team"),
    Stage.QUALIFIED: N_("is qualified: it looks like a good fit"),
    Stage.OPPORTUNITY: N_("is now a sales opportunity"),
    Stage.WON: N_("became a customer. Thank you!"),
    Stage.LOST: N_("did not go ahead this time"),
    Stage.REJECTED: N_("could not be accepted"),
}


def _points_news(paid: int, pending: int, taken: int) -> Wording | str:
    if taken:
        return wording(
            N_plural(
                "The %(points)s point it earned is taken back.",
                "The %(points)s points it earned are taken back.",
            ),
            count=taken,
            points=taken,
        )
    if paid and pending:
        return wording(
            N_plural(
                "You earned %(points)s point; %(pending)s of them are pending: My points says "
                "until when.",
                "You earned %(points)s points; %(pending)s of them are pending: My points says "
                "until when.",
            ),
            count=paid,
            points=paid,
            pending=pending,
        )
    if paid:
        return wording(
            N_plural("You earned %(points)s point.", "You earned %(points)s points."),
            count=paid,
            points=paid,
        )
    return ""


async def _tell_referrer(
    session: AsyncSession,
    referral: Referral,
    *,
    stage: Stage,
    paid: int,
    pending: int,
    taken: int,
) -> None:
    await notifications.tell(
        session,
        referral.referrer,
        kind="referral_moved",
        title=wording(
            N_("Your referral %(prospect)s %(news)s"),
            translated={"news"},
            prospect=referral.prospect_name,
            news=ADVOCATE_NEWS[stage],
        ),
        body=_points_news(paid, pending, taken),
        route="referrals:detail",
        params={"referral_id": referral.id},
        category=EmailCategory.REFERRALS,
        email_context={
            "prospect": referral.prospect_name,
            "news": ADVOCATE_NEWS[stage],  # the email translates it
            "stage": stage.label,
            "points": paid,
        },
    )


async def tell_owner(session: AsyncSession, referral: Referral, *, owner: User) -> None:
    await notifications.tell(
        session,
        owner,
        kind="referral_assigned",
        title=wording(N_("New referral for you: %(name)s"), name=referral.prospect_name),
        body=wording(
            N_("%(name)s at %(company)s is yours to contact.")
            if referral.prospect_company
            else N_("%(name)s is yours to contact."),
            name=referral.prospect_name,
            company=referral.prospect_company,
        ),
        route="pipeline:detail",
        params={"referral_id": referral.id},
        category=EmailCategory.REFERRALS,
        email_context={
            "prospect": referral.prospect_name,
            "company": referral.prospect_company,
            "email": referral.prospect_email,
        },
    )
