"""single sign-on: several providers, and accounts linked to the provider's (issuer, subject)

The one provider that OIDC_DISCOVERY_URL / OIDC_CLIENT_ID / OIDC_CLIENT_SECRET /
OIDC_PROVIDER_NAME configured becomes the first row of the list, with the slug "default",
whose redirect URI stays /login/sso/callback: installs that used them keep working.

Revision ID: 0035
Revises: 0028
Create Date: 2026-12-02 03:10:00
"""

import os
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from alembic import op

revision: str = "0035"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    providers = op.create_table(
        "sso_providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("preset", sa.String(length=20), nullable=False),
        sa.Column("discovery_url", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("client_secret", sa.String(length=500), nullable=False),
        sa.Column("allowed_domains", sa.String(length=1000), nullable=False),
        sa.Column("authoritative_domains", sa.String(length=1000), nullable=False),
        sa.Column("roles", sa.String(length=200), nullable=False),
        sa.Column("group_claim", sa.String(length=200), nullable=False),
        sa.Column("group_map", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_providers")),
        sa.UniqueConstraint("slug", name=op.f("uq_sso_providers_slug")),
    )
    op.create_table(
        "sso_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["sso_providers.id"],
            name=op.f("fk_sso_identities_provider_id_sso_providers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sso_identities_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_identities")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_sso_identities_issuer")),
    )
    op.create_index("ix_sso_identities_user_id", "sso_identities", ["user_id"])
    op.create_index("ix_sso_identities_provider_id", "sso_identities", ["provider_id"])
    _adopt_environment_provider(providers)


def _adopt_environment_provider(providers: sa.Table) -> None:
    """Read from the environment as the settings of those versions did (not through
    portal.config, which no longer needs these names)."""
    discovery_url = os.environ.get("OIDC_DISCOVERY_URL", "").strip()
    client_id = os.environ.get("OIDC_CLIENT_ID", "").strip()
    if not (discovery_url and client_id):
        return
    name = os.environ.get("OIDC_PROVIDER_NAME", "").strip() or "single sign-on"
    now = datetime.now(UTC)
    # The old rule let any address through and signed in every role; the list keeps that.
    op.bulk_insert(
        providers,
        [
            {
                "slug": "default",
                "name": name[:80],
                "preset": "generic",
                "discovery_url": discovery_url,
                "client_id": client_id,
                "client_secret": os.environ.get("OIDC_CLIENT_SECRET", ""),
                "allowed_domains": "",
                "authoritative_domains": "",
                "roles": "advocate marketer sales admin",
                "group_claim": "",
                "group_map": [],
                "enabled": True,
                "position": 0,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_sso_identities_provider_id", table_name="sso_identities")
    op.drop_index("ix_sso_identities_user_id", table_name="sso_identities")
    op.drop_table("sso_identities")
    op.drop_table("sso_providers")
