"""Removing replaced and deleted files: a burst arq worker on the real Redis runs the job that
the service queued, after the commit."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from portal.config import Settings
from portal.content import samples
from portal.content import service as content
from portal.files.jobs import delete_stored_file
from portal.files.storage import LocalStorage
from portal.jobs import ArqQueue, take_pending
from tests.factories import chunks_of, make_asset, make_marketer
from tests.jobs import run_burst_worker
from tests.outbox.test_jobs import _context


async def test_a_replaced_file_is_deleted_by_the_worker_after_the_commit(
    session: AsyncSession,
    connection: AsyncConnection,
    settings: Settings,
    arq_redis: Any,
    queue_name: str,
) -> None:
    assert settings.upload_dir is not None
    storage = LocalStorage(settings.upload_dir)
    marketer = await make_marketer(session)
    asset = await make_asset(session, storage, actor=marketer)
    old = asset.storage_name
    assert old is not None
    await content.update_asset(
        session,
        actor=marketer,
        storage=storage,
        asset_id=asset.id,
        data=content.AssetInput(title="Fact sheet v2", is_published=True),
        upload=content.Upload(chunks_of(samples.pdf("v2")), "v2.pdf"),
        limits=content.Limits(max_bytes=10**7, max_image_bytes=10**6),
    )
    await session.commit()
    assert await storage.exists(old)
    queue = ArqQueue(arq_redis, queue_name=queue_name)
    await queue.send(take_pending(session))

    burst = await run_burst_worker(
        arq_redis, _context(settings, connection, queue), queue_name=queue_name
    )

    assert burst.jobs_complete == 1
    assert not await storage.exists(old)
    assert asset.storage_name is not None
    assert await storage.exists(asset.storage_name)


async def test_the_job_keeps_a_file_an_asset_still_uses_and_a_second_run_is_harmless(
    session: AsyncSession, connection: AsyncConnection, settings: Settings
) -> None:
    assert settings.upload_dir is not None
    storage = LocalStorage(settings.upload_dir)
    asset = await make_asset(session, storage, actor=await make_marketer(session))
    await session.commit()
    assert asset.storage_name is not None
    context = _context(settings, connection, None)
    assert await delete_stored_file(context, name=asset.storage_name) is False
    assert await storage.exists(asset.storage_name)
    assert await delete_stored_file(context, name="no-such-file") is True
    assert await delete_stored_file(context, name="no-such-file") is True


async def test_the_nightly_sweep_removes_day_old_files_nothing_points_at(
    session: AsyncSession, connection: AsyncConnection, settings: Settings
) -> None:
    from datetime import timedelta

    from portal import clock
    from portal.files.jobs import sweep_orphaned_files

    assert settings.upload_dir is not None
    storage = LocalStorage(settings.upload_dir)
    asset = await make_asset(session, storage, actor=await make_marketer(session))
    await session.commit()
    stray = await storage.save(chunks_of(samples.pdf("never committed")), max_bytes=10**6)
    context = _context(settings, connection, None)
    assert await sweep_orphaned_files(context) == 0  # too fresh: its transaction may still run
    with clock.shifted(timedelta(days=1, minutes=1)):
        assert await sweep_orphaned_files(context) == 1
    assert not await storage.exists(stray.name)
    assert asset.storage_name is not None
    assert await storage.exists(asset.storage_name)


async def test_the_sweep_keeps_photo_proofs_of_challenge_entries(
    session: AsyncSession, connection: AsyncConnection, settings: Settings
) -> None:
    from datetime import timedelta

    from portal import clock
    from portal.challenges import service as challenges
    from portal.challenges.models import ChallengeType
    from portal.files.jobs import sweep_orphaned_files
    from tests.factories import make_advocate, make_challenge

    assert settings.upload_dir is not None
    storage = LocalStorage(settings.upload_dir)
    challenge = await make_challenge(session, type=ChallengeType.UPLOAD_IMAGE)
    entry = await challenges.submit_image_entry(
        session,
        user=await make_advocate(session),
        challenge_id=challenge.id,
        key="photo",
        storage=storage,
        upload=content.Upload(chunks_of(samples.png()), "booth.png"),
        caption="Our booth",
        max_bytes=10**6,
    )
    await session.commit()
    with clock.shifted(timedelta(days=2)):
        assert await sweep_orphaned_files(_context(settings, connection, None)) == 0
    assert await storage.exists(entry.response["image"])
