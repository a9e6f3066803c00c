"""badge icons: a name from the portal's SVG icon set instead of an emoji

Revision ID: 0026
Revises: 0027
Create Date: 2026-12-01 23:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0026"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

badges = sa.table("badges", sa.column("icon", sa.String))

# The emoji the portal seeded or suggested, and the icon that says the same.
EMOJI_TO_ICON = {
    "🤝": "handshake",
    "🏆": "trophy",
    "🚀": "rocket",
    "🔥": "flame",
    "📚": "book-open",
    "⭐": "star",
    "★": "star",
    "🌟": "sparkles",
    "👑": "crown",
    "🎤": "mic",
    "🎉": "party-popper",
    "💡": "lightbulb",
    "❤️": "heart",
    "👍": "thumbs-up",
    "🎯": "target",
    "💎": "gem",
    "🏅": "medal",
    "🎓": "graduation-cap",
    "📣": "megaphone",
    "⚡": "zap",
}
DEFAULT_ICON = "award"


def upgrade() -> None:
    with op.batch_alter_table("badges") as batch:
        batch.alter_column("icon", existing_type=sa.String(length=8), type_=sa.String(length=40))
    for emoji, name in EMOJI_TO_ICON.items():
        op.execute(badges.update().where(badges.c.icon == emoji).values(icon=name))
    # Any other emoji a marketer typed gets the general badge icon.
    op.execute(
        badges.update()
        .where(badges.c.icon.notin_(sorted(set(EMOJI_TO_ICON.values()))))
        .values(icon=DEFAULT_ICON)
    )


def downgrade() -> None:
    icon_to_emoji = {name: emoji for emoji, name in EMOJI_TO_ICON.items() if emoji != "★"}
    for name, emoji in icon_to_emoji.items():
        op.execute(badges.update().where(badges.c.icon == name).values(icon=emoji))
    op.execute(
        badges.update().where(badges.c.icon.notin_(sorted(icon_to_emoji.values()))).values(icon="★")
    )
    with op.batch_alter_table("badges") as batch:
        batch.alter_column("icon", existing_type=sa.String(length=40), type_=sa.String(length=8))
