"""argon2 runs in worker threads, a few at a time, and an unknown email costs a hash too."""

import asyncio
import threading
import time
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth import service as auth
from portal.auth.service import passwords
from tests.factories import make_advocate


async def test_the_event_loop_stays_free_while_passwords_hash() -> None:
    finished: list[str] = []

    async def hash_one(number: int) -> None:
        await passwords.hash_password(f"password number {number}")
        finished.append("hash")

    async def trivial() -> None:
        finished.append("trivial")

    await asyncio.gather(*(hash_one(number) for number in range(6)), trivial())
    assert finished == ["trivial"] + ["hash"] * 6


class RecordingHasher(PasswordHasher):
    """Counts the verifications, and how many hashes run at the same moment."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.lock = threading.Lock()
        self.running = self.most_at_once = self.verified = 0

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        with self.lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(0.01)  # long enough for the others to start, if they may
        with self.lock:
            self.running -= 1
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        with self.lock:
            self.verified += 1
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> RecordingHasher:
    recording = RecordingHasher()
    monkeypatch.setattr(passwords, "_hasher", recording)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", recording.hash("dummy"))
    recording.most_at_once = recording.verified = 0
    return recording


async def test_at_most_a_few_passwords_hash_at_once(hasher: RecordingHasher) -> None:
    await asyncio.gather(*(passwords.hash_password(f"password {n}") for n in range(12)))
    assert 1 <= hasher.most_at_once <= passwords.HASHING_THREADS


async def test_an_unknown_email_costs_a_password_check_like_a_known_one(
    session: AsyncSession, hasher: RecordingHasher
) -> None:
    user = await make_advocate(session)
    for email in (user.email, "nobody@example.com"):
        with pytest.raises(auth.InvalidCredentials):
            await auth.authenticate(
                session,
                email=email,
                password="not the password",
                client_address="10.0.0.1",
                secret="secret",
                max_failures=5,
                window=timedelta(minutes=15),
            )
    assert hasher.verified == 2
