"""Watching a training video: the server credits only what it saw being watched.

The player sends a heartbeat when it starts playing, every 10 s while it plays, and when it
pauses, seeks or ends, each naming the stretch of the video played since the last one. A
stretch is credited no longer than the wall-clock time since the previous heartbeat allows (at
up to double speed), so seeking to the end, or claiming a stretch without the time passing,
earns nothing. The video counts as watched when the distinct seconds credited reach 90 % of its
duration.

The duration is the first one the player reported, capped at four hours: the file is not
measured at upload, because the WebM that browsers record (Chromium's MediaRecorder, our
own training fixture) carries no duration in its header, and the libraries that read one
(mutagen for MP4) don't read WebM; the wall-clock check bounds what a wrong duration buys.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import events
from portal.clock import utcnow
from portal.content.models import WATCHED_PERCENT, Asset, AssetKind, AssetUse
from portal.content.service.usage import award_once, touch_use
from portal.errors import NotFound
from portal.i18n import N_
from portal.people.models import User

MAX_DURATION = 4 * 3600.0  # seconds; a longer claim is cut to this
MAX_RATE = 2.0  # the fastest playback credited
MAX_GAP = timedelta(seconds=30)  # a heartbeat comes every 10 s while playing; longer gaps don't add
SLACK = 1.0  # seconds: rounding and the time a heartbeat takes to arrive


@dataclass(frozen=True)
class WatchProgress:
    percent: int
    watched: bool
    awarded: int  # points awarded by this heartbeat (0 when nothing new)


async def record_heartbeat(
    session: AsyncSession,
    viewer: User,
    asset: Asset,
    *,
    start: float,
    end: float,
    duration: float | None,
) -> WatchProgress:
    """A heartbeat from the player: the stretch `start`..`end` (seconds) was played since the
    previous one. At 90 % of the video seen, it counts as watched and earns its points once."""
    if asset.kind is not AssetKind.VIDEO:
        raise NotFound()
    await touch_use(session, viewer, asset, downloads=0)
    use = await session.scalar(
        select(AssetUse)
        .where(AssetUse.asset_id == asset.id, AssetUse.user_id == viewer.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if use is None:  # deleted meanwhile, with its asset
        raise NotFound()
    now = utcnow()
    if use.duration_seconds is None and duration is not None and duration > 0:
        use.duration_seconds = min(duration, MAX_DURATION)
    credit = _creditable(use.heartbeat_at, now)
    use.heartbeat_at = now
    start = max(0.0, start)
    end = min(end, start + credit, use.duration_seconds or MAX_DURATION)
    if end > start:
        use.watched_segments = _merged([*use.watched_segments, [start, end]])
    if use.duration_seconds:
        seen = sum(min(b, use.duration_seconds) - a for a, b in use.watched_segments)
        percent = min(100, int(seen * 100 / use.duration_seconds))
        use.watched_percent = max(use.watched_percent, percent)
    awarded = 0
    if use.watched_percent >= WATCHED_PERCENT:
        if use.watched_at is None:
            use.watched_at = now
        await session.flush()
        awarded = await award_once(session, viewer, asset, N_("Watched “%(title)s”"))
        await events.publish(
            session, events.AssetUsed(user_id=viewer.id, asset_id=asset.id, watched=True)
        )
    await session.flush()
    return WatchProgress(
        percent=use.watched_percent, watched=use.watched_at is not None, awarded=awarded
    )


def _creditable(previous: datetime | None, now: datetime) -> float:
    """How many seconds of video the time since the previous heartbeat can account for."""
    if previous is None:
        return SLACK
    elapsed = max(timedelta(0), min(now - previous, MAX_GAP))
    return elapsed.total_seconds() * MAX_RATE + SLACK


def _merged(segments: list[list[float]]) -> list[list[float]]:
    """The union of `[start, end]` stretches, as few sorted ones, rounded to 10 ms."""
    union: list[list[float]] = []
    for a, b in sorted(segments):
        if union and a <= union[-1][1]:
            union[-1][1] = max(union[-1][1], b)
        else:
            union.append([a, b])
    return [[round(a, 2), round(b, 2)] for a, b in union]
