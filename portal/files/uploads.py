"""Uploads: the type is decided from the file's bytes against an allow-list, never from the
name or the browser's claim; the size is capped while the stream is written."""

from collections.abc import AsyncIterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath

import filetype

from portal.errors import PortalError
from portal.files.storage import FileTooLarge, Storage, StoredFile
from portal.i18n import gettext


class FileKind(StrEnum):
    """What an accepted file is, as the pages that show it care: a document is downloaded,
    an image shown, a video streamed."""

    DOCUMENT = "document"
    IMAGE = "image"
    VIDEO = "video"


class UnsupportedFile(PortalError):
    status_code = 422


class UploadTooLarge(PortalError):
    status_code = 422


@dataclass(frozen=True)
class FileType:
    content_type: str
    kind: FileKind
    extensions: frozenset[str]
    label: str


def _type(content_type: str, kind: FileKind, extensions: str, label: str) -> FileType:
    return FileType(content_type, kind, frozenset(extensions.split()), label)


DOC = FileKind.DOCUMENT
ALLOWED = {
    t.content_type: t
    for t in [
        _type("application/pdf", DOC, "pdf", "PDF"),
        _type(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            DOC,
            "docx",
            "Word document",
        ),
        _type(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            DOC,
            "xlsx",
            "Excel workbook",
        ),
        _type(
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            DOC,
            "pptx",
            "PowerPoint presentation",
        ),
        _type("application/msword", DOC, "doc", "Word document"),
        _type("application/vnd.ms-excel", DOC, "xls", "Excel workbook"),
        _type("application/vnd.ms-powerpoint", DOC, "ppt", "PowerPoint presentation"),
        _type("application/vnd.oasis.opendocument.text", DOC, "odt", "OpenDocument text"),
        _type("application/vnd.oasis.opendocument.spreadsheet", DOC, "ods", "OpenDocument sheet"),
        _type(
            "application/vnd.oasis.opendocument.presentation",
            DOC,
            "odp",
            "OpenDocument presentation",
        ),
        _type("application/zip", DOC, "zip", "ZIP archive"),
        _type("text/csv", DOC, "csv", "CSV spreadsheet"),
        _type("image/png", FileKind.IMAGE, "png", "PNG image"),
        _type("image/jpeg", FileKind.IMAGE, "jpg jpeg", "JPEG image"),
        _type("image/gif", FileKind.IMAGE, "gif", "GIF image"),
        _type("image/webp", FileKind.IMAGE, "webp", "WebP image"),
        _type("video/mp4", FileKind.VIDEO, "mp4 m4v", "MP4 video"),
        _type("video/webm", FileKind.VIDEO, "webm", "WebM video"),
    ]
}
# Office files are ZIP archives; a sniffer that sees only the first bytes may say "zip".
OFFICE_ZIPS = {"docx", "xlsx", "pptx", "odt", "ods", "odp"}
ALLOWED_LIST = "PDF, Word, Excel, PowerPoint, CSV, ZIP, PNG, JPEG, GIF, WebP, MP4 or WebM"
HTML_MARKERS = (b"<!doctype", b"<html", b"<script", b"<head", b"<body", b"<svg", b"<?xml")


def extension_of(filename: str) -> str:
    return PurePath(filename).suffix.lower().lstrip(".")


def _looks_like_csv(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # only a character cut at the end of the head is fine
            return False
        text = head[: error.start].decode("utf-8")
    lowered = text.lstrip("\ufeff \t\r\n").lower().encode()
    return bool(text.strip()) and not any(marker in lowered for marker in HTML_MARKERS)


def detect_type(head: bytes, filename: str) -> FileType:
    """What the bytes are, if they are something we accept; the name's extension must agree."""
    extension = extension_of(filename)
    guess = filetype.guess(head)
    content_type: str | None = guess.mime if guess is not None else None
    if content_type == "application/zip" and extension in OFFICE_ZIPS:
        content_type = next(t.content_type for t in ALLOWED.values() if extension in t.extensions)
    if content_type is None and extension == "csv" and _looks_like_csv(head):
        content_type = "text/csv"
    found = ALLOWED.get(content_type or "")
    if found is None:
        raise UnsupportedFile(
            f"“{filename}” is not a file type we accept"
            + (f" (its contents are {content_type})" if content_type else "")
            + f". Upload a {ALLOWED_LIST} file."
        )
    if extension and extension not in found.extensions:
        raise UnsupportedFile(
            f"“{filename}” is named .{extension} but its contents are a {found.label}. "
            "Check that you picked the right file."
        )
    return found


@dataclass(frozen=True)
class Upload:
    """An uploaded file as a stream of chunks, with the name the uploader gave it."""

    chunks: AsyncIterable[bytes]
    filename: str


@dataclass(frozen=True)
class SavedUpload:
    stored: StoredFile
    file_type: FileType
    filename: str  # the original name, with the right extension added when it had none


def clean_filename(filename: str) -> str:
    name = PurePath(filename.replace("\\", "/")).name.strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>')
    return name[:200] or "file"


async def save_upload(
    storage: Storage, chunks: AsyncIterable[bytes], *, filename: str, max_bytes: int
) -> SavedUpload:
    """Stream to storage, then decide the type; a refused file leaves nothing behind."""
    filename = clean_filename(filename)
    try:
        stored = await storage.save(chunks, max_bytes=max_bytes)
    except FileTooLarge as error:
        raise UploadTooLarge(
            f"“{filename}” is larger than the limit of {error.limit_bytes // (1024 * 1024)} MB."
        ) from error
    if stored.size == 0:
        await storage.delete(stored.name)
        raise UnsupportedFile(gettext("“%(file)s” is empty.") % {"file": filename})
    try:
        file_type = detect_type(stored.head, filename)
    except UnsupportedFile:
        await storage.delete(stored.name)
        raise
    if not extension_of(filename):
        filename = f"{filename}.{sorted(file_type.extensions)[0]}"
    return SavedUpload(stored=stored, file_type=file_type, filename=filename)
