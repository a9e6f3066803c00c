"""Where each share action of a share_link challenge sends the advocate."""

from urllib.parse import quote, urlencode

from portal.i18n import N_

LABELS = {
    "linkedin": "LinkedIn",
    "x": "X",
    "facebook": "Facebook",
    "email": N_("Email"),
    "copy": N_("Copy link"),
}


def share_url(network: str, *, link: str, text: str, title: str) -> str:
    """The network's own share page for `link` (the advocate's personal link)."""
    if network == "linkedin":
        return "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": link})
    if network == "x":
        return "https://twitter.com/intent/tweet?" + urlencode({"text": text, "url": link})
    if network == "facebook":
        return "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": link})
    if network == "email":
        body = f"{text}\n\n{link}" if text else link
        return f"mailto:?subject={quote(title)}&body={quote(body)}"
    return link
