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
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from portal import i18n, links, routing, subscriptions, worker, zones
from portal.auth.reauth import PasswordAndCode
from portal.config import Settings
from portal.db import create_engine, create_sessionmaker
from portal.error_pages import HANDLERS
from portal.jobs import ArqQueue, InProcessQueue, JobQueue, PendingJob, Schedule
from portal.middleware import CSRF, RequestId, SecurityHeaders, UnitOfWork
from portal.navigation import navigation_for
from portal.operations.metrics import RequestMetrics
from portal.program import cache as program_cache
from portal.program import routes as program_routes

log = logging.getLogger("portal")
# One-click unsubscribe (RFC 8058): mail programs POST there without a session; the signed
# link in the path is the authority. The API authenticates by bearer token, never by cookie.
CSRF_EXEMPT = ("/unsubscribe/", "/api/")


class LazyQueue:
    """The job queue the middleware holds: arq once the lifespan has connected to Redis,
    in-process until then (and for good when there is no Redis)."""

    def __init__(self, fallback: JobQueue) -> None:
        self.target: JobQueue = fallback

    async def send(self, jobs: Sequence[PendingJob]) -> None:
        await self.target.send(jobs)


def create_app(
    settings: Settings | None = None,
    *,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
) -> Starlette:
    settings = settings or Settings()
    subscriptions.install()
    engine = None
    if sessionmaker is None:
        engine = create_engine(settings.database_url)
        sessionmaker = create_sessionmaker(engine)
    context = {"settings": settings, "sessionmaker": sessionmaker}
    in_process = InProcessQueue(worker.function_table(), context, inline=settings.jobs_inline)
    queue = LazyQueue(in_process)
    context["job_queue"] = queue

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        redis = None
        arq_queue = None
        schedule_task = None
        if settings.redis_url:
            redis = await create_pool(RedisSettings.from_dsn(settings.redis_url))
            queue.target = arq_queue = ArqQueue(redis)
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
            if arq_queue is not None:
                await arq_queue.close()
            if redis is not None:
                await redis.aclose()
            api_redis = getattr(app.state, "api_redis", None)  # the API's rate counter
            if api_redis is not None:
                await api_redis.aclose()
            if engine is not None:
                await engine.dispose()

    # Proxy headers (X-Forwarded-For, -Proto) are believed only from the proxies named in
    # FORWARDED_ALLOW_IPS: by default from nobody, so a client cannot pick its own address.
    proxies = (
        [Middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)]
        if settings.forwarded_allow_ips
        else []
    )
    middleware = [
        Middleware(RequestMetrics),
        *proxies,
        Middleware(RequestId),
        Middleware(i18n.RequestLanguage),
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
        routes=routing.routes(),
        middleware=middleware,
        exception_handlers=HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    links.install(app.router, settings)
    zones.install_default(settings.portal_time_zone)
    i18n.install_default(settings.portal_language)
    i18n.load_all()
    app.state.request_loaders = [program_routes.load_program]
    app.state.viewer_columns = (program_cache.version_column(),)
    app.state.program_cache = program_cache.ProcessCache()
    app.state.navigation = navigation_for
    app.state.sso_clients = {}  # authlib's client of each sign-in provider (portal.auth.sso)
    app.state.identity_check = PasswordAndCode.from_settings(settings)
    app.state.job_context = context
    return app
