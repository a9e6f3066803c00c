"""Disposable (throw-away) email addresses, from the maintained `disposable-email-domains`
list (thousands of domains, updated with each release) rather than a list of our own."""

from disposable_email_domains import blocklist


def is_disposable(email: str) -> bool:
    """True for an address at a listed domain or any of its subdomains."""
    labels = email.rpartition("@")[2].strip().lower().rstrip(".").split(".")
    return any(".".join(labels[i:]) in blocklist for i in range(len(labels) - 1))
