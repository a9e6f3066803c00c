"""`/healthz` (the process answers: no database, nothing it depends on) and `/readyz` (every
check of `portal.operations.health` passes) for load balancers and orchestrators."""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from portal.config import Settings
from portal.files.storage import storage_for
from portal.operations import health
from portal.people.access import for_machines

NOT_CACHED = {"Cache-Control": "no-store"}


@for_machines
async def alive(request: Request) -> Response:
    return JSONResponse({"status": "ok"}, headers=NOT_CACHED)


@for_machines
async def ready(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    sessionmaker = request.app.state.job_context["sessionmaker"]  # not the request's session
    report = await health.run_checks(settings, sessionmaker, storage_for(settings.upload_dir))
    return JSONResponse(
        report.as_json(), status_code=200 if report.ready else 503, headers=NOT_CACHED
    )


routes = [
    Route("/healthz", alive, name="alive"),
    Route("/readyz", ready, name="ready"),
]
