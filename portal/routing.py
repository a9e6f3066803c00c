"""The portal's route table: every domain's routes under its mount. The app serves it; the
worker and the demo install it for `portal.links` too, so a job makes the same links a page does."""

from starlette.routing import BaseRoute, Match, Mount, Route, Router
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from portal import i18n, links, zones
from portal.advocacy import routes as event_types_routes
from portal.api import openapi as api
from portal.api_tokens import routes as api_tokens_routes
from portal.audit import routes as audit_routes
from portal.auth import bulk_routes as bulk_invite_routes
from portal.auth import manage_routes as people_routes
from portal.auth import routes as auth_routes
from portal.auth import sso, sso_manage_routes, two_factor_routes
from portal.challenges import manage_routes as manage_challenges_routes
from portal.challenges import routes as challenges_routes
from portal.community import manage_routes as manage_community_routes
from portal.community import routes as community_routes
from portal.config import ROOT, Settings
from portal.content import manage_routes as manage_content_routes
from portal.content import routes as content_routes
from portal.directory import field_routes as profile_field_routes
from portal.directory import routes as people_table_routes
from portal.engagement import routes as sequences_routes
from portal.groups import routes as groups_routes
from portal.home.routes import home, my_badges
from portal.messages import manage_routes as manage_messages_routes
from portal.messages import routes as messages_routes
from portal.notifications import routes as notifications_routes
from portal.operations import routes as operations_routes
from portal.outbox import preference_routes
from portal.outbox import routes as outbox_routes
from portal.outbox import text_routes as email_text_routes
from portal.points import manage_routes as manage_points_routes
from portal.points import pending_routes as pending_points_routes
from portal.points import rescore_routes, season_routes
from portal.points import routes as points_routes
from portal.program import routes as program_routes
from portal.referrals import manage_routes as manage_referrals_routes
from portal.referrals import pipeline_routes
from portal.referrals import routes as referrals_routes
from portal.reports import routes as reports_routes
from portal.rewards import manage_routes as manage_rewards_routes
from portal.rewards import routes as rewards_routes
from portal.segments import routes as segments_routes
from portal.trust import routes as trust_routes
from portal.webhooks import routes as webhooks_routes


class RootRoutes(Mount):
    """Routes at the site's root under one name (`auth:login`). A plain `Mount("")` matches
    every path, which stops the router's slash redirect (`/rewards` → `/rewards/`) and
    answers 404 instead; this one matches only the paths of its own routes."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        inner = {**scope, **child_scope}
        if match is Match.NONE or all(
            route.matches(inner)[0] is Match.NONE for route in self.routes
        ):
            return Match.NONE, {}
        return match, child_scope


def routes() -> list[BaseRoute]:
    return [
        Route("/", home, name="home"),
        Route("/badges", my_badges, name="badges"),
        *operations_routes.routes,
        Mount("/static", StaticFiles(directory=ROOT / "static"), name="static"),
        Mount(
            "/manage/people",
            routes=[
                *people_table_routes.routes,
                *profile_field_routes.routes,
                *people_routes.routes,
                *bulk_invite_routes.routes,
            ],
            name="people",
        ),
        Mount("/manage/outbox", routes=outbox_routes.routes, name="outbox"),
        Mount("/manage/emails", routes=email_text_routes.routes, name="emails"),
        Mount("/manage/audit", routes=audit_routes.routes, name="audit"),
        Mount("/manage/api-tokens", routes=api_tokens_routes.routes, name="api_tokens"),
        Mount("/api/v1", routes=api.routes, name="api"),
        Mount("/manage/event-types", routes=event_types_routes.routes, name="event_types"),
        Mount("/manage/trust", routes=trust_routes.routes, name="trust"),
        Mount("/manage/settings", routes=program_routes.routes, name="program"),
        Mount("/manage/reports", routes=reports_routes.routes, name="reports"),
        Mount(
            "/manage/points",
            routes=manage_points_routes.routes + rescore_routes.routes,
            name="manage_points",
        ),
        Mount("/manage/seasons", routes=season_routes.routes, name="seasons"),
        Mount("/manage/pending-points", routes=pending_points_routes.routes, name="pending_points"),
        Mount("/manage/content", routes=manage_content_routes.routes, name="manage_content"),
        Mount("/points", routes=points_routes.history_routes, name="points"),
        Mount("/leaderboard", routes=points_routes.board_routes, name="leaderboard"),
        Mount("/challenges", routes=challenges_routes.routes, name="challenges"),
        Mount("/community", routes=community_routes.routes, name="community"),
        Mount("/manage/community", routes=manage_community_routes.routes, name="manage_community"),
        Mount("/rewards", routes=rewards_routes.routes, name="rewards"),
        Mount(
            "/manage/challenges", routes=manage_challenges_routes.routes, name="manage_challenges"
        ),
        Mount(
            "/manage/approvals", routes=manage_challenges_routes.approval_routes, name="approvals"
        ),
        Mount("/manage/groups", routes=groups_routes.routes, name="groups"),
        Mount("/manage/segments", routes=segments_routes.routes, name="segments"),
        Mount("/notifications", routes=notifications_routes.routes, name="notifications"),
        Mount("/manage/messages", routes=manage_messages_routes.routes, name="broadcasts"),
        Mount("/messages", routes=messages_routes.routes, name="messages"),
        Mount("/manage/sequences", routes=sequences_routes.routes, name="sequences"),
        Mount("/email-settings", routes=preference_routes.settings_routes, name="email_settings"),
        Mount("/unsubscribe", routes=preference_routes.unsubscribe_routes, name="unsubscribe"),
        Mount("/manage/rewards", routes=manage_rewards_routes.routes, name="manage_rewards"),
        Mount("/manage/referrals", routes=manage_referrals_routes.routes, name="manage_referrals"),
        Mount("/manage/webhooks", routes=webhooks_routes.routes, name="webhooks"),
        Mount("/manage/sign-in-providers", routes=sso_manage_routes.routes, name="sso_providers"),
        Mount("/referrals", routes=referrals_routes.routes, name="referrals"),
        Mount("/pipeline", routes=pipeline_routes.routes, name="pipeline"),
        *referrals_routes.link_routes,
        Mount("/content", routes=content_routes.routes, name="content"),
        *content_routes.share_routes,
        RootRoutes(
            "", routes=[*auth_routes.routes, *sso.routes, *two_factor_routes.routes], name="auth"
        ),
    ]


def install_links(settings: Settings) -> None:
    """For a process without the app (the worker, the demo, a benchmark): the same route table,
    so the links it makes are the app's, and the same default program time zone and language."""
    links.install(Router(routes()), settings)
    zones.install_default(settings.portal_time_zone)
    i18n.install_default(settings.portal_language)
