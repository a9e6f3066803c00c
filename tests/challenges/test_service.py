from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.challenges import service as challenges
from portal.challenges.models import (
    Approval,
    ChallengeStatus,
    ChallengeType,
    Submission,
    SubmissionStatus,
)
from portal.clock import utcnow
from portal.errors import NotFound, PortalError
from portal.notifications.models import Notification
from portal.outbox.models import OutboxEmail
from portal.people.models import Group, GroupMember
from portal.points import service as points
from portal.points.models import Badge, BadgeRule, UserBadge
from tests.factories import make_advocate, make_challenge, make_marketer, make_referral

BASE = "http://portal.test"


async def _submit(session, user, challenge, key="k1", response=None):
    return await challenges.submit_entry(
        session,
        user=user,
        challenge_id=challenge.id,
        key=key,
        response=response or {"text": "I told my team."},
    )


async def _balance(session, user) -> int:
    return (await points.balance_of(session, user)).current


async def test_an_auto_approved_entry_pays_at_once_with_the_submission_key(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session)
    challenge = await make_challenge(session, points=50)
    submission = await _submit(session, advocate, challenge)
    assert submission.status == SubmissionStatus.APPROVED
    assert await _balance(session, advocate) == 50
    [entry] = await points.history(session, advocate, limit=1)
    assert entry.idempotency_key == f"submission:{submission.id}:approved"
    assert (entry.source_type, entry.source_id) == ("submission", submission.id)


async def test_a_manual_entry_waits_and_approval_pays_once(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    marketer = await make_marketer(session)
    challenge = await make_challenge(session, approval=Approval.MANUAL, points=80)
    submission = await _submit(session, advocate, challenge)
    assert submission.status == SubmissionStatus.PENDING
    assert await _balance(session, advocate) == 0
    [queued] = await challenges.approval_queue(session)
    assert queued.id == submission.id

    await challenges.approve_submission(session, staff=marketer, submission_id=submission.id)
    again = await challenges.approve_submission(
        session, staff=marketer, submission_id=submission.id
    )
    assert again.status == SubmissionStatus.APPROVED
    assert await _balance(session, advocate) == 80
    assert await challenges.approval_queue(session) == []
    assert await points.reconcile_balances(session) == []
    titles = list(
        await session.scalars(select(Notification.title).where(Notification.user_id == advocate.id))
    )
    assert titles == [f"+80 points: {challenge.title} approved"]
    [email] = list(
        await session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == advocate.email))
    )
    assert email.subject == f"Your entry for {challenge.title} is approved: +80 points"


async def test_rejection_tells_the_advocate_why_frees_the_slot_and_cannot_be_undone(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session)
    marketer = await make_marketer(session)
    challenge = await make_challenge(session, approval=Approval.MANUAL, max_total=1)
    submission = await _submit(session, advocate, challenge)
    with pytest.raises(PortalError, match="Say why"):
        await challenges.reject_submission(
            session, staff=marketer, submission_id=submission.id, feedback=" "
        )
    await challenges.reject_submission(
        session,
        staff=marketer,
        submission_id=submission.id,
        feedback="The link is broken.",
    )
    await challenges.reject_submission(
        session, staff=marketer, submission_id=submission.id, feedback="Twice"
    )
    await session.refresh(submission)
    await session.refresh(challenge)
    assert submission.feedback == "The link is broken."
    assert challenge.taken == 0
    body = await session.scalar(
        select(Notification.body).where(Notification.kind == "submission_rejected")
    )
    assert body == "The link is broken."
    [email] = list(
        await session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == advocate.email))
    )
    assert "Why: The link is broken." in email.text_body
    assert f"http://portal.test/challenges/{challenge.id}" in email.text_body
    with pytest.raises(challenges.AlreadyDecided):
        await challenges.approve_submission(session, staff=marketer, submission_id=submission.id)
    assert await _balance(session, advocate) == 0
    retry = await _submit(session, advocate, challenge, key="k2")
    assert retry.status == SubmissionStatus.PENDING


