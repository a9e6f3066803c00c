"""What participation earns (marketers set it in Manage → Community), kept as program settings
under `community.`: points per action and the most community points a person earns a day."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from portal.i18n import N_
from portal.people.models import User
from portal.program.sections import read_section, store_section

PREFIX = "community."
CACHE_KEY = "community_settings"  # read once per transaction (settings_once)
MAX_POINTS = 10_000


@dataclass(frozen=True)
class CommunitySettings:
    points_topic: int = 5
    points_reply: int = 2
    points_answer: int = 25
    points_helpful: int = 3
    daily_cap: int = 60  # community points a person may earn in a UTC day (0: no cap)
    approve_first_posts: int = 0  # 1: a member's first post waits for staff approval


SETTING_LABELS = {
    "points_topic": N_("Starting a topic"),
    "points_reply": N_("Replying"),
    "points_answer": N_("A reply marked as the answer"),
    "points_helpful": N_("Each “helpful” a post receives"),
    "daily_cap": N_("Most community points a person earns a day (0: no cap)"),
}
APPROVAL_LABEL = N_("Hold each member's first post until staff approve it")


async def load_settings(session: AsyncSession) -> CommunitySettings:
    return await read_section(session, CommunitySettings, prefix=PREFIX)


async def save_settings(session: AsyncSession, *, actor: User, **changes: int) -> CommunitySettings:
    session.info.pop(CACHE_KEY, None)
    return await store_section(
        session,
        await load_settings(session),
        changes,
        actor=actor,
        prefix=PREFIX,
        action="community.settings",
        summary="Changed community points:",
    )
