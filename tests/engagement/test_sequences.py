"""Editable sequences: the seeded steps are today's; retimed, switched off, added and reworded
steps keep the once-per-person guarantee."""

from datetime import timedelta

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.engagement import sequences
from portal.engagement.models import Sequence, SequenceStep
from portal.outbox.models import OutboxEmail
from portal.people.models import User
from tests.factories import give_points, login_as, make_advocate, make_marketer, post_form


async def _sent(session: AsyncSession, user: User) -> list[tuple[str, str]]:
    rows = await session.execute(
        select(OutboxEmail.kind, OutboxEmail.subject)
        .where(OutboxEmail.user_id == user.id)
        .order_by(OutboxEmail.id)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def _step(session: AsyncSession, key: str) -> SequenceStep:
    step = await session.scalar(select(SequenceStep).where(SequenceStep.key == key))
    assert step is not None
    return step


async def _joined(session: AsyncSession, *, days_ago: int, **kwargs: object) -> User:
    advocate = await make_advocate(session, **kwargs)
    advocate.record_login(clock.utcnow() - timedelta(days=days_ago, minutes=5))
    await session.flush()
    return advocate


async def test_the_migration_seeds_the_steps_that_were_fixed_in_code(
    session: AsyncSession,
) -> None:
    onboarding = await sequences.steps_of(session, Sequence.ONBOARDING)
    assert [(s.key, s.days, s.only_if_quiet) for s in onboarding] == [
        ("onboarding_welcome", 0, False),
        ("onboarding_challenges", 2, False),
        ("onboarding_training", 7, False),
        ("onboarding_refer", 14, False),
        ("onboarding_check_in", 21, True),
    ]
    quiet = await sequences.steps_of(session, Sequence.REENGAGEMENT)
    assert [(s.key, s.days, s.email_kind) for s in quiet] == [
        ("quiet_first", 30, "quiet_nudge"),
        ("quiet_second", 60, "quiet_nudge"),
    ]


async def test_a_retimed_step_goes_on_its_new_day_and_never_twice(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    refer = await _step(session, "onboarding_refer")
    await sequences.update_step(session, staff=marketer, step_id=refer.id, days=10, is_enabled=True)
    advocate = await _joined(session, days_ago=10)

    assert await sequences.send_onboarding(session, now=clock.utcnow()) == 1
    await sequences.update_step(session, staff=marketer, step_id=refer.id, days=11, is_enabled=True)
    with clock.shifted(timedelta(days=1)):
        assert await sequences.send_onboarding(session, now=clock.utcnow()) == 0
    assert [kind for kind, _ in await _sent(session, advocate)] == ["onboarding_refer"]


async def test_a_switched_off_step_sends_nothing(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    welcome = await _step(session, "onboarding_welcome")
    await sequences.update_step(
        session, staff=marketer, step_id=welcome.id, days=0, is_enabled=False
    )
    advocate = await _joined(session, days_ago=0)
    assert await sequences.send_onboarding(session, now=clock.utcnow()) == 0
    assert await _sent(session, advocate) == []


async def test_an_added_onboarding_step_is_written_by_the_marketer_and_sent_once(
    session: AsyncSession,
) -> None:
    marketer = await make_marketer(session)
    await sequences.add_step(
        session,
        staff=marketer,
        sequence=Sequence.ONBOARDING,
        days=1,
        subject="{first_name}, meet the community",
        body="<p>Hi {first_name}, <a href='https://acme.example/forum'>say hello</a>.</p>",
    )
    advocate = await _joined(session, days_ago=1, name="Ada Byron")

    assert await sequences.send_onboarding(session, now=clock.utcnow()) == 2  # and the welcome
    assert await sequences.send_onboarding(session, now=clock.utcnow()) == 0
    email = await session.scalar(
        select(OutboxEmail).where(
            OutboxEmail.user_id == advocate.id, OutboxEmail.kind == "sequence_step"
        )
    )
    assert email is not None
    assert (email.kind, email.subject) == ("sequence_step", "Ada, meet the community")
    assert "Hi Ada, say hello (https://acme.example/forum)" in email.text_body
    assert "List-Unsubscribe" in email.headers


async def test_an_added_re_engagement_step_takes_its_own_stretch_of_quiet(
    session: AsyncSession,
) -> None:
    marketer = await make_marketer(session)
    await sequences.add_step(
        session,
        staff=marketer,
        sequence=Sequence.REENGAGEMENT,
        days=45,
        subject="Still there, {first_name}?",
        body="We kept your {first_name} points.",
    )
    advocate = await make_advocate(session, name="Grace Hopper")
    advocate.record_login(clock.utcnow())
    await give_points(session, advocate, 100)

    for day, expected in ((31, 1), (46, 1), (47, 0), (61, 1)):
        with clock.shifted(timedelta(days=day)):
            assert await sequences.nudge_quiet_advocates(session, now=clock.utcnow()) == expected
    subjects = [subject for _, subject in await _sent(session, advocate)]
    assert subjects[1] == "Still there, Grace?"
    assert subjects[2] == "Grace, your 100 points are waiting"


@pytest.mark.parametrize(
    ("days", "subject", "field"),
    [(-1, "Hi", "days"), (4000, "Hi", "days"), (3, " ", "subject")],
)
async def test_a_step_that_cannot_be_sent_is_refused(
    session: AsyncSession, days: int, subject: str, field: str
) -> None:
    marketer = await make_marketer(session)
    with pytest.raises(sequences.InvalidStep) as refused:
        await sequences.add_step(
            session,
            staff=marketer,
            sequence=Sequence.ONBOARDING,
            days=days,
            subject=subject,
            body="Body",
        )
    assert refused.value.field == field


async def test_marketers_retime_and_switch_off_a_step_in_manage_sequences(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    check_in = await _step(session, "onboarding_check_in")
    page = BeautifulSoup((await client.get("/manage/sequences/")).text, "html.parser")
    assert "Day 21" not in page.get_text()  # the day is its own column
    assert page.select_one(f"#step-{check_in.id} td").get_text() == "21"

    path = f"/manage/sequences/{check_in.id}"
    refused = await post_form(client, path, {"days": "soon", "is_enabled": "on"}, page=path)
    assert refused.status_code == 422
    form = BeautifulSoup(refused.text, "html.parser")
    assert form.select_one("#f-days")["value"] == "soon"
    assert form.select_one("#f-days-error") is not None

    saved = await post_form(client, path, {"days": "28"}, page=path)
    assert saved.status_code == 303
    await session.refresh(check_in)
    assert (check_in.days, check_in.is_enabled, check_in.only_if_quiet) == (28, False, False)


async def test_advocates_cannot_open_manage_sequences(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_advocate(session))
    assert (await client.get("/manage/sequences/")).status_code == 403
