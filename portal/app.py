"""create_app(settings): the Starlette application with every domain mounted."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

from arq import create_pool
from arq.connections import RedisSettings
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from portal import subscriptions, worker
from portal.audit import routes as audit_routes
from portal.auth import manage_routes as people_routes
from portal.auth import routes as auth_routes
from portal.auth import sso
from portal.challenges import manage_routes as manage_challenges_routes
from portal.challenges import routes as challenges_routes
from portal.config import ROOT, Settings
from portal.content import manage_routes as manage_content_routes
from portal.content import routes as content_routes
from portal.db import create_engine, create_sessionmaker
from portal.error_pages import HANDLERS
from portal.groups import routes as groups_routes
from portal.home.routes import home
from portal.jobs import ArqQueue, InProcessQueue, JobQueue, PendingJob, Schedule
from portal.middleware import CSRF, RequestId, SecurityHeaders, UnitOfWork
from portal.navigation import navigation_for
from portal.notifications import routes as notifications_routes
from portal.outbox import preference_routes
from portal.outbox import routes as outbox_routes
from portal.outbox import text_routes as email_text_routes
from portal.people.access import public
from portal.points import manage_routes as manage_points_routes
from portal.points import routes as points_routes
from portal.program import routes as program_routes
from portal.referrals import manage_routes as manage_referrals_routes
from portal.referrals import pipeline_routes
from portal.referrals import routes as referrals_routes
from portal.rewards import manage_routes as manage_rewards_routes
from portal.rewards import routes as rewards_routes

log = logging.getLogger("portal")
# One-click unsubscribe (RFC 8058): mail programs POST there without a session; the signed
# link in the path is the authority.
CSRF_EXEMPT = ("/unsubscribe/",)


class LazyQueue:
    """The job queue the middleware holds: arq once the lifespan has connected to Redis,
    in-process until then (and for good when there is no Redis)."""

    def __init__(self, fallback: JobQueue) -> None:
        self.target: JobQueue = fallback

    async def send(self, jobs: Sequence[PendingJob]) -> None:
        await self.target.send(jobs)


@public
async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(
    settings: Settings | None = None,
    *,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
) -> Starlette:
    settings = settings or Settings()
    subscriptions.install()
    engine = None
    if sessionmaker is None:
        engine = create_engine(settings.database_url, pool_pre_ping=not settings.is_sqlite)
        sessionmaker = create_sessionmaker(engine)
    context = {"settings": settings, "sessionmaker": sessionmaker}
    in_process = InProcessQueue(worker.function_table(), context, inline=settings.jobs_inline)
    queue = LazyQueue(in_process)
    context["job_queue"] = queue

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        redis = None
        schedule_task = None
        if settings.redis_url:
            redis = await create_pool(RedisSettings.from_dsn(settings.redis_url))
            queue.target = ArqQueue(redis)
        else:
            schedule = Schedule(worker.CRON_JOBS, context)
            schedule_task = asyncio.create_task(schedule.run_forever())
            log.info("no REDIS_URL: background jobs run in this process")
        try:
            yield
        finally:
            if schedule_task is not None:
                schedule_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await schedule_task
            await in_process.drain()
            if redis is not None:
                await redis.aclose()
            if engine is not None:
                await engine.dispose()

    routes = [
        Route("/", home, name="home"),
        Route("/healthz", health, name="health"),
        Mount("/static", StaticFiles(directory=ROOT / "static"), name="static"),
        Mount("/manage/people", routes=people_routes.routes, name="people"),
        Mount("/manage/outbox", routes=outbox_routes.routes, name="outbox"),
        Mount("/manage/emails", routes=email_text_routes.routes, name="emails"),
        Mount("/manage/audit", routes=audit_routes.routes, name="audit"),
        Mount("/manage/settings", routes=program_routes.routes, name="program"),
        Mount("/manage/points", routes=manage_points_routes.routes, name="manage_points"),
        Mount("/manage/content", routes=manage_content_routes.routes, name="manage_content"),
        Mount("/points", routes=points_routes.history_routes, name="points"),
        Mount("/leaderboard", routes=points_routes.board_routes, name="leaderboard"),
        Mount("/challenges", routes=challenges_routes.routes, name="challenges"),
        Mount("/rewards", routes=rewards_routes.routes, name="rewards"),
        Mount(
            "/manage/challenges", routes=manage_challenges_routes.routes, name="manage_challenges"
        ),
        Mount(
            "/manage/approvals", routes=manage_challenges_routes.approval_routes, name="approvals"
        ),
        Mount("/manage/groups", routes=groups_routes.routes, name="groups"),
        Mount("/notifications", routes=notifications_routes.routes, name="notifications"),
        Mount("/email-settings", routes=preference_routes.settings_routes, name="email_settings"),
        Mount("/unsubscribe", routes=preference_routes.unsubscribe_routes, name="unsubscribe"),
        Mount("/manage/rewards", routes=manage_rewards_routes.routes, name="manage_rewards"),
        Mount("/manage/referrals", routes=manage_referrals_routes.routes, name="manage_referrals"),
        Mount("/referrals", routes=referrals_routes.routes, name="referrals"),
        Mount("/pipeline", routes=pipeline_routes.routes, name="pipeline"),
        *referrals_routes.link_routes,
        Mount("/content", routes=content_routes.routes, name="content"),
        *content_routes.share_routes,
        Mount("", routes=[*auth_routes.routes, *sso.routes], name="auth"),
    ]
    middleware = [
        Middleware(RequestId),
        Middleware(SecurityHeaders, https=settings.https),
        Middleware(
            SessionMiddleware,
            secret_key=settings.secret_key.get_secret_value(),
            session_cookie="portal_session",
            max_age=int(timedelta(days=settings.session_max_age_days).total_seconds()),
            same_site="lax",
            https_only=settings.https,
        ),
        Middleware(CSRF, exempt_prefixes=CSRF_EXEMPT),
        Middleware(UnitOfWork, sessionmaker=sessionmaker, job_queue=queue),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers=HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.request_loaders = [program_routes.load_program]
    app.state.navigation = navigation_for
    app.state.sso = sso.build_client(settings)
    app.state.job_context = context
    return app