async def test_the_same_form_key_twice_is_one_submission(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    challenge = await make_challenge(session, max_per_user=3)
    first = await _submit(session, advocate, challenge, key="same")
    second = await _submit(session, advocate, challenge, key="same")
    assert first.id == second.id
    assert await _balance(session, advocate) == 50
    count = await session.scalar(select(func.count()).select_from(Submission))
    assert count == 1


async def test_max_per_user_counts_pending_and_approved_entries(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    challenge = await make_challenge(session, max_per_user=2)
    await _submit(session, advocate, challenge, key="a")
    await _submit(session, advocate, challenge, key="b")
    with pytest.raises(challenges.SubmitRefused) as refused:
        await _submit(session, advocate, challenge, key="c")
    assert refused.value.reason == challenges.CannotSubmit.LIMIT_REACHED
    assert refused.value.status_code == 409
    await session.refresh(challenge)
    assert challenge.taken == 2
    manual = await make_challenge(session, approval=Approval.MANUAL)
    await _submit(session, advocate, manual, key="d")
    with pytest.raises(challenges.SubmitRefused, match="waiting for review"):
        await _submit(session, advocate, manual, key="e")


async def test_max_total_refuses_the_entry_after_the_last_slot(session: AsyncSession) -> None:
    challenge = await make_challenge(session, max_total=2)
    for key in ("a", "b"):
        await _submit(session, await make_advocate(session), challenge, key=key)
    late = await make_advocate(session)
    with pytest.raises(challenges.SubmitRefused) as refused:
        await _submit(session, late, challenge, key="c")
    assert refused.value.reason == challenges.CannotSubmit.FULL
    assert await _balance(session, late) == 0
    available = await challenges.cards(session, viewer=late, tab=challenges.Tab.AVAILABLE)
    assert available == []


@pytest.mark.parametrize(
    ("starts", "ends", "reason"),
    [
        (timedelta(hours=2), None, "not_started"),
        (None, timedelta(hours=-1), "ended"),
    ],
)
async def test_entries_outside_the_window_are_refused(
    session: AsyncSession, starts, ends, reason
) -> None:
    now = utcnow()
    challenge = await make_challenge(
        session,
        starts_at=now + starts if starts else None,
        ends_at=now + ends if ends else None,
    )
    with pytest.raises(challenges.SubmitRefused) as refused:
        await _submit(session, await make_advocate(session), challenge)
    assert refused.value.reason == reason


async def test_drafts_archived_and_other_groups_challenges_are_refused(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session)
    group = Group(name="Developers")
    session.add(group)
    await session.flush()
    draft = await make_challenge(session, status=ChallengeStatus.DRAFT)
    targeted = await make_challenge(session, group_ids=frozenset({group.id}))
    archived = await make_challenge(session, status=ChallengeStatus.ARCHIVED)
    for hidden in (draft, targeted):
        with pytest.raises(NotFound):
            await challenges.access_challenge(session, viewer=advocate, challenge_id=hidden.id)
    with pytest.raises(challenges.SubmitRefused, match="no longer open"):
        await _submit(session, advocate, archived)

    session.add(GroupMember(group_id=group.id, user_id=advocate.id))
    await session.flush()
    view = await challenges.access_challenge(session, viewer=advocate, challenge_id=targeted.id)
    assert view.blocked is None
    available = await challenges.cards(session, viewer=advocate, tab=challenges.Tab.AVAILABLE)
    assert [c.challenge.id for c in available] == [targeted.id]


async def test_tabs_follow_the_advocates_entries_and_dismissals(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    marketer = await make_marketer(session)
    auto = await make_challenge(session, title="Auto")
    manual = await make_challenge(session, title="Manual", approval=Approval.MANUAL)
    repeat = await make_challenge(session, title="Repeat", max_per_user=3)
    later = await make_challenge(session, title="Later", type=ChallengeType.SHARE_LINK)
    await _submit(session, advocate, auto, key="a")
    pending = await _submit(session, advocate, manual, key="b")
    await _submit(session, advocate, repeat, key="c")
    await challenges.dismiss_challenge(session, user=advocate, challenge_id=later.id)
    await challenges.dismiss_challenge(session, user=advocate, challenge_id=later.id)

    async def titles(tab):
        found = await challenges.cards(session, viewer=advocate, tab=tab)
        return sorted(c.challenge.title for c in found)

    assert await titles(challenges.Tab.AVAILABLE) == ["Repeat"]
    assert await titles(challenges.Tab.PENDING) == ["Manual"]
    assert await titles(challenges.Tab.COMPLETED) == ["Auto", "Repeat"]
    assert await titles(challenges.Tab.DISMISSED) == ["Later"]
    await challenges.restore_challenge(session, user=advocate, challenge_id=later.id)
    assert await titles(challenges.Tab.AVAILABLE) == ["Later", "Repeat"]
    await challenges.approve_submission(session, staff=marketer, submission_id=pending.id)
    assert await titles(challenges.Tab.COMPLETED) == ["Auto", "Manual", "Repeat"]
    [card] = await challenges.cards(
        session, viewer=advocate, tab=challenges.Tab.AVAILABLE, type=ChallengeType.SHARE_LINK
    )
    assert card.challenge.title == "Later"


async def test_a_share_click_completes_a_share_link_challenge_once(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session)
    challenge = await make_challenge(session, type=ChallengeType.SHARE_LINK, points=20)
    first = await challenges.record_share(
        session, user=advocate, challenge_id=challenge.id, network="linkedin", key="s1"
    )
    assert first.response == {"network": "linkedin"}
    with pytest.raises(challenges.SubmitRefused):
        await challenges.record_share(
            session, user=advocate, challenge_id=challenge.id, network="x", key="s2"
        )
    other = await make_challenge(session)
    with pytest.raises(NotFound):
        await challenges.record_share(
            session, user=advocate, challenge_id=other.id, network="x", key="s3"
        )
    assert await _balance(session, advocate) == 20


async def test_attendance_waits_for_a_marketer_even_on_auto_approval(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session)
    challenge = await make_challenge(session, type=ChallengeType.ATTEND_EVENT)
    rsvp = await _submit(session, advocate, challenge, response={"rsvp": True})
    assert rsvp.status == SubmissionStatus.PENDING


async def test_submitting_a_referral_completes_open_refer_challenges(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session)
    refer = await make_challenge(session, type=ChallengeType.REFER, points=100, max_per_user=1)
    with pytest.raises(challenges.SubmitRefused, match="when you refer"):
        await _submit(session, advocate, refer)
    referral = await make_referral(session, advocate, company="Initech")
    [entry] = list(await session.scalars(select(Submission)))
    assert entry.response == {"referral_id": referral.id, "company": "Initech"}
    assert entry.status == SubmissionStatus.APPROVED
    await make_referral(session, advocate)  # the challenge is used up: nothing more
    assert await session.scalar(select(func.count()).select_from(Submission)) == 1
    history = [e.reason for e in await points.history(session, advocate)]
    assert f"Challenge completed: {refer.title}" in history


async def test_five_completed_challenges_earn_the_go_getter_badge(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    badge = await session.scalar(select(Badge).where(Badge.rule == BadgeRule.CHALLENGES_5))
    assert badge is not None
    for n in range(5):
        held = await session.get(UserBadge, (advocate.id, badge.id))
        assert held is None
        await _submit(session, advocate, await make_challenge(session), key=f"b{n}")
    assert await session.get(UserBadge, (advocate.id, badge.id)) is not None


async def test_bulk_decisions_skip_what_was_already_decided(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    challenge = await make_challenge(session, approval=Approval.MANUAL, points=10)
    entries = [
        await _submit(session, await make_advocate(session), challenge, key=f"bulk{n}")
        for n in range(3)
    ]
    await challenges.reject_submission(
        session, staff=marketer, submission_id=entries[0].id, feedback="No proof."
    )
    result = await challenges.decide_many(
        session,
        staff=marketer,
        submission_ids=[e.id for e in entries],
        approve=True,
        feedback="",
    )
    assert (result.done, result.skipped) == (2, [f"#{entries[0].id}"])
    stats = (await challenges.stats_by_challenge(session))[challenge.id]
    assert stats == challenges.Stats(completions=2, pending=0, rejected=1, points_issued=20)


async def test_duplicate_is_a_draft_copy_and_archive_closes_entries(
    session: AsyncSession,
) -> None:
    marketer = await make_marketer(session)
    original = await make_challenge(session, type=ChallengeType.ANSWER_QUESTIONS)
    copy = await challenges.duplicate_challenge(session, staff=marketer, challenge_id=original.id)
    assert copy.status == ChallengeStatus.DRAFT
    assert copy.title.endswith("(copy)")
    assert copy.questions == original.questions
    await challenges.archive_challenge(session, staff=marketer, challenge_id=original.id)
    with pytest.raises(challenges.SubmitRefused, match="no longer open"):
        await _submit(session, await make_advocate(session), original)


async def test_the_body_is_stored_sanitized_for_the_page(session: AsyncSession) -> None:
    challenge = await make_challenge(
        session,
        body='<p onclick="steal()">Read <a href="javascript:alert(1)">this</a></p>'
        "<script>x</script>",
    )
    assert "onclick" not in challenge.body_html
    assert "javascript:" not in challenge.body_html
    assert "<script>" not in challenge.body_html
    assert challenge.body_html.startswith("<p>Read")
    plain = await make_challenge(session, body="First.\n\nSecond & last")
    assert plain.body_html == "<p>First.</p><p>Second &amp; last</p>"
