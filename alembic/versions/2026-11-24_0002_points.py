"""points ledger balances levels badges feed notifications

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 22:46:21.704147
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("min_points", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_levels")),
        sa.UniqueConstraint("min_points", name=op.f("uq_levels_min_points")),
        sa.UniqueConstraint("name", name=op.f("uq_levels_name")),
    )
    op.create_table(
        "activity_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("event_key", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_activity_feed_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_feed")),
        sa.UniqueConstraint("event_key", name="uq_activity_feed_event_key"),
    )
    with op.batch_alter_table("activity_feed", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activity_feed_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_activity_feed_user_id"), ["user_id"], unique=False)

    op.create_table(
        "badges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("rule", sa.String(length=30), nullable=False),
        sa.Column("level_id", sa.Integer(), nullable=True),
        sa.Column("icon", sa.String(length=8), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["level_id"], ["levels.id"], name=op.f("fk_badges_level_id_levels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badges")),
        sa.UniqueConstraint("name", name=op.f("uq_badges_name")),
    )
    op.create_table(
        "levels_reached",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("level_id", sa.Integer(), nullable=False),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["level_id"],
            ["levels.id"],
            name=op.f("fk_levels_reached_level_id_levels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_levels_reached_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "level_id", name=op.f("pk_levels_reached")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.String(length=500), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_user_id_read_at", ["user_id", "read_at"], unique=False
        )

    op.create_table(
        "points_balances",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("current", sa.Integer(), nullable=False),
        sa.Column("lifetime", sa.Integer(), nullable=False),
        sa.CheckConstraint("current >= 0", name=op.f("ck_points_balances_current_not_negative")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_points_balances_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_points_balances")),
    )
    with op.batch_alter_table("points_balances", schema=None) as batch_op:
        batch_op.create_index("ix_points_balances_lifetime", ["lifetime"], unique=False)

    op.create_table(
        "points_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("counts_toward_lifetime", sa.Boolean(), nullable=False),
        sa.Column("balance_after", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("source_type", sa.String(length=40), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=160), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("delta <> 0", name=op.f("ck_points_ledger_delta_not_zero")),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_points_ledger_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_points_ledger_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_ledger")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_points_ledger_idempotency_key")),
    )
    with op.batch_alter_table("points_ledger", schema=None) as batch_op:
        batch_op.create_index("ix_points_ledger_user_id_id", ["user_id", "id"], unique=False)

    op.create_table(
        "points_period_totals",
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_points_period_totals_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "period", "period_start", "user_id", name=op.f("pk_points_period_totals")
        ),
    )
    with op.batch_alter_table("points_period_totals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_points_period_totals_board", ["period", "period_start", "points"], unique=False
        )

    op.create_table(
        "user_badges",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("badge_id", sa.Integer(), nullable=False),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("awarded_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["awarded_by_id"],
            ["users.id"],
            name=op.f("fk_user_badges_awarded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["badge_id"],
            ["badges.id"],
            name=op.f("fk_user_badges_badge_id_badges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_badges_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "badge_id", name=op.f("pk_user_badges")),
    )
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "is_leaderboard_hidden", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("show_in_feed", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_roles_role"), ["role"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_status"), ["status"], unique=False)

    # The default point structure of DESIGN §3, and a balance for everyone already here.
    now = datetime.now(UTC)
    levels = sa.table(
        "levels",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("min_points", sa.Integer),
        sa.column("description", sa.String),
    )
    op.bulk_insert(
        levels,
        [
            {"id": 1, "name": "Insider", "min_points": 0, "description": "Welcome aboard."},
            {
                "id": 2,
                "name": "Advocate",
                "min_points": 500,
                "description": "You share what you love.",
            },
            {
                "id": 3,
                "name": "Champion",
                "min_points": 2000,
                "description": "People listen when you talk.",
            },
            {"id": 4, "name": "Legend", "min_points": 10000, "description": "The program's best."},
        ],
    )
    badges = sa.table(
        "badges",
        sa.column("name", sa.String),
        sa.column("description", sa.String),
        sa.column("rule", sa.String),
        sa.column("level_id", sa.Integer),
        sa.column("icon", sa.String),
        sa.column("is_active", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        badges,
        [
            {
                "name": name,
                "description": description,
                "rule": rule,
                "level_id": level_id,
                "icon": icon,
                "is_active": True,
                "created_at": now,
            }
            for name, description, rule, level_id, icon in [
                (
                    "First referral",
                    "Referred a friend for the first time.",
                    "first_referral",
                    None,
                    "🤝",
                ),
                (
                    "Deal maker",
                    "A referral of yours became a customer.",
                    "first_won_referral",
                    None,
                    "🏆",
                ),
                ("Go-getter", "Completed 5 challenges.", "challenges_5", None, "🚀"),
                ("Unstoppable", "Completed 25 challenges.", "challenges_25", None, "🔥"),
                (
                    "Bookworm",
                    "Downloaded your first piece of content.",
                    "first_download",
                    None,
                    "📚",
                ),
                ("Advocate", "Reached the Advocate level.", "level_reached", 2, "⭐"),
                ("Champion", "Reached the Champion level.", "level_reached", 3, "🌟"),
                ("Legend", "Reached the Legend level.", "level_reached", 4, "👑"),
            ]
        ],
    )
    op.execute(
        "INSERT INTO points_balances (user_id, current, lifetime) SELECT id, 0, 0 FROM users"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('levels', 'id'), 4)")


def downgrade() -> None:
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_roles_role"))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_status"))

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("show_in_feed")

    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_column("is_leaderboard_hidden")

    op.drop_table("user_badges")
    with op.batch_alter_table("points_period_totals", schema=None) as batch_op:
        batch_op.drop_index("ix_points_period_totals_board")

    op.drop_table("points_period_totals")
    with op.batch_alter_table("points_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_points_ledger_user_id_id")

    op.drop_table("points_ledger")
    with op.batch_alter_table("points_balances", schema=None) as batch_op:
        batch_op.drop_index("ix_points_balances_lifetime")

    op.drop_table("points_balances")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_id_read_at")

    op.drop_table("notifications")
    op.drop_table("levels_reached")
    op.drop_table("badges")
    with op.batch_alter_table("activity_feed", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_feed_user_id"))
        batch_op.drop_index(batch_op.f("ix_activity_feed_created_at"))

    op.drop_table("activity_feed")
    op.drop_table("levels")
