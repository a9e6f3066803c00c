"""The layout's navigation: what each role sees. A domain adds its entries here when it lands."""

from dataclasses import dataclass

from portal.people.models import Role, User


@dataclass(frozen=True)
class NavItem:
    label: str
    route: str
    roles: frozenset[Role]


MAIN = [
    # The order the brief gives for advocates: Home, Challenges, Content, Rewards, Referrals,
    # Leaderboard.
    NavItem("Home", "home", frozenset()),
    NavItem("Challenges", "challenges:list", frozenset()),
    NavItem("Content", "content:index", frozenset()),
    NavItem("Rewards", "rewards:catalog", frozenset()),
    NavItem("Referrals", "referrals:list", frozenset()),
    NavItem("Leaderboard", "leaderboard:index", frozenset()),
    NavItem("Community", "community:index", frozenset()),
    NavItem("Pipeline", "pipeline:board", frozenset({Role.SALES, Role.ADMIN, Role.MARKETER})),
]

MANAGE = [
    NavItem("Reports", "reports:overview", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem("People", "people:list", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem("Challenges", "manage_challenges:list", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem("Approvals", "approvals:queue", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem("Groups", "groups:list", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem("Content", "manage_content:index", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem("Levels & badges", "manage_points:index", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem("Pending points", "pending_points:queue", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem("Community", "manage_community:index", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem("Rewards", "manage_rewards:list", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem("Fulfilment queue", "manage_rewards:queue", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem("Referrals", "manage_referrals:settings", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem("Event types", "event_types:list", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem("Messages", "broadcasts:index", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem("Sequences", "sequences:index", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem("Emails", "emails:list", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem("Outbox", "outbox:list", frozenset({Role.MARKETER, Role.ADMIN})),
    NavItem("Audit log", "audit:list", frozenset({Role.ADMIN})),
    NavItem("Webhooks", "webhooks:list", frozenset({Role.ADMIN})),
    NavItem("API tokens", "api_tokens:list", frozenset({Role.ADMIN})),
    NavItem("Sign-in providers", "sso_providers:list", frozenset({Role.ADMIN})),
    NavItem("Settings", "program:settings", frozenset({Role.ADMIN})),
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
