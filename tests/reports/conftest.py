"""A program with known answers, built through the real services over the last two weeks: the
last 7 days against the 7 before them."""

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.challenges import service as challenges
from portal.clock import utcnow
from portal.content import service as content
from portal.files.storage import LocalStorage
from portal.people import sessions
from portal.people.models import Group, GroupMember, Role, User
from portal.points import service as points
from portal.referrals import service as referrals
from portal.referrals.models import Stage
from tests.factories import (
    give_points,
    make_advocate,
    make_asset,
    make_challenge,
    make_marketer,
    make_referral,
    make_user,
)


@dataclass
class Program:
    ann: User
    bob: User
    cat: User
    dan: User
    marketer: User
    group: Group


def days_ago(n: int) -> AbstractContextManager[None]:
    return clock.shifted(-timedelta(days=n))


@pytest_asyncio.fixture
async def program(session: AsyncSession, tmp_path: Path) -> Program:
    marketer = await make_marketer(session, name="Maya Marketer")
    sales = await make_user(session, name="Sam Sales", roles=(Role.SALES,))
    with days_ago(40):
        dan = await make_advocate(session, name="Dan Early")
    with days_ago(10):
        ann = await make_advocate(session, name="Ann Referrer")
    with days_ago(9):
        await give_points(session, ann, 100)
    with days_ago(8):
        await sessions.record_visit(session, ann, utcnow())
    with days_ago(3):
        bob = await make_advocate(session, name="Bob Builder")
        cat = await make_advocate(session, name="Cat Quiet")
        submitted = await make_referral(session, ann, company="Globex")
    referral = await referrals.access_referral(session, submitted.id)
    challenge = await make_challenge(session, points=50)
    with days_ago(2):
        await give_points(session, bob, 50)
        await give_points(session, dan, 200)
        await challenges.submit_entry(
            session,
            user=bob,
            challenge_id=challenge.id,
            key="bob-entry",
            response={"text": "Did it"},
        )
        await referrals.move_referral(session, referral, to=Stage.QUALIFIED, actor=sales)
    asset = await make_asset(session, LocalStorage(tmp_path / "uploads"), actor=marketer)
    with days_ago(1):
        await referrals.set_deal_value(session, referral, value=5_000, actor=sales)
        await referrals.move_referral(session, referral, to=Stage.WON, actor=sales)
        await points.spend(session, dan, points=80, reason="Stickers", key="dan-spend")
        await points.adjust(
            session, ann, points=30, reason="Spoke at a meetup", key="ann-adjust", actor=marketer
        )
        await sessions.record_visit(session, bob, utcnow())
        await content.record_download(session, dan, asset)
    group = Group(name="Builders")
    session.add(group)
    await session.flush()
    session.add_all([GroupMember(group_id=group.id, user_id=u.id) for u in (bob, dan)])
    await session.flush()
    return Program(ann, bob, cat, dan, marketer, group)
