"""Program settings: typed values with defaults, stored as rows so every worker agrees."""

import secrets
from collections.abc import Collection
from dataclasses import asdict, dataclass, fields, replace
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import events, i18n, zones
from portal.audit import service as audit
from portal.i18n import N_
from portal.people.models import User
from portal.program import cache
from portal.program.models import ProgramSetting

CACHE_KEY = "program_config"


class SignupMode(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    APPROVAL = "approval"

    @property
    def label(self) -> str:
        return {
            "closed": N_("Closed: people join by invitation only"),
            "open": N_("Open: anyone can sign up as an advocate"),
            "approval": N_("Open with approval: a marketer approves each sign-up"),
        }[self.value]


class DisposableEmails(StrEnum):
    """What open sign-up and referrals do with throw-away email addresses."""

    FLAG = "flag"
    REFUSE = "refuse"

    @property
    def label(self) -> str:
        return {
            "flag": N_("Allow, but look first: sign-ups wait for approval, referrals are flagged"),
            "refuse": N_("Refuse: the form asks for another address"),
        }[self.value]


@dataclass(frozen=True)
class ProgramConfig:
    program_name: str = "Advocate Portal"
    tagline: str = "Share what you love, earn rewards."
    signup_mode: SignupMode = SignupMode.CLOSED
    leaderboard_excludes_staff: bool = True
    # Reports value the outstanding points at this rate: this many points are worth 1 (money).
    points_per_money_unit: int = 100
    # ISO 4217 code that deal values are shown in (Babel formats them).
    currency: str = "USD"
    # An admin without two-factor sign-in is held at its setup page after signing in.
    admins_require_two_factor: bool = False
    disposable_emails: DisposableEmails = DisposableEmails.FLAG
    # The program's time zone (an IANA name): weeks and months of the boards begin at its
    # midnight, and it is everyone's until they choose their own. "": PORTAL_TIME_ZONE's.
    time_zone: str = ""
    # The language of people who chose none and whose browser asks for none the portal speaks
    # (a code with a catalogue). "": PORTAL_LANGUAGE's.
    language: str = ""

    @property
    def language_code(self) -> str:
        return i18n.match(self.language) or i18n.program_default()

    @property
    def zone_name(self) -> str:
        return self.time_zone if zones.is_zone(self.time_zone) else zones.program_default()

    @property
    def zone(self) -> ZoneInfo:
        return zones.zone(self.zone_name)


async def load(session: AsyncSession) -> ProgramConfig:
    rows = await session.scalars(select(ProgramSetting))
    stored = {row.key: row.value for row in rows}
    known = {f.name for f in fields(ProgramConfig)}
    values: dict[str, Any] = {k: v for k, v in stored.items() if k in known}
    if "signup_mode" in values:
        values["signup_mode"] = SignupMode(values["signup_mode"])
    if "disposable_emails" in values:
        values["disposable_emails"] = DisposableEmails(values["disposable_emails"])
    return ProgramConfig(**values)


async def load_once(session: AsyncSession) -> ProgramConfig:
    """The settings, read once per transaction for what needs them per row (every email names
    the program, and a sweep writes thousands); `update` drops the copy."""
    if CACHE_KEY not in session.info:
        session.info[CACHE_KEY] = await cache.cached(session, CACHE_KEY, load)
    config: ProgramConfig = session.info[CACHE_KEY]
    return config


async def update(session: AsyncSession, *, actor: User | None, **changes: Any) -> ProgramConfig:
    """Saves the settings. A new time zone moves where weeks and months begin: the points
    domain hears `ProgramZoneChanged` in this transaction and rekeys its period totals."""
    before = await load(session)
    after = replace(before, **changes)
    session.info.pop(CACHE_KEY, None)
    await store_changes(
        session,
        actor=actor,
        before=asdict(before),
        after=asdict(after),
        prefix="",
        action="settings.update",
        summary="Changed",
    )
    if after.zone_name != before.zone_name:
        await events.publish(session, events.ProgramZoneChanged(time_zone=after.zone_name))
    return after


async def store_changes(
    session: AsyncSession,
    *,
    actor: User | None,
    before: dict[str, Any],
    after: dict[str, Any],
    prefix: str,
    action: str,
    summary: str,
) -> None:
    """Writes the settings that changed (under `prefix`) and one audit row naming them; a
    domain with settings of its own (referrals) keeps them here the same way."""
    changed = {k: v for k, v in after.items() if before[k] != v}
    for key, value in changed.items():
        row = await session.get(ProgramSetting, prefix + key)
        if row is None:
            session.add(ProgramSetting(key=prefix + key, value=value))
        else:
            row.value = value
    if changed:
        await audit.record(
            session,
            actor=actor,
            action=action,
            target_type="settings",
            target_id=None,
            summary=f"{summary} " + ", ".join(sorted(changed)),
            before={k: str(before[k]) for k in changed},
            after={k: str(v) for k, v in changed.items()},
        )
    await session.flush()


async def signing_key(session: AsyncSession, purpose: str) -> str:
    """A random key kept in the database for signing links of one purpose (every worker and
    every process that sends mail sees the same one); made on first use."""
    key = f"key:{purpose}"
    known: dict[str, str] = session.info.setdefault("signing_keys", {})
    if key not in known:  # once per transaction: a sweep signs thousands of links
        row = await session.get(ProgramSetting, key)
        if row is None:
            row = ProgramSetting(key=key, value=secrets.token_urlsafe(32))
            session.add(row)
            await session.flush()
        known[key] = str(row.value)
    return known[key]


Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])


async def in_send_hour(
    session: AsyncSession, query: Query, send_hour_zones: Collection[str] | None
) -> Query:
    """`query` (which selects or joins `User`) narrowed to the people whose clock shows the send
    hour: their own zone is one of `send_hour_zones`, or they chose none and the program's is.
    Without zones (a sweep run by hand), everyone."""
    if send_hour_zones is None:
        return query
    chosen = User.time_zone.in_(sorted(send_hour_zones))
    if (await load_once(session)).zone_name in send_hour_zones:
        return query.where(or_(chosen, User.time_zone == ""))
    return query.where(chosen)
