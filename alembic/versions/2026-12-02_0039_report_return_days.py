"""report return days: advocates active and people awarded points per UTC day, counted against
the day each was last active (or awarded) before, so a period's distinct count reads counters;
backfilled from the visits and the earned days

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEVER = "0001-01-01"
# (table, counter, the days it is made from, shards, who counts): the shards are the ones the
# daily actives and daily earners use.
RETURNS = (
    (
        "user_active_returns",
        "advocates",
        "user_active_days",
        16,
        "user_id IN (SELECT user_id FROM user_roles WHERE role = 'advocate')",
    ),
    ("points_earner_returns", "earners", "points_earned_days", 64, "1 = 1"),
)


def upgrade() -> None:
    never = f"DATE '{NEVER}'" if op.get_bind().dialect.name == "postgresql" else f"'{NEVER}'"
    for table, counter, days, shards, counted in RETURNS:
        op.create_table(
            table,
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("since", sa.Date(), nullable=False),
            sa.Column("shard", sa.Integer(), nullable=False),
            sa.Column(counter, sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("day", "since", "shard", name=op.f(f"pk_{table}")),
        )
        op.execute(
            f"INSERT INTO {table} (day, since, shard, {counter}) "  # noqa: S608 (constants only)
            f"SELECT day, since, shard, COUNT(*) FROM ("
            f"SELECT day, COALESCE(LAG(day) OVER (PARTITION BY user_id ORDER BY day), "
            f"{never}) AS since, user_id % {shards} AS shard "
            f"FROM {days} WHERE {counted}) AS returns GROUP BY day, since, shard"
        )


def downgrade() -> None:
    for table, *_ in RETURNS:
        op.drop_table(table)
