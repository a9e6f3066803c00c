"""Referral settings that marketers edit: the point structure per stage, the offer on the public
landing page, lead qualification (target and free-mail domains, routing rules) and the
attribution model."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from portal.people.models import User
from portal.program import cache
from portal.program.sections import read_section, store_section
from portal.referrals.models import CreditRule, Stage

PREFIX = "referrals."
CACHE_KEY = "referral_settings"

FREE_MAIL_DOMAINS = (
    "gmail.com googlemail.com yahoo.com yahoo.co.uk hotmail.com hotmail.co.uk outlook.com "
    "live.com msn.com aol.com icloud.com me.com mac.com proton.me protonmail.com gmx.com gmx.de "
    "gmx.net web.de mail.com yandex.com yandex.ru zoho.com fastmail.com tutanota.com hey.com "
    "orange.fr free.fr laposte.net libero.it qq.com 163.com naver.com"
)


@dataclass(frozen=True)
class ReferralSettings:
    points_submitted: int = 50
    points_contacted: int = 0
    points_qualified: int = 200
    points_opportunity: int = 300
    points_won: int = 1000
    offer_text: str = "Get 20% off your first year when you book a demo through this page."
    # Whitespace- or comma-separated domains; empty target list: every business domain qualifies.
    target_domains: str = ""
    free_mail_domains: str = FREE_MAIL_DOMAINS
    # One rule a line: "<domain or company> = <rep's email>".
    routing_rules: str = ""
    # An open referral with no change for this many days reminds its owner.
    stale_after_days: int = 14
    # Velocity: more than `burst_limit` referrals from one advocate within `burst_minutes`
    # flags the next ones.
    burst_limit: int = 5
    burst_minutes: int = 1440
    # Which of a prospect's visits through advocates' links wins the referral ("last_click" or
    # "first_click"), among those within the window.
    attribution_model: str = CreditRule.LAST_CLICK.value
    attribution_window_days: int = 30
    # The referred friend's welcome reward: sent when their referral reaches this stage ("":
    # never), with this offer and a code from the pool marked for friends in Manage → Rewards.
    friend_reward_stage: str = ""
    friend_offer: str = "As a thank-you for talking to us: 20% off your first year."
    # Advocates who recruit advocates: the recruiter's bonus when the recruit joins and when
    # they reach their milestone (their first won referral, or this many lifetime points when
    # not 0); with a second level, the recruiter's own recruiter earns the smaller bonuses.
    recruit_bonus_joined: int = 100
    recruit_bonus_milestone: int = 500
    recruit_milestone_points: int = 0
    recruit_levels: int = 1
    recruit_level2_bonus_joined: int = 25
    recruit_level2_bonus_milestone: int = 100

    @property
    def points_to_won(self) -> int:
        """Everything one referral pays on its way to won."""
        return sum(
            self.points_for(stage)
            for stage in (
                Stage.SUBMITTED,
                Stage.CONTACTED,
                Stage.QUALIFIED,
                Stage.OPPORTUNITY,
                Stage.WON,
            )
        )

    @property
    def friend_reward_at(self) -> Stage | None:
        return Stage(self.friend_reward_stage) if self.friend_reward_stage in set(Stage) else None

    def recruit_bonus(self, level: int, *, milestone: bool) -> int:
        """The bonus of a recruiter `level` steps above the recruit (0 beyond the setting)."""
        if level > self.recruit_levels:
            return 0
        if level == 1:
            return self.recruit_bonus_milestone if milestone else self.recruit_bonus_joined
        if milestone:
            return self.recruit_level2_bonus_milestone
        return self.recruit_level2_bonus_joined

    def points_for(self, stage: Stage) -> int:
        value = getattr(self, f"points_{stage.value}", 0)
        return int(value)

    @property
    def target_domain_set(self) -> frozenset[str]:
        return _domains(self.target_domains)

    @property
    def free_mail_domain_set(self) -> frozenset[str]:
        return _domains(self.free_mail_domains)

    def routes(self) -> list[tuple[str, str]]:
        """(domain or company, rep email) pairs, lower-cased, in the order written."""
        pairs = []
        for line in self.routing_rules.splitlines():
            match, _, email = line.partition("=")
            if match.strip() and email.strip():
                pairs.append((match.strip().lower(), email.strip().lower()))
        return pairs


def _domains(raw: str) -> frozenset[str]:
    return frozenset(
        part.strip().lower().lstrip("@") for part in raw.replace(",", " ").split() if part.strip()
    )


async def load_settings(session: AsyncSession) -> ReferralSettings:
    """The referral settings (a request reads them from the program cache)."""
    return await cache.cached(session, CACHE_KEY, _read_settings)


async def _read_settings(session: AsyncSession) -> ReferralSettings:
    return await read_section(session, ReferralSettings, prefix=PREFIX)


async def save_settings(session: AsyncSession, *, actor: User, **changes: Any) -> ReferralSettings:
    return await store_section(
        session,
        await load_settings(session),
        changes,
        actor=actor,
        prefix=PREFIX,
        action="referrals.settings_updated",
        summary="Changed referral settings:",
    )
