"""Removing stored files once the transaction that stopped using them has committed."""

from datetime import timedelta

from arq import cron, func

from portal.config import Settings
from portal.files.backends import storage_of
from portal.files.references import stored_file_is_orphaned
from portal.jobs import JobContext, unit_of_work


async def delete_stored_file(ctx: JobContext, name: str) -> bool:
    """Deletes the file unless an asset uses it again; running twice is harmless."""
    settings: Settings = ctx["settings"]
    async with unit_of_work(ctx) as session:
        if not await stored_file_is_orphaned(session, name):
            return False
    await storage_of(settings).delete(name)
    return True


# A file is saved before its row is committed; if that commit never happens (a crash, a
# failed transaction), nothing points at the file. A day later the nightly sweep removes it.
ORPHAN_AGE = timedelta(days=1)


async def sweep_orphaned_files(ctx: JobContext) -> int:
    storage = storage_of(ctx["settings"])
    removed = 0
    for name in await storage.names_older_than(ORPHAN_AGE):
        async with unit_of_work(ctx) as session:
            orphaned = await stored_file_is_orphaned(session, name)
        if orphaned:
            await storage.delete(name)
            removed += 1
    return removed


FUNCTIONS = [func(delete_stored_file, max_tries=5, timeout=60)]
CRON_JOBS = [cron(sweep_orphaned_files, hour={4}, minute={10})]
