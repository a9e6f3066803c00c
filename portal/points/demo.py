"""Demo points: who shows their name in the community feed, a marketer's bonus for a talk at a
meetup, and a custom badge for it; a 30-day clearance window on won referrals from the start (so
the two referrals won in the last month are still pending). Every other
point in the demo is earned through the real actions (content, challenges, referrals: the
flagged ones wait for review, the invalid one was clawed back) and spent on real rewards; keys
make reruns no-ops. Tiers: since six weeks ago Champions earn x1.2 on challenges and content and
Legends x1.5 (referrals too), two days ago the Champions' bonus was extended to referral stages
and rescored over the last 30 days (one adjustment per Champion with referral points then), and
the speaker is kept at Champion whatever his points. Points
expire after two months, switched on just before the first points of the demo (its history is
two months long, so a longer span would show nothing expiring): the advocates who earned first
have points expiring within the coming weeks, on Home and How to earn.
Seasons: the Autumn sprint ran from eight to four weeks ago and its close awarded its top 3 and
top 10 badges; the Winter sprint started two weeks ago and ends in two more."""

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.people.models import User
from portal.points import service as points
from portal.points.models import Badge, Level
from portal.points.season_models import Season
from portal.points.service import rescore
from portal.points.service.rules import Earning
from portal.program import service as program

SHOWN_IN_FEED = {
    "priya.raman@northwind.example",
    "jonas.berg@fjordtech.example",
    "daniel.kim@brightpath.example",
    "amara.nwosu@kelvin.example",
    "omar.haddad@dunecloud.example",
}
SPEAKER = "tom.fischer@alpenbank.example"
WON_CLEARANCE = 30  # days: a won deal the customer cancels within them pays nothing
EXPIRE_AFTER_MONTHS = 2
RESCORED = "Champion x1.2 now on referral stages too, over the last 30 days"
AUTUMN, WINTER = "Autumn sprint", "Winter sprint"
# Level → (multiplier in percent, the sources it multiplies).
MULTIPLIERS = {
    "Champion": (120, (Earning.CHALLENGE, Earning.CONTENT)),
    "Legend": (150, (Earning.CHALLENGE, Earning.CONTENT, Earning.REFERRAL, Earning.REFERRAL_WON)),
}


def steps(session: AsyncSession, people: dict[str, User]) -> list[clock.At]:
    for email in SHOWN_IN_FEED:
        people[email].show_in_feed = True
    marketer = people["marketer@acme.example"]

    async def bonus() -> None:
        await points.adjust(
            session,
            people[SPEAKER],
            points=250,
            reason="Bonus: spoke at the Acme Connect Munich meetup",
            key="demo:tom.fischer:adjust",
            actor=marketer,
            counts_toward_lifetime=True,
        )
        speaker = await session.scalar(select(Badge).where(Badge.name == "Conference speaker"))
        if speaker is None:
            speaker = await points.create_badge(
                session,
                actor=marketer,
                name="Conference speaker",
                description="Told our community your story on stage.",
                icon="mic",
            )
        await points.award_badge(
            session, user=people[SPEAKER], badge=speaker, by=marketer, note="Acme Connect Munich"
        )

    async def clearance_window() -> None:
        await points.save_rules(session, actor=marketer, clear_referral_won_days=WON_CLEARANCE)

    async def rescore_champions() -> None:
        """Champions' bonus extended to referral stages, applied to the last 30 days too (a run,
        as Apply with "also past events" does)."""
        if await rescore.recent_runs(session, limit=1):
            return
        champion = await session.scalar(select(Level).where(Level.name == "Champion"))
        assert champion is not None  # noqa: S101 (the migration's levels)
        await points.update_level(
            session,
            actor=marketer,
            level_id=champion.id,
            name=champion.name,
            min_points=champion.min_points,
            description=champion.description,
            multiplier_percent=champion.multiplier_percent,
            multiplies=(Earning.CHALLENGE, Earning.CONTENT, Earning.REFERRAL),
        )
        levels = [rescore.ProposedLevel.of(level) for level in await session.scalars(select(Level))]
        run = await rescore.start_run(session, levels, actor=marketer, days=30, summary=RESCORED)
        after: int | None = 0
        while after is not None:
            after = await rescore.rescore_batch(session, run.id, after=after)

    async def expiry() -> None:
        if not (await points.load_rules(session)).expire_after_months:
            await points.save_rules(
                session, actor=marketer, expire_after_months=EXPIRE_AFTER_MONTHS
            )

    async def tiers() -> None:
        levels = {level.name: level for level in await session.scalars(select(Level))}
        for name, (percent, sources) in MULTIPLIERS.items():
            level = levels[name]
            if level.multiplier_percent == 100:
                await points.update_level(
                    session,
                    actor=marketer,
                    level_id=level.id,
                    name=level.name,
                    min_points=level.min_points,
                    description=level.description,
                    multiplier_percent=percent,
                    multiplies=sources,
                )
        if (await points.balance_of(session, people[SPEAKER])).floor_level_id is None:
            await points.set_floor(
                session,
                actor=marketer,
                person=people[SPEAKER],
                level_id=levels["Champion"].id,
                note="Keynote partner: Champion perks for the year",
            )

    async def season(name: str, weeks: int) -> None:
        """A season from midnight today (program time) for `weeks` weeks, for everyone."""
        if await session.scalar(select(Season.id).where(Season.name == name)) is not None:
            return
        zone = (await program.load_once(session)).zone
        today = clock.utcnow().astimezone(zone).date()
        starts_at = datetime.combine(today, time(), zone)
        await points.create_season(
            session,
            actor=marketer,
            name=name,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(weeks=weeks),
            time_zone=zone.key,
            group_id=None,
        )

    async def close_autumn() -> None:
        """What the close job does a few minutes after the end (a rerun finds it closed)."""
        autumn = await session.scalar(select(Season.id).where(Season.name == AUTUMN))
        if autumn is not None:
            await points.close_season(session, autumn, clock.utcnow())

    return [
        clock.At(timedelta(days=90), clearance_window),
        clock.At(timedelta(days=60), expiry),
        clock.At(timedelta(days=56, hours=1), lambda: season(AUTUMN, 4)),
        clock.At(timedelta(days=27, hours=23), close_autumn),
        clock.At(timedelta(days=14, hours=1), lambda: season(WINTER, 4)),
        clock.At(timedelta(days=42), tiers),
        clock.At(timedelta(days=2), rescore_champions),
        clock.At(timedelta(days=3), bonus),
    ]
