"""api: API tokens (hashed, scoped), their per-minute request counts for the rate limit
without Redis, the token as an actor in the audit log, the CRM's stage names, and the event
types and events of the events API

Revision ID: 0024
Revises: 0026
Create Date: 2026-12-01 23:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0024"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.String(length=300), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_address_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_api_tokens_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_tokens_prefix")),
    )
    op.create_table(
        "api_rate_windows",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_tokens.id"],
            name=op.f("fk_api_rate_windows_token_id_api_tokens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_id", "minute", name=op.f("pk_api_rate_windows")),
    )
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("api_token_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_audit_log_api_token_id"), ["api_token_id"])
        batch.create_foreign_key(
            batch.f("fk_audit_log_api_token_id_api_tokens"),
            "api_tokens",
            ["api_token_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "referral_crm_stage_names",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_crm_stage_names")),
        sa.UniqueConstraint("key", name=op.f("uq_referral_crm_stage_names_key")),
    )
    op.create_table(
        "advocacy_event_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_advocacy_event_types_challenge_id_challenges"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advocacy_event_types")),
        sa.UniqueConstraint("key", name=op.f("uq_advocacy_event_types_key")),
    )
    op.create_table(
        "advocacy_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_type_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("completed_challenge_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_type_id"],
            ["advocacy_event_types.id"],
            name=op.f("fk_advocacy_events_event_type_id_advocacy_event_types"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_advocacy_events_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["completed_challenge_id"],
            ["challenges.id"],
            name=op.f("fk_advocacy_events_completed_challenge_id_challenges"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advocacy_events")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_advocacy_events_idempotency_key")),
    )
    op.create_index(op.f("ix_advocacy_events_event_type_id"), "advocacy_events", ["event_type_id"])
    op.create_index(op.f("ix_advocacy_events_user_id"), "advocacy_events", ["user_id"])


def downgrade() -> None:
    op.drop_table("advocacy_events")
    op.drop_table("advocacy_event_types")
    op.drop_table("referral_crm_stage_names")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint(batch.f("fk_audit_log_api_token_id_api_tokens"), type_="foreignkey")
        batch.drop_index(batch.f("ix_audit_log_api_token_id"))
        batch.drop_column("api_token_id")
    op.drop_table("api_rate_windows")
    op.drop_table("api_tokens")
