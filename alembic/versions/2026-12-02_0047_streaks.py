"""streaks: weeks in a row with an award, kept on the balance row (`streak_week`,
`streak_weeks`, `best_streak_weeks`, `streak_freezes`), the four streak badges, and the streaks
of the ledgers so far, replayed award by award as the award path advances them

Revision ID: 0047
Revises: 0045
Create Date: 2026-12-02 07:40:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from alembic import op
from portal import zones
from portal.config import Settings
from portal.points.service.streaks import Streak, week_of

revision: str = "0047"
down_revision: str | None = "0045"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000
COLUMNS = ("streak_week", "streak_weeks", "best_streak_weeks", "streak_freezes")
BADGES = [
    ("streak_4", "4-week streak", "Earned points 4 weeks in a row.", "flame"),
    ("streak_12", "12-week streak", "Earned points 12 weeks in a row.", "zap"),
    ("streak_26", "26-week streak", "Earned points 26 weeks in a row.", "rocket"),
    ("streak_52", "52-week streak", "Earned points every week for a year.", "crown"),
]

ledger = sa.table(
    "points_ledger",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("state", sa.String),
    sa.column("created_at", sa.DateTime),
)
users = sa.table("users", sa.column("id", sa.Integer), sa.column("time_zone", sa.String))
settings = sa.table("program_settings", sa.column("key", sa.String), sa.column("value", sa.JSON))
balances = sa.table(
    "points_balances",
    sa.column("user_id", sa.Integer),
    sa.column("streak_week", sa.Date),
    sa.column("streak_weeks", sa.Integer),
    sa.column("best_streak_weeks", sa.Integer),
    sa.column("streak_freezes", sa.Integer),
)
badges = sa.table(
    "badges",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("description", sa.String),
    sa.column("rule", sa.String),
    sa.column("icon", sa.String),
    sa.column("is_active", sa.Boolean),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
user_badges = sa.table("user_badges", sa.column("badge_id", sa.Integer))


def upgrade() -> None:
    op.add_column("points_balances", sa.Column("streak_week", sa.Date(), nullable=True))
    for name in COLUMNS[1:]:
        op.add_column(
            "points_balances", sa.Column(name, sa.Integer(), server_default="0", nullable=False)
        )
    op.bulk_insert(
        badges,
        [
            {
                "name": name,
                "description": description,
                "rule": rule,
                "icon": icon,
                "is_active": True,
                "created_at": datetime.now(UTC),
            }
            for rule, name, description, icon in BADGES
        ],
    )
    _backfill()


def _backfill() -> None:
    """Each person's streak as the award path would have kept it: their posted awards in time
    order, each week in their zone (else the program's), freezes at the program's interval."""
    connection = op.get_bind()
    stored = dict(connection.execute(sa.select(settings.c.key, settings.c.value)).all())
    program_zone = str(stored.get("time_zone") or Settings().portal_time_zone)
    program_zone = program_zone if zones.is_zone(program_zone) else "UTC"
    freeze_every = int(stored.get("points.streak_freeze_weeks") or 4)
    own_zones: dict[int, str] = dict(
        connection.execute(
            sa.select(users.c.id, users.c.time_zone).where(users.c.time_zone != "")
        ).all()
    )
    streaks: dict[int, Streak] = {}
    # Read a batch at a time by key, not through a server-side cursor: on PostgreSQL an open
    # cursor on the ledger would stop a later migration in this transaction from altering it.
    order = (ledger.c.user_id, ledger.c.created_at, ledger.c.id)
    query = (
        sa.select(*order)
        .where(ledger.c.kind == "award", ledger.c.state == "posted")
        .order_by(*order)
        .limit(BATCH)
    )
    last: tuple[int, datetime, int] | None = None
    while True:
        batch = connection.execute(
            query if last is None else query.where(sa.tuple_(*order) > last)
        ).all()
        for user_id, created_at, _entry_id in batch:
            moment = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
            zone = zones.person_zone(own_zones.get(user_id, ""), program_zone)
            kept = streaks.get(user_id, Streak())
            streaks[user_id] = kept.advanced(week_of(moment, zone), freeze_every)
        if len(batch) < BATCH:
            break
        last = tuple(batch[-1])
    change = (
        sa.update(balances)
        .where(balances.c.user_id == sa.bindparam("person"))
        .values({name: sa.bindparam(name) for name in COLUMNS})
    )
    values = [
        {
            "person": user_id,
            "streak_week": streak.week,
            "streak_weeks": streak.weeks,
            "best_streak_weeks": streak.best,
            "streak_freezes": streak.freezes,
        }
        for user_id, streak in streaks.items()
    ]
    for offset in range(0, len(values), BATCH):
        connection.execute(change, values[offset : offset + BATCH])


def downgrade() -> None:
    streak_badges = sa.select(badges.c.id).where(badges.c.rule.in_([b[0] for b in BADGES]))
    op.execute(sa.delete(user_badges).where(user_badges.c.badge_id.in_(streak_badges)))
    op.execute(sa.delete(badges).where(badges.c.rule.in_([b[0] for b in BADGES])))
    # Nothing references `points_balances`, but a plain DROP COLUMN is enough on both engines.
    for name in reversed(COLUMNS):
        op.drop_column("points_balances", name)
