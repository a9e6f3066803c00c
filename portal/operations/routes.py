"""`/healthz` (the process answers: no database, nothing it depends on) and `/readyz` (every
check of `portal.operations.health` passes) for load balancers and orchestrators; `/metrics`
for a Prometheus scraper that brings the token or comes from an allowed network."""

import hmac
import ipaddress

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from portal.config import Settings
from portal.files.backends import storage_of
from portal.operations import health, metrics
from portal.people.access import for_machines

NOT_CACHED = {"Cache-Control": "no-store"}


@for_machines
async def alive(request: Request) -> Response:
    return JSONResponse({"status": "ok"}, headers=NOT_CACHED)


@for_machines
async def ready(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    sessionmaker = request.app.state.job_context["sessionmaker"]  # not the request's session
    report = await health.run_checks(settings, sessionmaker, storage_of(settings))
    return JSONResponse(
        report.as_json(), status_code=200 if report.ready else 503, headers=NOT_CACHED
    )


def _may_scrape(request: Request, settings: Settings) -> bool:
    token = settings.metrics_token
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    if token is not None and scheme.lower() == "bearer" and sent:
        return hmac.compare_digest(sent.strip().encode(), token.get_secret_value().encode())
    try:
        address = ipaddress.ip_address(request.client.host if request.client else "")
    except ValueError:  # a test client or a Unix socket: no address to match
        return False
    return any(address in network for network in settings.metrics_networks)


@for_machines
async def scrape(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if settings.metrics_token is None and not settings.metrics_networks:
        return JSONResponse({"error": "Metrics are off: set METRICS_TOKEN."}, status_code=404)
    if not _may_scrape(request, settings):
        return JSONResponse(
            {"error": "Send the metrics token: Authorization: Bearer <METRICS_TOKEN>."},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    state = request.app.state
    if not hasattr(state, "points_awarded"):
        state.points_awarded = metrics.AwardedSoFar()
    backlogs = await metrics.read_backlogs(state.job_context["sessionmaker"], state.points_awarded)
    return Response(
        metrics.process_metrics() + metrics.database_metrics(backlogs),
        media_type="text/plain; version=0.0.4; charset=utf-8",
        headers=NOT_CACHED,
    )


routes = [
    Route("/healthz", alive, name="alive"),
    Route("/readyz", ready, name="ready"),
    Route("/metrics", scrape, name="metrics"),
]
