"""The referral rules: submission refusals, stage moves with events, audit rows and points."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditEntry
from portal.notifications.models import Notification
from portal.outbox.models import OutboxEmail
from portal.people.models import User
from portal.points import service as points
from portal.points.models import FeedItem, LedgerEntry
from portal.referrals import service as referrals
from portal.referrals.models import CloseReason, Flag, Referral, ReferralEvent, Source, Stage
from tests.factories import make_advocate, make_referral, make_sales

BASE = "http://portal.test"


async def _balance(session: AsyncSession, user: User) -> int:
    return (await points.balance_of(session, user)).lifetime


async def _move(session: AsyncSession, referral: Referral, to: Stage, actor: User, **kw: object):
    loaded = await referrals.access_referral(session, referral.id)
    return await referrals.move_referral(
        session,
        loaded,
        to=to,
        actor=actor,
        **kw,  # type: ignore[arg-type]
    )


async def test_submitting_a_referral_pays_the_submitted_points_and_starts_the_timeline(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    referral = await make_referral(session, ada, email="  Grace@NavyLabs.example ")
    assert referral.prospect_email == "grace@navylabs.example"
    assert (referral.stage, referral.source) == (Stage.SUBMITTED, Source.FORM)
    assert await _balance(session, ada) == 50
    mine = await referrals.access_own_referral(session, ada, referral.id)
    assert [(e.from_stage, e.to_stage, e.points) for e in mine.events] == [
        (None, Stage.SUBMITTED, 50)
    ]
    entry = await session.scalar(select(LedgerEntry).where(LedgerEntry.user_id == ada.id))
    assert entry is not None
    assert entry.idempotency_key == f"referral:{referral.id}:stage:submitted"
    assert (entry.source_type, entry.source_id) == ("referral", referral.id)


async def test_a_prospect_already_referred_is_refused_whatever_the_case(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    bob = await make_advocate(session)
    await make_referral(session, ada, email="grace@navylabs.example")
    with pytest.raises(referrals.DuplicateReferral, match="already been referred"):
        await make_referral(session, bob, email="GRACE@navylabs.EXAMPLE")
    assert await _balance(session, bob) == 0
    count = await session.scalar(select(func.count()).select_from(Referral))
    assert count == 1


async def test_a_rejected_referral_frees_the_prospect_for_a_new_referral(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    first = await make_referral(session, ada, email="grace@navylabs.example")
    await _move(session, first, Stage.REJECTED, rep, reason=CloseReason.INVALID)
    again = await make_referral(session, ada, email="grace@navylabs.example")
    assert again.id != first.id


async def test_reopening_a_rejected_referral_is_refused_while_another_is_open(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    first = await make_referral(session, ada, email="grace@navylabs.example")
    await _move(session, first, Stage.REJECTED, rep, reason=CloseReason.DUPLICATE)
    await make_referral(session, ada, email="grace@navylabs.example")
    with pytest.raises(referrals.DuplicateReferral):
        await _move(session, first, Stage.CONTACTED, rep)


async def test_own_email_and_members_emails_are_refused_in_the_same_words(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session, email="ada@example.com")
    member = await make_advocate(session, email="member@example.com")
    with pytest.raises(referrals.SelfReferral) as own:
        await make_referral(session, ada, email="ADA@example.com")
    with pytest.raises(referrals.SelfReferral) as members:
        await make_referral(session, ada, email=member.email.upper())
    assert (
        own.value.message
        == members.value.message
        == ("This person can't be referred. Refer someone who isn't in the program yet.")
    )
    assert member.email not in members.value.message
    assert await session.scalar(select(func.count()).select_from(Referral)) == 0


async def test_each_stage_pays_once_and_won_totals_1550_with_the_default_structure(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    referral = await make_referral(session, ada)
    for stage in (Stage.CONTACTED, Stage.QUALIFIED, Stage.OPPORTUNITY, Stage.WON):
        await _move(session, referral, stage, rep)
    assert await _balance(session, ada) == 1_550
    events = await session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id)
        .order_by(ReferralEvent.id)
    )
    assert [(e.to_stage, e.points) for e in events] == [
        (Stage.SUBMITTED, 50),
        (Stage.CONTACTED, 0),
        (Stage.QUALIFIED, 200),
        (Stage.OPPORTUNITY, 300),
        (Stage.WON, 1000),
    ]
    assert await points.reconcile_balances(session) == []


async def test_jumping_ahead_pays_the_skipped_stages_too(session: AsyncSession) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    referral = await make_referral(session, ada)
    event = await _move(session, referral, Stage.OPPORTUNITY, rep)
    assert event.points == 500
    assert await _balance(session, ada) == 550
    keys = set(await session.scalars(select(LedgerEntry.idempotency_key)))
    assert keys == {
        f"referral:{referral.id}:stage:{stage}"
        for stage in ("submitted", "qualified", "opportunity")
    }


async def test_moving_back_and_forth_never_pays_twice(session: AsyncSession) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    referral = await make_referral(session, ada)
    await _move(session, referral, Stage.QUALIFIED, rep)
    back = await _move(session, referral, Stage.CONTACTED, rep)
    forth = await _move(session, referral, Stage.QUALIFIED, rep)
    assert (back.points, forth.points) == (0, 0)
    assert await _balance(session, ada) == 250
    won = await _move(session, referral, Stage.WON, rep)
    assert won.points == 1300  # opportunity and won, never qualified again


async def test_a_won_referral_moves_back_only_with_a_reason_kept_on_its_timeline(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    referral = await make_referral(session, ada)
    await _move(session, referral, Stage.WON, rep)
    with pytest.raises(referrals.ReopenReasonRequired):
        await _move(session, referral, Stage.OPPORTUNITY, rep, note="  ")
    assert (await referrals.access_referral(session, referral.id)).stage == Stage.WON
    back = await _move(session, referral, Stage.OPPORTUNITY, rep, note="Signature fell through.")
    assert (back.from_stage, back.to_stage, back.note) == (
        Stage.WON,
        Stage.OPPORTUNITY,
        "Signature fell through.",
    )
    assert await _balance(session, ada) == 1550  # what was paid stays paid


async def test_a_changed_point_structure_does_not_pay_again_on_a_return(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    referral = await make_referral(session, ada)
    await _move(session, referral, Stage.QUALIFIED, rep)
    await referrals.save_settings(session, actor=rep, points_qualified=999)
    await _move(session, referral, Stage.CONTACTED, rep)
    await _move(session, referral, Stage.QUALIFIED, rep)
    assert await _balance(session, ada) == 250


async def test_lost_and_rejected_need_a_reason_and_pay_nothing(session: AsyncSession) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    referral = await make_referral(session, ada)
    with pytest.raises(referrals.CloseReasonRequired):
        await _move(session, referral, Stage.LOST, rep)
    event = await _move(session, referral, Stage.LOST, rep, reason=CloseReason.NOT_A_FIT)
    assert event.points == 0
    assert (event.reason, event.reason_label, event.note) == ("not_a_fit", "Not a fit", "")
    loaded = await referrals.access_referral(session, referral.id)
    assert (loaded.stage, loaded.close_reason) == (Stage.LOST, CloseReason.NOT_A_FIT)
    assert await _balance(session, ada) == 50


async def test_moving_to_the_same_stage_is_refused(session: AsyncSession) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    referral = await make_referral(session, ada)
    with pytest.raises(referrals.StageUnchanged):
        await _move(session, referral, Stage.SUBMITTED, rep)


async def test_a_move_writes_an_audit_row_tells_the_advocate_and_queues_an_email(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    referral = await make_referral(session, ada, name="Grace Hopper")
    await _move(session, referral, Stage.QUALIFIED, rep)
    audit_row = await session.scalar(
        select(AuditEntry).where(AuditEntry.action == "referral.stage_changed")
    )
    assert audit_row is not None
    assert audit_row.actor_id == rep.id
    assert (audit_row.before, audit_row.after["stage"]) == ({"stage": "submitted"}, "qualified")
    note = await session.scalar(
        select(Notification).where(
            Notification.user_id == ada.id, Notification.kind == "referral_moved"
        )
    )
    assert note is not None
    assert "Grace Hopper" in note.title
    assert note.body == "You earned 200 points."
    email = await session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "referral_moved"))
    assert email is not None
    assert email.to_address == ada.email
    assert f"{BASE}/referrals/{referral.id}" in email.text_body


async def test_a_won_referral_reaches_the_community_feed_once_without_naming_the_customer(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    referral = await make_referral(session, ada, company="Navy Labs")
    await _move(session, referral, Stage.WON, rep)
    await _move(session, referral, Stage.OPPORTUNITY, rep, note="Contract not signed yet.")
    await _move(session, referral, Stage.WON, rep)
    items = list(
        await session.scalars(
            select(FeedItem).where(FeedItem.user_id == ada.id, FeedItem.kind == "referral_won")
        )
    )
    assert len(items) == 1
    assert items[0].text == "referred a new customer, and they signed"
    viewer = await make_advocate(session, name="Bea")
    shown = " ".join(entry.text for entry in await points.community_feed(session, viewer=viewer))
    assert "Navy Labs" not in shown
    assert "Grace Hopper" not in shown


async def test_the_first_referral_and_the_first_won_referral_earn_their_badges_once(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    first = await make_referral(session, ada)
    await make_referral(session, ada)
    await _move(session, first, Stage.WON, rep)
    held = [held.badge.rule for held in await points.badges_of(session, ada)]
    assert held.count("first_referral") == 1
    assert held.count("first_won_referral") == 1


async def test_claiming_and_assigning_tell_the_new_owner_and_are_audited(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    sam = await make_sales(session, name="Sam")
    kim = await make_sales(session, name="Kim")
    referral = await make_referral(session, ada)
    loaded = await referrals.access_referral(session, referral.id)
    rep = await referrals.access_rep(session, sam.id)
    await referrals.assign_referral(session, loaded, owner=rep, actor=sam)
    assert await session.scalar(select(func.count()).where(Notification.user_id == sam.id)) == 0
    loaded = await referrals.access_referral(session, referral.id)
    other = await referrals.access_rep(session, kim.id)
    await referrals.assign_referral(session, loaded, owner=other, actor=sam)
    told = await session.scalar(select(Notification).where(Notification.user_id == kim.id))
    assert told is not None
    assert told.kind == "referral_assigned"
    actions = list(
        await session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == referral.id))
    )
    assert actions.count("referral.assigned") == 2


async def test_only_sales_staff_can_own_a_referral(session: AsyncSession) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    referral = await make_referral(session, ada)
    loaded = await referrals.access_referral(session, referral.id)
    advocate = await referrals.access_rep(session, ada.id)
    with pytest.raises(referrals.NotASalesRep):
        await referrals.assign_referral(session, loaded, owner=advocate, actor=rep)


async def test_another_advocates_referral_is_not_found(session: AsyncSession) -> None:
    ada = await make_advocate(session)
    bob = await make_advocate(session)
    referral = await make_referral(session, ada)
    with pytest.raises(referrals.NotFound):
        await referrals.access_own_referral(session, bob, referral.id)


async def test_business_domains_are_qualified_leads_and_free_mail_is_flagged(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    business = await make_referral(session, ada, email="cto@initech.example")
    free = await make_referral(session, ada, email="someone@gmail.com")
    assert (business.is_qualified_lead, business.flag_list) == (True, [])
    assert (free.is_qualified_lead, free.flag_list) == (False, [Flag.FREE_MAIL])


async def test_target_domains_narrow_the_qualified_leads(session: AsyncSession) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    await referrals.save_settings(
        session, actor=rep, target_domains="initech.example, acme.example"
    )
    inside = await make_referral(session, ada, email="cto@eu.initech.example")
    outside = await make_referral(session, ada, email="cto@globex.example")
    assert (inside.is_qualified_lead, outside.is_qualified_lead) == (True, False)


async def test_routing_rules_give_the_referral_an_owner_who_is_told(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session, email="kim@acme.example")
    await referrals.save_settings(
        session, actor=rep, routing_rules="initech.example = kim@acme.example\nGlobex = x@y.z"
    )
    routed = await make_referral(session, ada, email="cto@initech.example")
    unrouted = await make_referral(session, ada, email="cto@other.example")
    assert (routed.owner_id, unrouted.owner_id) == (rep.id, None)
    told = await session.scalar(select(Notification).where(Notification.user_id == rep.id))
    assert told is not None


async def test_the_referrers_own_company_domain_is_flagged(session: AsyncSession) -> None:
    ada = await make_advocate(session, email="ada@initech.example")
    colleague = await make_referral(session, ada, email="boss@initech.example")
    assert colleague.flag_list == [Flag.OWN_COMPANY]


async def test_a_burst_of_referrals_is_flagged_for_review_not_refused(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    made = [await make_referral(session, ada) for _ in range(6)]
    assert [r.is_flagged for r in made] == [False] * 5 + [True]
    assert made[-1].flag_list == [Flag.BURST]


async def test_many_landing_sign_ups_from_one_address_are_flagged(session: AsyncSession) -> None:
    ada = await make_advocate(session)
    made = []
    for n in range(4):
        made.append(
            await referrals.submit_referral(
                session,
                referrer=ada,
                prospect=referrals.Prospect(name=f"P{n}", email=f"p{n}@corp{n}.example"),
                source=Source.LINK,
                client_key="same-hash",
            )
        )
    assert [Flag.SAME_ADDRESS in r.flag_list for r in made] == [False, False, False, True]


async def test_the_flagged_filter_shows_only_flagged_referrals(session: AsyncSession) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    await make_referral(session, ada, email="fine@initech.example")
    await make_referral(session, ada, email="maybe@gmail.com")
    flagged = await referrals.list_pipeline(
        session, viewer=rep, filters=referrals.PipelineFilter(flagged=True)
    )
    assert [r.prospect_email for r in flagged] == ["maybe@gmail.com"]
    found = await referrals.list_pipeline(
        session, viewer=rep, filters=referrals.PipelineFilter(search="INITECH")
    )
    assert [r.prospect_email for r in found] == ["fine@initech.example"]
