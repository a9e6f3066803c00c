"""Small, real files made in code: the demo library and the tests upload these."""

import io
import struct
import zipfile
import zlib
from pathlib import Path

from portal.config import ROOT

# A two-second 64x48 WebM (VP8), recorded from a canvas by scripts/make_test_video.py.
TEST_VIDEO = ROOT / "portal" / "content" / "fixtures" / "training.webm"
VIDEO_SECONDS = 2.0  # how long the training video plays


def pdf(title: str, lines: list[str] | None = None) -> bytes:
    """A one-page PDF with a title and a few lines of text, with a correct xref table."""
    text_lines = [title, *(lines or [])]

    def escape(value: str) -> str:
        ascii_text = value.encode("ascii", "replace").decode()
        return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    commands = ["BT", "/F1 20 Tf", "72 760 Td", f"({escape(text_lines[0])}) Tj", "/F1 12 Tf"]
    for line in text_lines[1:]:
        commands += ["0 -24 Td", f"({escape(line)}) Tj"]
    commands.append("ET")
    stream = "\n".join(commands).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def png(width: int = 32, height: int = 32, rgb: tuple[int, int, int] = (37, 99, 235)) -> bytes:
    """A solid-colour PNG with a lighter diagonal band."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    light = tuple(min(255, c + 90) for c in rgb)
    rows = b""
    for y in range(height):
        row = b"\x00"
        for x in range(width):
            row += bytes(light if abs(x - y) < max(2, width // 8) else rgb)
        rows += row
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def csv_text(rows: list[list[str]]) -> bytes:
    return ("\r\n".join(",".join(cells) for cells in rows) + "\r\n").encode()


def zip_archive(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def training_video() -> bytes:
    return Path(TEST_VIDEO).read_bytes()
