import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.content import samples
from portal.content import service as content
from portal.content.demo import play
from portal.content.models import AssetKind, AssetUse
from portal.errors import NotFound
from portal.files.storage import LocalStorage
from portal.people.models import Group, GroupMember
from portal.points import service as points
from portal.points.models import LedgerEntry
from tests.factories import make_advocate, make_asset, make_marketer


def stored_files(storage: LocalStorage) -> list[Path]:
    return list(storage.directory.iterdir()) if storage.directory.exists() else []


async def read_all(storage: LocalStorage, name: str) -> bytes:
    return b"".join([chunk async for chunk in storage.read(name)])


async def make_group(session: AsyncSession, name: str, *members) -> Group:  # type: ignore[no-untyped-def]
    group = Group(name=name)
    session.add(group)
    await session.flush()
    session.add_all(GroupMember(group_id=group.id, user_id=m.id) for m in members)
    await session.flush()
    return group


async def test_an_upload_keeps_its_bytes_type_size_and_hash(
    session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    data = samples.pdf("Acme fact sheet", ["Fast", "Safe"])
    asset = await make_asset(session, storage, actor=marketer, data=data, filename="Fact sheet.pdf")
    assert (asset.kind, asset.content_type) == (AssetKind.DOCUMENT, "application/pdf")
    assert (asset.size_bytes, asset.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert asset.original_filename == "Fact sheet.pdf"
    assert asset.storage_name
    assert asset.storage_name != "Fact sheet.pdf"
    assert asset.points == 10
    assert await read_all(storage, asset.storage_name) == data


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            "brochure.pdf",
            "not a file type",
        ),
        (b"<html><body>hi</body></html>", "prices.csv", "not a file type"),
        (samples.png(), "brochure.pdf", "its contents are a PNG image"),
        (b"MZ\x90\x00" + b"\x00" * 200, "tool.exe", "not a file type"),
        (b"", "empty.pdf", "is empty"),
    ],
)
async def test_a_refused_upload_says_why_and_leaves_no_file_or_row(
    session: AsyncSession, storage: LocalStorage, data: bytes, filename: str, message: str
) -> None:
    marketer = await make_marketer(session)
    with pytest.raises(content.UnsupportedFile) as refused:
        await make_asset(session, storage, actor=marketer, data=data, filename=filename)
    assert message in refused.value.message
    assert stored_files(storage) == []
    assert await content.list_assets_for_staff(session) == []


