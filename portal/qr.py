"""A QR code (a referral link, a two-factor key) as the data of one SVG path, rendered by the
template, so no markup is built in Python and nothing needs `|safe`."""

from dataclasses import dataclass

import segno


@dataclass(frozen=True)
class QrCode:
    size: int  # modules per side, quiet zone included
    path: str  # SVG path data: one 1x1 square per dark module


def qr_code(url: str, *, border: int = 2) -> QrCode:
    qr = segno.make(url, error="m", micro=False)
    parts = []
    for y, row in enumerate(qr.matrix):
        for x, dark in enumerate(row):
            if dark:
                parts.append(f"M{x + border} {y + border}h1v1h-1z")
    size = len(qr.matrix) + 2 * border
    return QrCode(size=size, path="".join(parts))
