"""Real receivers on loopback ports for the webhook tests: the portal's own `Receiver` (which
checks signatures with the standardwebhooks library) served by uvicorn in the test's loop."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.applications import Starlette
from starlette.types import ASGIApp

from portal.config import Settings
from portal.jobs import InProcessQueue, JobContext
from portal.worker import function_table
from tests.conftest import joined_sessionmaker


@asynccontextmanager
async def serving(app: ASGIApp | Starlette, port: int) -> AsyncIterator[None]:
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        await task


def job_context(settings: Settings, connection: AsyncConnection) -> JobContext:
    """What a worker gives the jobs, on the test's connection."""
    context: JobContext = {"settings": settings, "sessionmaker": joined_sessionmaker(connection)}
    context["job_queue"] = InProcessQueue(function_table(), context, inline=True)
    return context