async def test_size_limits_are_enforced_while_streaming(
    session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    big_pdf = samples.pdf("Big") + b"%" * (6 * 1024 * 1024)
    with pytest.raises(content.UploadTooLarge, match="limit of 5 MB"):
        await make_asset(session, storage, actor=marketer, data=big_pdf)
    big_png = samples.png(1200, 1200)
    big_png += b"\x00" * (1024 * 1024)
    with pytest.raises(content.UploadTooLarge, match="limit for images of 1 MB"):
        await make_asset(session, storage, actor=marketer, data=big_png, filename="logo.png")
    assert stored_files(storage) == []


async def test_kinds_follow_the_bytes(session: AsyncSession, storage: LocalStorage) -> None:
    marketer = await make_marketer(session)
    video = await make_asset(
        session, storage, actor=marketer, data=samples.training_video(), filename="intro.webm"
    )
    image = await make_asset(session, storage, actor=marketer, data=samples.png(), filename="logo")
    prices = await make_asset(
        session,
        storage,
        actor=marketer,
        data=samples.csv_text([["Plan", "Price"], ["Team", "49"]]),
        filename="prices.csv",
    )
    kit = await make_asset(
        session,
        storage,
        actor=marketer,
        data=samples.zip_archive({"logo.png": samples.png()}),
        filename="press-kit.zip",
    )
    link = await make_asset(session, storage, actor=marketer, url="https://acme.example/blog")
    assert (video.kind, video.content_type, video.points) == (AssetKind.VIDEO, "video/webm", 25)
    assert (image.kind, image.original_filename) == (AssetKind.IMAGE, "logo.png")
    assert (prices.kind, prices.content_type) == (AssetKind.DOCUMENT, "text/csv")
    assert kit.content_type == "application/zip"
    assert (link.kind, link.storage_name, link.points) == (AssetKind.LINK, None, 10)


async def test_descriptions_are_sanitized_and_tags_normalised(
    session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    asset = await make_asset(
        session,
        storage,
        actor=marketer,
        description='<p onmouseover="x()">Read <b>this</b></p><script>bad()</script>',
        tags=["Security ", "security", "Pricing"],
    )
    assert asset.description_html == "<p>Read <b>this</b></p>bad()"
    assert asset.tag_names == ["pricing", "security"]


async def test_targeted_and_unpublished_content_is_not_found_by_others(
    session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    insider = await make_advocate(session, name="In Sider")
    outsider = await make_advocate(session, name="Out Sider")
    group = await make_group(session, "Enterprise", insider)
    public = await make_asset(session, storage, actor=marketer, title="For all")
    targeted = await make_asset(
        session, storage, actor=marketer, title="Enterprise only", group_ids={group.id}
    )
    draft = await make_asset(session, storage, actor=marketer, title="Draft", published=False)

    def titles(library: content.Library) -> set[str]:
        return {card.asset.title for card in library.cards}

    assert titles(await content.library(session, insider)) == {"For all", "Enterprise only"}
    assert titles(await content.library(session, outsider)) == {"For all"}
    assert titles(await content.library(session, marketer)) == {
        "For all",
        "Enterprise only",
        "Draft",
    }
    assert (await content.access_asset(session, insider, targeted.id)).id == targeted.id
    for asset_id in (targeted.id, draft.id, 999_999):
        with pytest.raises(NotFound):
            await content.access_asset(session, outsider, asset_id)
    assert (await content.access_asset(session, outsider, public.id)).id == public.id


async def test_filters_by_category_tag_and_search(
    session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    advocate = await make_advocate(session)
    await make_asset(
        session,
        storage,
        actor=marketer,
        title="Security white paper",
        category="White papers",
        tags=["security"],
        description="<p>How we <strong>encrypt</strong> data at rest</p>",
    )
    await make_asset(
        session,
        storage,
        actor=marketer,
        title="Price list",
        category="Price lists",
        tags=["pricing"],
    )
    library = await content.library(session, advocate)
    assert library.categories == ["Price lists", "White papers"]
    assert library.tags == ["pricing", "security"]

    async def titles(**filters: str) -> list[str]:
        return [c.asset.title for c in (await content.library(session, advocate, **filters)).cards]

    assert await titles(category="White papers") == ["Security white paper"]
    assert await titles(tag="pricing") == ["Price list"]
    assert await titles(search="ENCRYPT") == ["Security white paper"]
    assert await titles(search="50%_off") == []
    assert await titles(search="strong") == []  # markup is not text
    assert all(card.is_new for card in library.cards)


async def test_search_reads_what_people_read(session: AsyncSession, storage: LocalStorage) -> None:
    marketer = await make_marketer(session)
    advocate = await make_advocate(session)
    await make_asset(
        session,
        storage,
        actor=marketer,
        title="Caso de éxito: Solaria",
        description="<p><strong>Lucía</strong> explains R&amp;D savings</p>",
    )

    async def titles(search: str) -> list[str]:
        library = await content.library(session, advocate, search=search)
        return [card.asset.title for card in library.cards]

    assert await titles("ÉXITO") == ["Caso de éxito: Solaria"]
    assert await titles("lucía explains") == ["Caso de éxito: Solaria"]
    assert await titles("R&D") == ["Caso de éxito: Solaria"]
    assert await titles("strong") == []


async def test_first_download_awards_the_points_once(
    session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    advocate = await make_advocate(session)
    asset = await make_asset(session, storage, actor=marketer, points=15)
    assert await content.record_download(session, advocate, asset) == 15
    assert await content.record_download(session, advocate, asset) == 0
    assert (await points.balance_of(session, advocate)).current == 15
    entry = await session.scalar(select(LedgerEntry).where(LedgerEntry.user_id == advocate.id))
    assert entry is not None
    assert entry.idempotency_key == f"asset:{asset.id}:used:{advocate.id}"
    assert (entry.source_type, entry.source_id) == ("asset", asset.id)
    use = await session.get(AssetUse, (asset.id, advocate.id))
    assert use is not None
    assert use.downloads == 2
    card = await content.card_for(session, advocate, asset)
    assert card.is_used


async def test_a_video_earns_its_points_when_watched_through_once(
    session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    advocate = await make_advocate(session)
    video = await make_asset(
        session, storage, actor=marketer, data=samples.training_video(), filename="intro.webm"
    )
    assert await content.record_download(session, advocate, video) == 0  # streaming is not watching
    progress = await play(session, advocate, video, duration=60, end=30)
    assert (progress.percent, progress.watched, progress.awarded) == (50, False, 0)
    progress = await play(session, advocate, video, duration=60, start=10, end=20)
    assert progress.percent == 50  # seen twice counts once
    progress = await play(session, advocate, video, duration=60, start=30, end=54)
    assert (progress.percent, progress.watched, progress.awarded) == (90, True, 25)
    again = await play(session, advocate, video, duration=60)
    assert (again.watched, again.awarded, again.percent) == (True, 0, 100)
    assert (await points.balance_of(session, advocate)).current == 25


async def test_seeking_to_the_end_of_a_video_earns_nothing(
    session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    advocate = await make_advocate(session)
    video = await make_asset(
        session, storage, actor=marketer, data=samples.training_video(), filename="intro.webm"
    )
    # Played a second, then dragged to the end and played the last second.
    await play(session, advocate, video, duration=600, end=1)
    progress = await play(session, advocate, video, duration=600, start=599)
    assert (progress.percent, progress.watched, progress.awarded) == (0, False, 0)
    # A player claiming the whole video in one heartbeat gets what the clock allows.
    with clock.shifted(timedelta(minutes=5)):
        await content.record_heartbeat(session, advocate, video, start=0, end=0, duration=600)
    with clock.shifted(timedelta(minutes=5, seconds=10)):
        claimed = await content.record_heartbeat(
            session, advocate, video, start=0, end=600, duration=600
        )
    assert (claimed.percent, claimed.watched) == (3, False)  # 21 s: 10 s at double speed, +1
    # ...and a shorter duration claimed later changes nothing: the first one stands.
    shorter = await content.record_heartbeat(session, advocate, video, start=0, end=0, duration=20)
    assert (shorter.percent, shorter.watched) == (3, False)
    assert (await points.balance_of(session, advocate)).current == 0


async def test_zero_points_assets_count_but_award_nothing(
    session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    advocate = await make_advocate(session)
    asset = await make_asset(session, storage, actor=marketer, points=0)
    assert await content.record_download(session, advocate, asset) == 0
    assert (await points.balance_of(session, advocate)).current == 0


async def test_replacing_a_file_queues_the_old_one_for_deletion_after_commit(
    session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    asset = await make_asset(session, storage, actor=marketer)
    old = asset.storage_name
    data = samples.pdf("Version 2")
    updated = await content.update_asset(
        session,
        actor=marketer,
        storage=storage,
        asset_id=asset.id,
        data=content.AssetInput(title="Fact sheet v2", category="Fact sheets", is_published=True),
        upload=content.Upload(_chunks(data), "fact-sheet-v2.pdf"),
        limits=content.Limits(max_bytes=10**7, max_image_bytes=10**6),
    )
    assert updated.storage_name != old
    assert updated.sha256 == hashlib.sha256(data).hexdigest()
    assert [(job.name, job.kwargs) for job in session.info["jobs"]] == [
        ("delete_stored_file", {"name": old})
    ]
    assert old is not None
    assert await storage.exists(old)


async def test_deleting_an_asset_removes_rows_and_queues_the_file(
    session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    advocate = await make_advocate(session)
    asset = await make_asset(session, storage, actor=marketer, tags=["x"])
    await content.record_download(session, advocate, asset)
    await content.delete_asset(session, actor=marketer, asset_id=asset.id)
    assert await content.list_assets_for_staff(session) == []
    assert await session.scalar(select(func.count()).select_from(AssetUse)) == 0
    assert session.info["jobs"][-1].kwargs == {"name": asset.storage_name}
    assert (await points.balance_of(session, advocate)).current == 10  # points stay earned


async def test_stats_count_downloads_people_and_completions(
    session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    ada, bob = await make_advocate(session, name="Ada"), await make_advocate(session, name="Bob")
    doc = await make_asset(session, storage, actor=marketer)
    video = await make_asset(
        session, storage, actor=marketer, data=samples.training_video(), filename="v.webm"
    )
    for person in (ada, ada, bob):
        await content.record_download(session, person, doc)
    await play(session, ada, video, duration=samples.VIDEO_SECONDS)
    await play(session, bob, video, duration=10, end=4)
    stats = {s.asset.id: s for s in await content.asset_stats(session, [doc, video])}
    assert (stats[doc.id].downloads, stats[doc.id].unique_users) == (3, 2)
    assert (stats[video.id].unique_users, stats[video.id].watch_completions) == (2, 1)
    assert stats[video.id].points_awarded == 25


async def _chunks(data: bytes):  # type: ignore[no-untyped-def]
    yield data


async def test_deleting_the_only_target_group_hides_the_asset_instead_of_showing_it_to_all(
    session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    insider = await make_advocate(session, name="In Sider")
    group = await make_group(session, "Pilot customers", insider)
    asset = await make_asset(session, storage, actor=marketer, group_ids={group.id})
    await session.delete(group)
    await session.flush()
    session.expunge_all()
    for viewer in (insider, await make_advocate(session, name="Someone Else")):
        with pytest.raises(NotFound):
            await content.access_asset(session, viewer, asset.id)
    with pytest.raises(NotFound):
        await content.share_page(session, asset_id=asset.id, code=insider.referral_code)


async def test_the_first_download_earns_the_first_download_badge_once(
    session: AsyncSession, storage: LocalStorage
) -> None:
    from portal.points.models import Badge, BadgeRule

    marketer = await make_marketer(session)
    advocate = await make_advocate(session)
    first = await make_asset(session, storage, actor=marketer, title="One")
    second = await make_asset(session, storage, actor=marketer, title="Two")
    await content.record_download(session, advocate, first)
    await content.record_download(session, advocate, second)
    held = [held.badge for held in await points.badges_of(session, advocate)]
    bookworm = await session.scalar(select(Badge).where(Badge.rule == BadgeRule.FIRST_DOWNLOAD))
    assert [badge.id for badge in held] == [bookworm.id]
