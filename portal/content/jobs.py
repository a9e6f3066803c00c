"""Removing stored files once the transaction that stopped using them has committed."""

from arq import func

from portal.config import Settings
from portal.content import service
from portal.content.storage import storage_for
from portal.jobs import JobContext, unit_of_work


async def delete_stored_file(ctx: JobContext, name: str) -> bool:
    """Deletes the file unless an asset uses it again; running twice is harmless."""
    settings: Settings = ctx["settings"]
    async with unit_of_work(ctx) as session:
        if not await service.stored_file_is_orphaned(session, name):
            return False
    await storage_for(settings.upload_dir).delete(name)
    return True


FUNCTIONS = [func(delete_stored_file, max_tries=5, timeout=60)]
CRON_JOBS: list[object] = []
