"""The layout's navigation: what each role sees. A domain adds its entries here when it lands."""

from dataclasses import dataclass

from portal.i18n import N_
from portal.people.models import Role, User


@dataclass(frozen=True)
class NavItem:
    label: str  # English, marked for the catalogue; the layout translates it
    route: str
    roles: frozenset[Role]
    # A path prefix whose pages (a topic, a category) also mark the entry as where one is.
    section: str = ""


MAIN = [
    # The order the brief gives for advocates: Home, Challenges, Content, Rewards, Referrals,
    # Leaderboard.
    NavItem(N_("Home"), "home", frozenset()),
    NavItem(N_("Challenges"), "challenges:list", frozenset()),
    NavItem(N_("Content"), "content:index", frozenset()),
    NavItem(N_("Rewards"), "rewards:catalog", frozenset()),
    NavItem(N_("Referrals"), "referrals:list", frozenset()),
    NavItem(N_("Leaderboard"), "leaderboard:index", frozenset()),
    NavItem(N_("Community"), "community:index", frozenset(), section="/community/"),
    NavItem(N_("Pipeline"), "pipeline:board", frozenset({Role.SALES, Role.ADMIN, Role.MARKETER})),
]

MANAGE = [
    NavItem(N_("Reports"), "reports:overview", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem(N_("People"), "people:list", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem(N_("Challenges"), "manage_challenges:list", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem(N_("Approvals"), "approvals:queue", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem(N_("Groups"), "groups:list", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem(N_("Content"), "manage_content:index", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem(N_("Levels & badges"), "manage_points:index", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem(N_("Seasons"), "seasons:index", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem(N_("Pending points"), "pending_points:queue", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem(N_("Community"), "manage_community:index", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem(N_("Rewards"), "manage_rewards:list", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem(N_("Fulfilment queue"), "manage_rewards:queue", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem(N_("Referrals"), "manage_referrals:settings", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem(N_("Event types"), "event_types:list", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem(N_("Messages"), "broadcasts:index", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem(N_("Sequences"), "sequences:index", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem(N_("Emails"), "emails:list", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem(N_("Outbox"), "outbox:list", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem(N_("Audit log"), "audit:list", frozenset({Role.ADMIN})),
    NavItem(N_("Webhooks"), "webhooks:list", frozenset({Role.ADMIN})),
    NavItem(N_("API tokens"), "api_tokens:list", frozenset({Role.ADMIN})),
    NavItem(N_("Sign-in providers"), "sso_providers:list", frozenset({Role.ADMIN})),
    NavItem(N_("Settings"), "program:settings", frozenset({Role.ADMIN})),
]


@dataclass(frozen=True)
class Navigation:
    main: list[NavItem]
    manage: list[NavItem]


def navigation_for(user: User | None) -> Navigation:
    if user is None:
        return Navigation([], [])

    def visible(items: list[NavItem]) -> list[NavItem]:
        return [item for item in items if not item.roles or user.has_role(*item.roles)]

    return Navigation(visible(MAIN), visible(MANAGE))
