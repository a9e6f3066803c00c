"""messages: broadcasts, their audiences and deliveries, and message templates; the
onboarding and re-engagement sequences as editable rows, seeded with the steps that were fixed
in code (same keys, days and emails, so nothing changes until a marketer edits them)

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-01 23:40:00
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from alembic import op

revision: str = "0023"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time_zone", sa.String(length=60), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_broadcasts_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    op.create_index(op.f("ix_broadcasts_status"), "broadcasts", ["status"])
    op.create_table(
        "broadcast_groups",
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name=op.f("fk_broadcast_groups_broadcast_id_broadcasts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_broadcast_groups_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("broadcast_id", "group_id", name=op.f("pk_broadcast_groups")),
    )
    op.create_table(
        "broadcast_people",
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name=op.f("fk_broadcast_people_broadcast_id_broadcasts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_broadcast_people_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("broadcast_id", "user_id", name=op.f("pk_broadcast_people")),
    )
    op.create_table(
        "broadcast_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("emailed", sa.Boolean(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clicked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name=op.f("fk_broadcast_deliveries_broadcast_id_broadcasts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_broadcast_deliveries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast_deliveries")),
        sa.UniqueConstraint(
            "broadcast_id", "user_id", name=op.f("uq_broadcast_deliveries_broadcast_id")
        ),
        sa.UniqueConstraint("token", name=op.f("uq_broadcast_deliveries_token")),
    )
    op.create_index(op.f("ix_broadcast_deliveries_user_id"), "broadcast_deliveries", ["user_id"])
    op.create_table(
        "message_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_message_templates_name")),
    )
    steps = op.create_table(
        "sequence_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("email_kind", sa.String(length=60), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("only_if_quiet", sa.Boolean(), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sequence_steps")),
        sa.UniqueConstraint("key", name=op.f("uq_sequence_steps_key")),
    )
    _seed_sequences(steps)


def _quiet_days() -> int:
    """The re-engagement delay a program may have stored while it was a setting (default 30)."""
    stored = (
        op.get_bind()
        .execute(sa.text("SELECT value FROM program_settings WHERE key = 'reengage_after_days'"))
        .scalar()
    )
    if stored is None:
        return 30
    return int(json.loads(stored) if isinstance(stored, str) else stored)


def _seed_sequences(table: sa.Table) -> None:
    quiet = _quiet_days()
    onboarding = [
        ("onboarding_welcome", 0, "onboarding_welcome", False),
        ("onboarding_challenges", 2, "onboarding_challenges", False),
        ("onboarding_training", 7, "onboarding_training", False),
        ("onboarding_refer", 14, "onboarding_refer", False),
        ("onboarding_check_in", 21, "onboarding_check_in", True),
    ]
    rows = [
        {
            "sequence": "onboarding",
            "key": key,
            "days": days,
            "email_kind": kind,
            "only_if_quiet": quiet_only,
        }
        for key, days, kind, quiet_only in onboarding
    ]
    rows += [
        {
            "sequence": "reengagement",
            "key": "quiet_first",
            "days": quiet,
            "email_kind": "quiet_nudge",
            "only_if_quiet": False,
        },
        {
            "sequence": "reengagement",
            "key": "quiet_second",
            "days": 2 * quiet,
            "email_kind": "quiet_nudge",
            "only_if_quiet": False,
            "subject": "{first_name}, your {balance} points are waiting",
        },
    ]
    now = datetime.now(UTC)
    op.bulk_insert(
        table,
        [
            {"subject": "", "body_html": "", "is_enabled": True, "updated_at": now, **row}
            for row in rows
        ],
    )


def downgrade() -> None:
    op.drop_table("sequence_steps")
    op.drop_table("message_templates")
    op.drop_index(op.f("ix_broadcast_deliveries_user_id"), table_name="broadcast_deliveries")
    op.drop_table("broadcast_deliveries")
    op.drop_table("broadcast_people")
    op.drop_table("broadcast_groups")
    op.drop_index(op.f("ix_broadcasts_status"), table_name="broadcasts")
    op.drop_table("broadcasts")
