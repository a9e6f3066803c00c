"""The weekly program summary: marketers and admins subscribe on the overview, and each Monday
morning in the program's zone the cron job emails each of them the overview figures and top
advocates of the program's week that ended (Monday 00:00 to Monday 00:00 program time), once
(the subscription row's `last_week` is claimed first), through the outbox, with the outbox's
unsubscribe link (category PROGRAM_SUMMARY)."""

from collections.abc import Collection
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal import links
from portal.outbox import preferences
from portal.outbox import service as outbox
from portal.outbox.models import EmailCategory, EmailOptOut
from portal.people.models import Role, User, UserRole, UserStatus
from portal.points.models import Period as PointsPeriod
from portal.points.models import PeriodTotal
from portal.points.service.totals import period_start
from portal.program import service as program
from portal.reports.engagement import TOP
from portal.reports.models import SummarySubscription
from portal.reports.names import names_of
from portal.reports.overview import Figure, Unit, advocates, overview
from portal.reports.periods import Choice, Period, Span

CATEGORY = EmailCategory.PROGRAM_SUMMARY


async def is_subscribed(session: AsyncSession, viewer: User) -> bool:
    """Subscribed, and not unsubscribed since through an email's link."""
    found = await session.scalar(
        select(SummarySubscription.user_id).where(
            SummarySubscription.user_id == viewer.id,
            ~exists().where(EmailOptOut.user_id == viewer.id, EmailOptOut.category == CATEGORY),
        )
    )
    return found is not None


async def subscribe(session: AsyncSession, viewer: User, *, on: bool) -> None:
    if on:
        if await session.get(SummarySubscription, viewer.id) is None:
            session.add(SummarySubscription(user_id=viewer.id))
        await preferences.switch_on(session, user_id=viewer.id, category=CATEGORY)
    else:
        await session.execute(
            delete(SummarySubscription).where(SummarySubscription.user_id == viewer.id)
        )
    await session.flush()


# The summary of a week goes out on the Monday after it (program time): the hourly job sends it
# in the program's send hour; a run that missed that hour catches up the same day, not midweek.
SEND_WINDOW = timedelta(days=1)


def last_week(now: datetime, zone: tzinfo) -> tuple[Period, str]:
    """The program's Monday-to-Sunday week before `now`'s (its days in `zone`), and its ISO
    name ("2026-W48")."""
    monday = period_start(PointsPeriod.WEEK, now, zone) - timedelta(days=7)
    year, week, _ = monday.isocalendar()
    return Period(monday, monday + timedelta(days=6), zone), f"{year}-W{week:02d}"


def _amount(figure: Figure, value: float) -> str:
    if figure.unit is Unit.PERCENT:
        return f"{value * 100:.1f}%"
    if figure.unit is Unit.MONEY:
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def _change(figure: Figure) -> str:
    if figure.change is None:
        return "new" if figure.value else "no change"
    return f"{figure.change * 100:+.1f}%"


async def _top_of_week(session: AsyncSession, monday: date) -> list[tuple[str, int]]:
    """The advocates who earned the most in the program's week starting `monday`: its weekly
    board, kept in program weeks (the daily rollups behind the overview's figures are UTC
    days)."""
    rows = (
        await session.execute(
            select(PeriodTotal.user_id, PeriodTotal.points)
            .where(
                PeriodTotal.period == PointsPeriod.WEEK,
                PeriodTotal.period_start == monday,
                PeriodTotal.points > 0,
                PeriodTotal.user_id.in_(advocates(None)),
            )
            .order_by(PeriodTotal.points.desc(), PeriodTotal.user_id)
            .limit(TOP)
        )
    ).all()
    names = await names_of(session, {user_id for user_id, _ in rows})
    return [(names.get(user_id, ""), points) for user_id, points in rows]


async def _claim(session: AsyncSession, user_id: int, week: str) -> bool:
    """Marks this week sent for this person; False when it already was (by a rerun or
    another worker: the row lock makes the second UPDATE find nothing to change)."""
    claimed = await session.execute(
        update(SummarySubscription)
        .where(
            SummarySubscription.user_id == user_id,
            or_(SummarySubscription.last_week.is_(None), SummarySubscription.last_week != week),
        )
        .values(last_week=week)
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


async def send_program_summary(
    session: AsyncSession, *, now: datetime, send_hour_zones: Collection[str] | None = None
) -> int:
    """Sends on the program's Monday; with `send_hour_zones` (the hourly job), only when the
    program's zone is among them, so the email arrives in the program's morning."""
    config = await program.load_once(session)
    if send_hour_zones is not None and config.zone_name not in send_hour_zones:
        return 0
    period, week = last_week(now, config.zone)
    if now - datetime.combine(period.last + timedelta(days=1), time(), config.zone) >= SEND_WINDOW:
        return 0
    people = list(
        await session.scalars(
            select(User)
            .join(SummarySubscription, SummarySubscription.user_id == User.id)
            .where(
                User.status == UserStatus.ACTIVE,
                User.roles.any(UserRole.role.in_((Role.MARKETER, Role.ADMIN))),
            )
            .order_by(User.id)
        )
    )
    if not people:
        return 0
    rate = config.points_per_money_unit
    report = await overview(session, period=period, group_id=None, points_per_money_unit=rate)
    query = Choice(Span.CUSTOM, period, None).query
    context = {
        "week": period.label,
        "engaged": int(report.figure("engaged").value),
        "figures": [(f.label, _amount(f, f.value), _change(f)) for f in report.figures],
        "top_advocates": await _top_of_week(session, period.first),
        "link": f"{links.absolute_url('reports:overview')}?{query}",
    }
    sent = 0
    for person in people:
        if not await _claim(session, person.id, week):
            continue
        queued = await outbox.queue_email(
            session,
            to=person.email,
            user_id=person.id,
            kind="program_summary",
            context={**context, "name": person.display_name},
            category=CATEGORY,
        )
        sent += queued is not None
    return sent
