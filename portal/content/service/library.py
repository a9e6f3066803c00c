"""The marketer's side: upload, edit, replace the file, publish/unpublish, delete. Files of
replaced or deleted assets are removed by a job that runs only after the commit."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.audit import service as audit
from portal.clock import utcnow
from portal.content.models import Asset, AssetGroup, AssetKind, AssetTag, AssetUse
from portal.content.values import AssetInput
from portal.errors import NotFound, PortalError
from portal.files.storage import Storage
from portal.files.uploads import FileKind, SavedUpload, Upload, UploadTooLarge, save_upload
from portal.i18n import N_
from portal.jobs import enqueue
from portal.people.models import Group, User
from portal.sanitize import clean_html
from portal.translations import with_html

MB = 1024 * 1024


class InvalidAsset(PortalError):
    status_code = 422


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_image_bytes: int


async def list_assets_for_staff(session: AsyncSession) -> list[Asset]:
    return list(
        await session.scalars(
            select(Asset)
            .options(selectinload(Asset.tags), selectinload(Asset.targets))
            .order_by(Asset.created_at.desc(), Asset.id.desc())
        )
    )


async def access_asset_for_staff(session: AsyncSession, asset_id: int) -> Asset:
    asset = await session.scalar(
        select(Asset)
        .where(Asset.id == asset_id)
        .options(selectinload(Asset.tags), selectinload(Asset.targets))
    )
    if asset is None:
        raise NotFound()
    return asset


async def _save(storage: Storage, upload: Upload, limits: Limits) -> SavedUpload:
    saved = await save_upload(
        storage, upload.chunks, filename=upload.filename, max_bytes=limits.max_bytes
    )
    if saved.file_type.kind is FileKind.IMAGE and saved.stored.size > limits.max_image_bytes:
        await storage.delete(saved.stored.name)
        raise UploadTooLarge(
            f"“{saved.filename}” is larger than the limit for images of "
            f"{limits.max_image_bytes // MB} MB."
        )
    return saved


def _apply_file(asset: Asset, saved: SavedUpload) -> None:
    asset.kind = AssetKind(saved.file_type.kind)
    asset.storage_name = saved.stored.name
    asset.original_filename = saved.filename
    asset.content_type = saved.file_type.content_type
    asset.size_bytes = saved.stored.size
    asset.sha256 = saved.stored.sha256
    asset.url = None


async def _valid_group_ids(session: AsyncSession, group_ids: set[int]) -> set[int]:
    if not group_ids:
        return set()
    found = set(await session.scalars(select(Group.id).where(Group.id.in_(group_ids))))
    if found != group_ids:
        raise InvalidAsset(
            N_("One of the chosen groups no longer exists. Reload and choose again.")
        )
    return found


async def _apply_fields(session: AsyncSession, asset: Asset, data: AssetInput) -> None:
    asset.title = data.title
    asset.description_html = clean_html(data.description)
    asset.translations = with_html(data.translations, {"description": "description_html"})
    asset.category = data.category
    asset.points = data.points if data.points is not None else asset.kind.default_points
    if data.is_published and not asset.is_published:
        asset.published_at = utcnow()
    asset.is_published = data.is_published
    asset.updated_at = utcnow()
    group_ids = await _valid_group_ids(session, data.group_ids)
    tags = sorted({t.strip().lower()[:40] for t in data.tags if t.strip()})
    asset.tags = [AssetTag(tag=tag) for tag in tags]
    asset.targets = [AssetGroup(group_id=group_id) for group_id in sorted(group_ids)]
    asset.is_targeted = bool(group_ids)


async def create_asset(
    session: AsyncSession,
    *,
    actor: User,
    storage: Storage,
    data: AssetInput,
    upload: Upload | None,
    limits: Limits,
) -> Asset:
    """A file asset (the upload decides document, image or video) or a link item."""
    if upload is None and not data.url:
        raise InvalidAsset(N_("Choose a file to upload, or give a link."))
    saved = await _save(storage, upload, limits) if upload is not None else None
    try:
        asset = Asset(kind=AssetKind.LINK, url=data.url, created_by_id=actor.id, is_published=False)
        if saved is not None:
            _apply_file(asset, saved)
        asset.tags = []
        asset.targets = []
        await _apply_fields(session, asset, data)
        session.add(asset)
        await session.flush()
        await audit.record(
            session,
            actor=actor,
            action="content.create",
            target_type="asset",
            target_id=asset.id,
            summary=f"Added {asset.kind.label.lower()} “{asset.title}”",
            after=_snapshot(asset),
        )
    except BaseException:
        if saved is not None:
            await storage.delete(saved.stored.name)
        raise
    return asset


async def update_asset(
    session: AsyncSession,
    *,
    actor: User,
    storage: Storage,
    asset_id: int,
    data: AssetInput,
    upload: Upload | None,
    limits: Limits,
) -> Asset:
    """Edit the fields; with an upload, replace the file (the old one goes after the commit)."""
    asset = await access_asset_for_staff(session, asset_id)
    before = _snapshot(asset)
    if asset.kind is AssetKind.LINK and upload is None and not data.url:
        raise InvalidAsset(N_("A link item needs its link."))
    old_file = asset.storage_name
    saved = await _save(storage, upload, limits) if upload is not None else None
    try:
        if saved is not None:
            old_kind_default = asset.kind.default_points
            _apply_file(asset, saved)
            if data.points == old_kind_default:  # the kind's default follows a kind change
                data.points = None
        elif asset.kind is AssetKind.LINK:
            asset.url = data.url
        await _apply_fields(session, asset, data)
        await session.flush()
        await audit.record(
            session,
            actor=actor,
            action="content.update",
            target_type="asset",
            target_id=asset.id,
            summary=f"Edited “{asset.title}”" + (" and replaced its file" if saved else ""),
            before=before,
            after=_snapshot(asset),
        )
    except BaseException:
        if saved is not None:
            await storage.delete(saved.stored.name)
        raise
    if saved is not None and old_file is not None:
        enqueue(session, "delete_stored_file", name=old_file)
    return asset


async def set_published(
    session: AsyncSession, *, actor: User, asset_id: int, published: bool
) -> Asset:
    asset = await access_asset_for_staff(session, asset_id)
    if published and not asset.is_published:
        asset.published_at = utcnow()
    asset.is_published = published
    asset.updated_at = utcnow()
    await audit.record(
        session,
        actor=actor,
        action="content.publish" if published else "content.unpublish",
        target_type="asset",
        target_id=asset.id,
        summary=("Published" if published else "Unpublished") + f" “{asset.title}”",
    )
    return asset


async def delete_asset(session: AsyncSession, *, actor: User, asset_id: int) -> Asset:
    """Deletes the row now and the file after the commit (a rollback keeps both)."""
    asset = await access_asset_for_staff(session, asset_id)
    await audit.record(
        session,
        actor=actor,
        action="content.delete",
        target_type="asset",
        target_id=asset.id,
        summary=f"Deleted “{asset.title}”",
        before=_snapshot(asset),
    )
    await session.execute(delete(AssetUse).where(AssetUse.asset_id == asset.id))
    await session.delete(asset)
    await session.flush()
    if asset.storage_name is not None:
        enqueue(session, "delete_stored_file", name=asset.storage_name)
    return asset


def _snapshot(asset: Asset) -> dict[str, object]:
    return {
        "title": asset.title,
        "kind": str(asset.kind),
        "category": asset.category,
        "points": asset.points,
        "is_published": asset.is_published,
        "file": asset.original_filename,
        "sha256": asset.sha256,
        "url": asset.url,
        "tags": asset.tag_names,
        "groups": sorted(asset.group_ids),
    }


@dataclass(frozen=True)
class AssetStats:
    asset: Asset
    downloads: int
    unique_users: int
    watch_completions: int
    points_awarded: int


async def asset_stats(session: AsyncSession, assets: Sequence[Asset]) -> list[AssetStats]:
    """Per asset: downloads (every download or open), people who used it, videos watched to
    the end, and the points it gave."""
    rows = {
        row.asset_id: row
        for row in (
            await session.execute(
                select(
                    AssetUse.asset_id,
                    func.coalesce(func.sum(AssetUse.downloads), 0).label("downloads"),
                    func.count().label("users"),
                    func.count(AssetUse.watched_at).label("watched"),
                    func.coalesce(func.sum(AssetUse.points_awarded), 0).label("points"),
                )
                .where(AssetUse.asset_id.in_([a.id for a in assets]))
                .group_by(AssetUse.asset_id)
            )
        ).all()
    }
    stats = []
    for asset in assets:
        row = rows.get(asset.id)
        stats.append(
            AssetStats(
                asset=asset,
                downloads=int(row.downloads) if row else 0,
                unique_users=int(row.users) if row else 0,
                watch_completions=int(row.watched) if row else 0,
                points_awarded=int(row.points) if row else 0,
            )
        )
    return stats
