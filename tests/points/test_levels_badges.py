from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.notifications.models import Notification
from portal.points import service as points
from portal.points.models import Badge, BadgeRule, FeedItem, LevelReached, UserBadge
from tests.factories import make_advocate, make_marketer


async def test_reaching_a_level_is_one_event_with_a_notification_feed_item_and_badge(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session)
    await points.award(session, advocate, points=499, reason="r", key="l1")
    assert await session.scalar(select(func.count()).select_from(LevelReached)) == 0
    await points.award(session, advocate, points=1, reason="r", key="l2")
    await points.award(session, advocate, points=100, reason="r", key="l3")

    reached = list(
        await session.scalars(
            select(LevelReached.level_id).where(LevelReached.user_id == advocate.id)
        )
    )
    assert len(reached) == 1
    titles = list(
        await session.scalars(
            select(Notification.title)
            .where(Notification.user_id == advocate.id)
            .order_by(Notification.id)
        )
    )
    assert titles == ["You reached Advocate!"]  # the level badge comes with it, unannounced
    feed = list(
        await session.scalars(
            select(FeedItem.text).where(FeedItem.user_id == advocate.id).order_by(FeedItem.id)
        )
    )
    assert feed == ["reached Advocate"]
    assert await session.scalar(select(func.count()).select_from(UserBadge)) == 1


async def test_a_big_jump_reaches_every_level_passed(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    await points.award(session, advocate, points=2_500, reason="Won deal", key="jump")
    names = list(
        await session.scalars(
            select(Badge.name)
            .join(UserBadge, UserBadge.badge_id == Badge.id)
            .where(UserBadge.user_id == advocate.id)
            .order_by(Badge.name)
        )
    )
    assert names == ["Advocate", "Champion"]


async def test_level_progress_says_how_far_to_the_next_level(session: AsyncSession) -> None:
    progress = await points.level_progress(session, 1_680)
    assert progress.level.name == "Advocate"
    assert progress.next_level.name == "Champion"
    assert progress.points_to_next == 320
    assert progress.percent == (1_680 - 500) * 100 // 1_500
    top = await points.level_progress(session, 12_000)
    assert top.next_level is None
    assert top.percent == 100


async def test_a_badge_is_awarded_once(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    marketer = await make_marketer(session)
    badge = Badge(name="Keynote speaker", description="Spoke at our conference")
    session.add(badge)
    await session.flush()
    first = await points.award_badge(
        session, user=advocate, badge=badge, by=marketer, note="Berlin 2026"
    )
    again = await points.award_badge(session, user=advocate, badge=badge, by=marketer)
    assert first is not None
    assert again is None
    assert [held.badge.name for held in await points.badges_of(session, advocate)] == [
        "Keynote speaker"
    ]


async def test_a_rule_badge_is_the_programs_active_one_given_once(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    await points.award_rule_badge(session, advocate, BadgeRule.CHALLENGES_5)
    await points.award_rule_badge(session, advocate, BadgeRule.CHALLENGES_5)
    assert [held.badge.rule for held in await points.badges_of(session, advocate)] == [
        BadgeRule.CHALLENGES_5
    ]
    assert [n.title for n in await _notifications(session, advocate.id)] == [
        "You earned the Go-getter badge"
    ]


async def test_a_rule_the_program_has_no_active_badge_for_gives_nothing(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session)
    await session.execute(
        update(Badge).where(Badge.rule == BadgeRule.FIRST_REFERRAL).values(is_active=False)
    )
    await points.award_rule_badge(session, advocate, BadgeRule.FIRST_REFERRAL)
    assert await points.badges_of(session, advocate) == []


async def _notifications(session: AsyncSession, user_id: int) -> list[Notification]:
    return list(await session.scalars(select(Notification).where(Notification.user_id == user_id)))


async def test_the_feed_names_only_people_who_allow_it(session: AsyncSession) -> None:
    viewer = await make_advocate(session, name="Viewer")
    shy = await make_advocate(session, name="Shy Person")
    proud = await make_advocate(session, name="Proud Person")
    proud.show_in_feed = True
    await points.award(session, shy, points=600, reason="r", key="shy")
    await points.award(session, proud, points=600, reason="r", key="proud")
    await points.award(session, viewer, points=600, reason="r", key="viewer")
    feed = await points.community_feed(session, viewer=viewer)
    assert {entry.who for entry in feed} == {"An advocate", "Proud Person"}
    assert all(entry.who != "Viewer" for entry in feed)
