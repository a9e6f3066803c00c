"""The one place user-written HTML is cleaned (the only module allowed to import bleach).
Cleaned text is stored in columns named `*_html`; templates may mark only those `|safe`."""

import html
import re
from collections.abc import Callable

import bleach
from bleach.callbacks import nofollow

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "em",
        "h2",
        "h3",
        "h4",
        "i",
        "img",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "u",
        "ul",
    }
)
# Images only from our own content storage, as the community serves them: a relative path to an
# unguessable stored name (never another site, which would learn who reads the post, and never a
# `javascript:` or `data:` URL).
STORED_IMAGE_PATH = "/community/images/"
_OWN_IMAGE = re.compile(re.escape(STORED_IMAGE_PATH) + r"[A-Za-z0-9_-]{16,64}")


def _image_attribute(tag: str, name: str, value: str) -> bool:
    return name == "alt" or (name == "src" and _OWN_IMAGE.fullmatch(value) is not None)


ALLOWED_ATTRIBUTES: dict[str, list[str] | Callable[[str, str, str], bool]] = {
    "a": ["href", "title"],
    "abbr": ["title"],
    "img": _image_attribute,
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
)


# What is left of an image whose source was refused: nothing to show, so nothing is kept.
_IMAGE_WITHOUT_SOURCE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def clean_html(text: str) -> str:
    """Allow-listed tags and attributes only: no scripts, no event handlers, no `javascript:`
    or `data:` URLs, no styles, images only from our storage. Plain text with line breaks
    becomes paragraphs."""
    text = text.strip()
    if not text:
        return ""
    if "<" not in text:
        paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
        text = "".join(
            "<p>" + bleach.clean(p, tags=set(), strip=True).replace("\n", "<br>") + "</p>"
            for p in paragraphs
        )
    cleaned = _IMAGE_WITHOUT_SOURCE.sub("", _cleaner.clean(text))
    return str(bleach.linkify(cleaned, callbacks=[nofollow], parse_email=False))


_LINK = re.compile(r'<a\s[^>]*href="([^"]*)"[^>]*>(.*?)</a>', re.DOTALL)
_BLOCK_END = re.compile(r"</(?:p|h2|h3|h4|li|blockquote|pre)>|<br\s*/?>")


def plain_text(cleaned_html: str) -> str:
    """The text version of cleaned HTML (for an email's text part): paragraphs on their own
    lines, each link as "words (address)"."""
    with_links = _LINK.sub(lambda m: f"{m.group(2)} ({html.unescape(m.group(1))})", cleaned_html)
    text = bleach.clean(_BLOCK_END.sub("\n\n", with_links), tags=set(), strip=True)
    return re.sub(r"\n{3,}", "\n\n", html.unescape(text)).strip()
