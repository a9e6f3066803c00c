"""Participation badges: topics started, replies written, replies marked as the answer and
"helpful" reactions received. They count what members can still read (approved posts in topics
that are not hidden, the post itself not hidden), so a hidden post never counts towards one; as
with points, replies and answers in one's own topic don't count."""

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.community.models import Post, Topic
from portal.people.models import User
from portal.points import service as points
from portal.points.models import BadgeRule, UserBadge


class Measure(StrEnum):
    TOPICS = "topics"
    REPLIES = "replies"
    ANSWERS = "answers"
    HELPFUL = "helpful"


# Each badge's measure and how many it takes.
BADGE_COUNTS: dict[BadgeRule, tuple[Measure, int]] = {
    BadgeRule.COMMUNITY_TOPICS_5: (Measure.TOPICS, 5),
    BadgeRule.COMMUNITY_REPLIES_25: (Measure.REPLIES, 25),
    BadgeRule.COMMUNITY_ANSWERS_3: (Measure.ANSWERS, 3),
    BadgeRule.COMMUNITY_HELPFUL_10: (Measure.HELPFUL, 10),
}


@dataclass(frozen=True)
class Participation:
    topics: int = 0
    replies: int = 0
    answers: int = 0
    helpful: int = 0

    def of(self, measure: Measure) -> int:
        counts: int = getattr(self, measure.value)
        return counts


async def participation_of(session: AsyncSession, user: User) -> Participation:
    """The person's four counts in one statement."""
    in_others_topic = or_(Topic.author_id.is_(None), Topic.author_id != Post.author_id)
    row = (
        await session.execute(
            select(
                func.count(Post.id).filter(Post.is_opening.is_(True)),
                func.count(Post.id).filter(Post.is_opening.is_(False), in_others_topic),
                func.count(Post.id).filter(Post.is_answer.is_(True), in_others_topic),
                func.coalesce(func.sum(Post.helpful_count), 0),
            )
            .join(Topic, Topic.id == Post.topic_id)
            .where(
                Post.author_id == user.id,
                Post.is_approved.is_(True),
                Post.is_hidden.is_(False),
                Topic.is_hidden.is_(False),
            )
        )
    ).one()
    topics, replies, answers, helpful = row
    return Participation(int(topics), int(replies), int(answers), int(helpful))


async def award_participation_badges(session: AsyncSession, user: User, measure: Measure) -> None:
    """After a post or reaction counted for `user`: the badges of that measure they now reach.
    Costs nothing more when the program has no such badge or they hold it already."""
    rules = {rule for rule, (counted, _) in BADGE_COUNTS.items() if counted == measure}
    badge_ids = {
        badge.id
        for badge in await points.cached_badges(session)
        if badge.is_active and badge.rule in rules
    }
    if not badge_ids:
        return
    held = set(
        await session.scalars(
            select(UserBadge.badge_id).where(
                UserBadge.user_id == user.id, UserBadge.badge_id.in_(badge_ids)
            )
        )
    )
    if held >= badge_ids:
        return
    done = (await participation_of(session, user)).of(measure)
    for rule in sorted(rules):
        if done >= BADGE_COUNTS[rule][1]:
            await points.award_rule_badge(session, user, rule)
