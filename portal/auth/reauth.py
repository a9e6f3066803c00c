"""The identity check behind portal.people.reauth's "Confirm it's you" prompt: the password,
and a code when two-factor sign-in is on, within the sign-in throttle (the app puts one in its
state); the pages of two-factor sign-in count their codes against the same limits."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth import service
from portal.config import Settings
from portal.people.models import User


@dataclass(frozen=True)
class PasswordAndCode:
    secret: str
    max_failures: int
    window: timedelta

    @classmethod
    def from_settings(cls, config: Settings) -> "PasswordAndCode":
        return cls(
            secret=config.secret_key.get_secret_value(),
            max_failures=config.login_max_failures,
            window=timedelta(minutes=config.login_window_minutes),
        )

    def attempt_for(self, client_address: str) -> service.Attempt:
        return service.Attempt(
            client_address=client_address,
            secret=self.secret,
            max_failures=self.max_failures,
            window=self.window,
        )

    async def asks_for_code(self, session: AsyncSession, *, user: User) -> bool:
        return await service.two_factor_on(session, user=user)

    async def confirm(
        self, session: AsyncSession, *, user: User, password: str, code: str, client_address: str
    ) -> None:
        await service.confirm_identity(
            session,
            user=user,
            password=password,
            code=code,
            attempt=self.attempt_for(client_address),
        )
