"""Earning rules staff set (Manage → Pending points → Points rules): how long each source's
points stay pending before they are paid, how many points a person may earn in a day or a week
before further awards wait for review, and after how many months points expire. Kept as program
settings under `points.`."""

from dataclasses import asdict, dataclass, fields
from datetime import date
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.i18n import N_, gettext
from portal.people.models import User
from portal.program import cache
from portal.program import service as program
from portal.program.sections import read_section, store_section

PREFIX = "points."
CACHE_KEY = "points_rules"


EARNING_LABELS = {
    "referral": N_("Referrals (submitted to opportunity)"),
    "referral_won": N_("Referral won"),
    "challenge": N_("Challenges"),
    "content": N_("Content"),
    "advocacy": N_("Reviews and advocacy"),
}


class Earning(StrEnum):
    """Where earned points come from, as the rules group them."""

    REFERRAL = "referral"
    REFERRAL_WON = "referral_won"
    CHALLENGE = "challenge"
    CONTENT = "content"
    ADVOCACY = "advocacy"

    @property
    def label(self) -> str:
        return gettext(EARNING_LABELS[self.value])

    @property
    def short_label(self) -> str:
        """The label without its note, in English ("Referrals")."""
        return N_("Referrals") if self is Earning.REFERRAL else self.label

    @property
    def family(self) -> "Earning":
        """The source a cap counts under: a won referral is a referral."""
        return Earning.REFERRAL if self is Earning.REFERRAL_WON else self


# The ledger's source types that earn, and the rules they go by (others: staff awards, refunds).
EARNING_OF_SOURCE = {
    "referral": Earning.REFERRAL,
    "submission": Earning.CHALLENGE,
    "asset": Earning.CONTENT,
    "advocacy_event": Earning.ADVOCACY,
}
CAPPED = (Earning.REFERRAL, Earning.CHALLENGE, Earning.CONTENT, Earning.ADVOCACY)
MAX_DAYS = 365
MAX_CAP = 10_000_000
MAX_FREEZE_WEEKS = 52
MAX_EXPIRY_MONTHS = 120


@dataclass(frozen=True)
class EarnRules:
    # Days the points of each source stay pending before they are paid (0: paid at once).
    clear_referral_days: int = 0
    clear_referral_won_days: int = 0
    clear_challenge_days: int = 0
    clear_content_days: int = 0
    clear_advocacy_days: int = 0
    # Points a person may earn per day and per week, from all sources and from each (0: no cap).
    cap_day: int = 0
    cap_week: int = 0
    cap_referral_day: int = 0
    cap_referral_week: int = 0
    cap_challenge_day: int = 0
    cap_challenge_week: int = 0
    cap_content_day: int = 0
    cap_content_week: int = 0
    cap_advocacy_day: int = 0
    cap_advocacy_week: int = 0
    # A streak earns a freeze (streaks.py) every this many weeks.
    streak_freeze_weeks: int = 4
    # Points expire this many months after they were paid (0: never, the default)...
    expire_after_months: int = 0
    # ...counted from this day (ISO, the program's zone) for points paid before it: the day
    # expiry was switched on, so switching it on never takes points at once, without notice.
    expire_from: str = ""

    def clearance_days(self, earning: Earning) -> int:
        return int(getattr(self, f"clear_{earning.value}_days"))

    def cap(self, earning: Earning | None, span: str) -> int:
        """The cap of one source (or of all, `None`) per `span` ("day" or "week")."""
        prefix = f"cap_{earning.value}_" if earning else "cap_"
        return int(getattr(self, prefix + span))

    @property
    def expiry_start(self) -> date | None:
        """The first day points can be counted from toward expiry; None while it is off."""
        if not self.expire_after_months or not self.expire_from:
            return None
        return date.fromisoformat(self.expire_from)

    @property
    def has_caps(self) -> bool:
        return any(value for name, value in asdict(self).items() if name.startswith("cap_"))


async def load_rules(session: AsyncSession) -> EarnRules:
    return await read_section(session, EarnRules, prefix=PREFIX)


async def rules_once(session: AsyncSession) -> EarnRules:
    """The rules, read once per transaction (in a request, from the worker's copy of the
    program's settings while their version holds): every award consults them, and a sweep
    awards thousands; `save_rules` drops the copy."""
    if CACHE_KEY not in session.info:
        session.info[CACHE_KEY] = await cache.cached(session, CACHE_KEY, load_rules)
    rules: EarnRules = session.info[CACHE_KEY]
    return rules


def number_fields() -> list[str]:
    """The rules a form sets (the day expiry began is the portal's to keep)."""
    return [field.name for field in fields(EarnRules) if field.name != "expire_from"]


async def save_rules(session: AsyncSession, *, actor: User, **changes: int) -> EarnRules:
    """Saves what changed; switching expiry on (from off) starts its count today."""
    session.info.pop(CACHE_KEY, None)
    before = await load_rules(session)
    stored: dict[str, int | str] = dict(changes)
    if changes.get("expire_after_months") and not before.expire_after_months:
        zone = (await program.load_once(session)).zone
        stored["expire_from"] = utcnow().astimezone(zone).date().isoformat()
    return await store_section(
        session,
        before,
        stored,
        actor=actor,
        prefix=PREFIX,
        action="points.rules_updated",
        summary="Changed points clearance and caps:",
    )
