"""personal referral codes: a short code per person (`PRIYA-7K2`) to say or type when the
advocate's link is lost; existing people get one here

Revision ID: 0046
Revises: 0047
Create Date: 2026-12-02 07:40:00
"""

import secrets
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0046"
down_revision: str | None = "0047"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As portal.people.codes makes them when this migration was written (kept here so the
# migration does not change when the app's rules do).
SUFFIX_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _name_part(display_name: str, email: str) -> str:
    for text in (display_name, email.partition("@")[0]):
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        words = "".join(c if c.isalpha() else " " for c in ascii_text).split()
        if words:
            return words[0][:8].upper()
    return "FRIEND"


def upgrade() -> None:
    op.add_column("users", sa.Column("personal_code", sa.String(length=20), nullable=True))
    users = sa.table(
        "users",
        sa.column("id", sa.Integer()),
        sa.column("email", sa.String()),
        sa.column("display_name", sa.String()),
        sa.column("personal_code", sa.String()),
    )
    connection = op.get_bind()
    taken: set[str] = set()
    for user_id, email, display_name in connection.execute(
        sa.select(users.c.id, users.c.email, users.c.display_name).order_by(users.c.id)
    ):
        name = _name_part(display_name, email)
        code = ""
        while not code or code in taken:
            code = name + "-" + "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(3))
        taken.add(code)
        connection.execute(users.update().where(users.c.id == user_id).values(personal_code=code))
    op.create_index("ux_users_personal_code", "users", ["personal_code"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_users_personal_code", table_name="users")
    op.drop_column("users", "personal_code")
