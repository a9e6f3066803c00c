"""Trust scores from a history: each part a reason staff can read, rewritten by the events that
change an input."""

import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.auth import service as auth
from portal.challenges import service as challenges
from portal.challenges.models import Approval
from portal.outbox.models import OutboxEmail
from portal.people.models import Role
from portal.referrals import service as referrals
from portal.referrals.models import CloseReason, Stage
from portal.trust import service as trust
from portal.trust_scoring import service as scoring
from tests.factories import make_advocate, make_challenge, make_marketer, make_referral, make_sales
from tests.sso import asserted, make_sso_provider

INVITATION_LINK = re.compile(r"http://portal\.test/invitations/(\S+)")


async def _move(session: AsyncSession, referral, to: Stage, actor, **kw: object):  # type: ignore[no-untyped-def]
    loaded = await referrals.access_referral(session, referral.id)
    return await referrals.move_referral(session, loaded, to=to, actor=actor, **kw)  # type: ignore[arg-type]


def _reasons(score) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {reason["text"]: reason["points"] for reason in score.reasons}


async def test_a_new_self_signed_advocate_starts_at_the_base(session: AsyncSession) -> None:
    ada = await make_advocate(session)
    score = await scoring.recompute(session, ada.id)
    assert score is not None
    assert score.score == 50
    assert _reasons(score) == {
        "Joined 0 days ago": 0,
        "Signed up on their own": 0,
        "Email address not confirmed": 0,
    }


async def test_referrals_rejected_as_invalid_lower_the_score_and_say_so(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    made = [await make_referral(session, ada) for _ in range(4)]
    for referral in made[:3]:
        await _move(session, referral, Stage.REJECTED, rep, reason=CloseReason.INVALID)
    await _move(session, made[3], Stage.QUALIFIED, rep)
    # No explicit recompute: the stage changes' events rewrote the score.
    score = await trust.score_of(session, ada.id)
    assert score is not None
    reasons = _reasons(score)
    assert reasons["3 of 4 referrals rejected as invalid"] == -30
    assert reasons["1 of 4 referrals qualified"] == 5
    assert score.score == 50 - 30 + 5
    assert score.band == "low"


async def test_mixed_rejections_and_confirmed_flags_are_named(session: AsyncSession) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    flagged = await make_referral(session, ada, name="Free Mail", email="y@gmail.com")
    assert flagged.is_flagged
    await _move(session, flagged, Stage.REJECTED, rep, reason=CloseReason.DUPLICATE)
    other = await make_referral(session, ada)
    await _move(session, other, Stage.REJECTED, rep, reason=CloseReason.SELF_REFERRAL)
    reasons = _reasons(await trust.score_of(session, ada.id))
    assert reasons["2 of 2 referrals rejected (1 duplicate, 1 self-referral)"] == -20
    assert reasons["1 of 1 flagged referrals rejected"] == -5


async def test_entries_decided_move_the_score_both_ways(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    good, bad = await make_advocate(session), await make_advocate(session)
    for number in range(5):
        challenge = await make_challenge(session, title=f"Task {number}", approval=Approval.MANUAL)
        for person, approve in ((good, True), (bad, False)):
            entry = await challenges.submit_entry(
                session,
                user=person,
                challenge_id=challenge.id,
                key=f"k-{number}-{person.id}",
                response={"text": "done"},
            )
            if approve:
                await challenges.approve_submission(session, staff=marketer, submission_id=entry.id)
            else:
                await challenges.reject_submission(
                    session, staff=marketer, submission_id=entry.id, feedback="No proof."
                )
    high = await trust.score_of(session, good.id)
    low = await trust.score_of(session, bad.id)
    assert _reasons(high)["5 of 5 challenge entries approved"] == 20
    assert _reasons(low)["0 of 5 challenge entries approved"] == -20
    assert (high.score, low.score) == (70, 30)
    assert (high.band_label, low.band_label) == ("Trusted", "Low trust")


async def test_an_invited_advocate_is_trusted_more_and_sso_adds_to_it(
    session: AsyncSession,
) -> None:
    marketer = await make_marketer(session)
    await auth.invite(
        session,
        inviter=marketer,
        email="nina@example.com",
        display_name="Nina",
        roles=[Role.ADVOCATE],
    )
    email = await session.scalar(
        select(OutboxEmail).where(OutboxEmail.to_address == "nina@example.com")
    )
    token = INVITATION_LINK.search(email.text_body).group(1)
    nina = await auth.accept_invitation(
        session, token=token, display_name="Nina", password="a long new password"
    )
    reasons = _reasons(await trust.score_of(session, nina.id))  # on AdvocateJoined
    assert reasons["Invited by the program team"] == 10
    assert reasons["Email address confirmed"] == 5
    provider = await make_sso_provider(session)
    await auth.sso_sign_in(
        session, provider=provider, assertion=asserted("nina@example.com", name="Nina")
    )
    score = await trust.score_of(session, nina.id)
    assert _reasons(score)["Signs in with single sign-on"] == 10
    assert score.score == 75


async def test_the_hourly_refresh_scores_the_unscored_and_those_who_crossed_an_age_band(
    session: AsyncSession,
) -> None:
    old = await make_advocate(session)
    fresh = await make_advocate(session)
    old.created_at = clock.utcnow() - timedelta(days=180, hours=3)
    await session.flush()
    assert await scoring.refresh_due(session, batch=1) == 1  # a batch a run
    assert await scoring.refresh_due(session) >= 1
    assert _reasons(await trust.score_of(session, old.id))["Member for over 6 months"] == 10
    assert (await trust.score_of(session, fresh.id)).score == 50
    # Nothing is due again until someone crosses a band or joins.
    old.created_at = clock.utcnow() - timedelta(days=400)
    await session.flush()
    assert await scoring.refresh_due(session) == 0


async def test_staff_without_the_advocate_role_have_no_score(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    assert await scoring.recompute(session, marketer.id) is None
    assert await trust.score_of(session, marketer.id) is None
