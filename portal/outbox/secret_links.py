"""Secret links in stored emails (kinds.SECRET_LINKS): masked wherever staff read an email, and
purged from its stored bodies once it is sent or has failed for good. Only the person an email
was sent to ever uses its token; the one exception is `copyable`."""

import re
from collections.abc import Callable

from portal import links
from portal.outbox.kinds import KINDS, SECRET_LINKS, SecretLink
from portal.outbox.models import OutboxEmail
from portal.people.models import Role, User

MASK = "••••••"
_SLOT = "SECRET"
# A token runs to the next character that ends a path segment, a URL or an HTML attribute.
_PATH_SEGMENT = r"[^\s\"'<>/?#&]+"


def _masker(secret: SecretLink) -> Callable[[str], str]:
    prefix, _, suffix = links.path_for(secret.route, token=_SLOT).partition(_SLOT)
    pattern = re.compile(re.escape(prefix) + _PATH_SEGMENT + re.escape(suffix))
    return lambda text: pattern.sub(prefix + MASK + suffix, text)


def mask(text: str, *, keep: SecretLink | None = None) -> str:
    """The text with the token of every secret link (but `keep`'s) replaced by the mask."""
    for secret in SECRET_LINKS:
        if secret is not keep:
            text = _masker(secret)(text)
    return text


def purge(email: OutboxEmail) -> None:
    """Keeps only the masked form of the email's secret links, in its bodies and headers."""
    email.text_body = mask(email.text_body)
    email.html_body = mask(email.html_body)
    email.headers = {name: mask(value) for name, value in email.headers.items()}


def copyable(
    email: OutboxEmail, *, viewer: User, recipient: User | None, smtp_configured: bool
) -> SecretLink | None:
    """The secret link this viewer may copy from this email: only while no SMTP is set, only an
    invitation, and only one the viewer could have issued (an admin's only to an admin)."""
    kind = KINDS.get(email.kind)
    secret = kind.secret if kind else None
    if smtp_configured or secret is None or not secret.issuers_may_copy or recipient is None:
        return None
    if recipient.has_role(Role.ADMIN) and not viewer.has_role(Role.ADMIN):
        return None
    if not viewer.has_role(Role.ADMIN, Role.MARKETER):
        return None
    return secret
