"""One person's copy of a broadcast: their name filled in, and every web link in the body sent
through our own redirect (`/messages/go/<token>/<n>`), which counts the click and forwards.
No third party sees who clicked. The cleaning and text rendering are done once per broadcast
(`Prepared`); each copy only substitutes names and links."""

import html
import re
from dataclasses import dataclass

from portal import links
from portal.messages.models import Broadcast
from portal.people.models import User
from portal.sanitize import plain_text

# The cleaner writes every attribute in double quotes, with quotes inside escaped.
HREF = re.compile(r'href="(https?://[^"]*)"')
LINK_MARK = re.compile(r"@@link(\d+)@@")


@dataclass(frozen=True)
class Copy:
    subject: str
    body_html: str
    body_text: str


def link_targets(body_html: str) -> list[str]:
    """The body's web links, in order, once each: link n of a copy forwards to the n-th."""
    return list(dict.fromkeys(html.unescape(m) for m in HREF.findall(body_html)))


def _names(person: User) -> dict[str, str]:
    name = person.display_name or "there"
    return {"name": name, "first_name": name.split()[0] if name.split() else "there"}


def fill_names(text: str, person: User, *, escape: bool) -> str:
    """`{first_name}` and `{name}` become the person's (escaped when the text is HTML)."""
    for field, value in _names(person).items():
        text = text.replace("{" + field + "}", html.escape(value) if escape else value)
    return text


@dataclass(frozen=True)
class Prepared:
    """A broadcast's body with each web link replaced by a mark (`@@link0@@`), as HTML and as
    text: what every copy starts from."""

    subject: str
    body_html: str
    body_text: str

    @classmethod
    def of(cls, broadcast: Broadcast) -> "Prepared":
        targets = link_targets(broadcast.body_html)

        def mark(match: re.Match[str]) -> str:
            return f'href="@@link{targets.index(html.unescape(match.group(1)))}@@"'

        body_html = HREF.sub(mark, broadcast.body_html)
        return cls(broadcast.subject, body_html, plain_text(body_html))

    def copy_for(self, person: User, *, token: str, absolute: bool) -> Copy:
        """Absolute links for an email; paths for the portal's own page."""
        make = links.absolute_url if absolute else links.path_for

        def tracked(match: re.Match[str]) -> str:
            return make("messages:go", token=token, number=int(match.group(1)))

        return Copy(
            subject=fill_names(self.subject, person, escape=False),
            body_html=LINK_MARK.sub(tracked, fill_names(self.body_html, person, escape=True)),
            body_text=LINK_MARK.sub(tracked, fill_names(self.body_text, person, escape=False)),
        )


def personal_copy(broadcast: Broadcast, person: User, *, token: str, absolute: bool) -> Copy:
    return Prepared.of(broadcast).copy_for(person, token=token, absolute=absolute)


def preview_copy(broadcast: Broadcast, person: User) -> Copy:
    """What the person would see, links untouched (a preview counts nothing)."""
    body_html = fill_names(broadcast.body_html, person, escape=True)
    return Copy(
        subject=fill_names(broadcast.subject, person, escape=False),
        body_html=body_html,
        body_text=plain_text(body_html),
    )
