"""The icon set: SVGs vendored from lucide-static (static/vendor/lucide, ISC licence beside
them, copied by scripts/vendor-icons.sh), drawn inline so they need no font, no request and no
script. `icon(name, label)` is a template global; with a label the SVG is an image with that
accessible name, without one it is decoration hidden from screen readers."""

import re
from pathlib import Path

from markupsafe import Markup, escape

from portal.config import ROOT

ICON_DIR = ROOT / "static" / "vendor" / "lucide"
_INNER = re.compile(r"<svg[^>]*>(?P<inner>.*)</svg>", re.DOTALL)


def _load(directory: Path) -> dict[str, str]:
    """Each icon's drawing (the elements inside its <svg>), by file name."""
    drawings = {}
    for path in sorted(directory.glob("*.svg")):
        match = _INNER.search(path.read_text())
        if match is not None:
            drawings[path.stem] = " ".join(match["inner"].split())
    return drawings


ICONS = _load(ICON_DIR)

# What a badge may show, in the order the picker offers them.
BADGE_ICONS = (
    "award",
    "trophy",
    "medal",
    "star",
    "sparkles",
    "crown",
    "gem",
    "rocket",
    "flame",
    "zap",
    "target",
    "handshake",
    "heart",
    "thumbs-up",
    "party-popper",
    "megaphone",
    "mic",
    "lightbulb",
    "book-open",
    "graduation-cap",
    "users-round",
    "badge-check",
)
DEFAULT_BADGE_ICON = "award"


def icon(name: str, label: str = "", *, size: int = 20, css: str = "") -> Markup:
    """An inline SVG icon from the set (an unknown name draws the default badge icon rather
    than nothing, so a renamed icon never leaves a hole)."""
    drawing = ICONS.get(name) or ICONS[DEFAULT_BADGE_ICON]
    hidden = 'aria-hidden="true" focusable="false"'
    naming = f'role="img" aria-label="{escape(label)}"' if label else hidden
    classes = f"icon icon-{escape(name)}" + (f" {escape(css)}" if css else "")
    # The drawing is our own vendored file, never user input.
    return Markup(  # noqa: S704
        f'<svg class="{classes}" {naming} width="{size}" height="{size}" viewBox="0 0 24 24" '
        'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" '
        f'stroke-linejoin="round">{drawing}</svg>'
    )
