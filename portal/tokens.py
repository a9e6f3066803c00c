"""Secrets sent in links: random, stored only as a hash, compared in constant time."""

import hashlib
import hmac
import secrets
import string


def new_token() -> tuple[str, str]:
    """A token for a link, and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_hash(stored: str, token: str) -> bool:
    return hmac.compare_digest(stored, hash_token(token))


def keyed_hash(secret: str, value: str) -> str:
    """A salted hash for values we compare but must not keep (client addresses)."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


_CODE_ALPHABET = string.ascii_lowercase + string.digits


def new_referral_code() -> str:
    """Short, URL-safe and unguessable: 10 characters from 36 is about 51 bits."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
