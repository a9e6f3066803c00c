"""The advocate's side: what they may see, first use and watching (points once), share pages."""

import html
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal import events
from portal.clock import utcnow
from portal.content.models import Asset, AssetGroup, AssetKind, AssetTag, AssetUse
from portal.errors import NotFound
from portal.i18n import N_
from portal.people import service as people
from portal.people.models import Role, User
from portal.people.targeting import STAFF_SEE_ALL, sees_everything, visible_to
from portal.points import service as points
from portal.points.models import BadgeRule
from portal.wording import wording

NEW_FOR = timedelta(days=14)
TAG = re.compile(r"<[^>]*>")


def _visible(viewer: User) -> ColumnElement[bool]:
    targeted = visible_to(
        viewer,
        is_targeted=Asset.is_targeted,
        thing_id=Asset.id,
        link_thing_id=AssetGroup.asset_id,
        link_group_id=AssetGroup.group_id,
    )
    return and_(or_(Asset.is_published.is_(True), sees_everything(viewer)), targeted)


@dataclass(frozen=True)
class Card:
    asset: Asset
    use: AssetUse | None
    is_new: bool

    @property
    def is_used(self) -> bool:
        """The check mark: downloaded or opened, or (for a video) watched to the end."""
        if self.use is None:
            return False
        if self.asset.kind is AssetKind.VIDEO:
            return self.use.watched_at is not None
        return self.use.downloads > 0


@dataclass(frozen=True)
class Library:
    cards: list[Card]
    categories: list[str]
    tags: list[str]


async def library(
    session: AsyncSession,
    viewer: User,
    *,
    category: str = "",
    tag: str = "",
    search: str = "",
) -> Library:
    """What the viewer may see, filtered; with the categories and tags to filter by."""
    visible = _visible(viewer)
    query = select(Asset).where(visible)
    if category:
        query = query.where(Asset.category == category)
    if tag:
        query = query.where(
            select(AssetTag.asset_id)
            .where(AssetTag.asset_id == Asset.id, AssetTag.tag == tag.lower())
            .exists()
        )
    assets = list(
        await session.scalars(
            query.options(selectinload(Asset.tags)).order_by(
                Asset.published_at.desc(), Asset.id.desc()
            )
        )
    )
    if search:
        needle = " ".join(search.casefold().split())
        assets = [a for a in assets if needle in _searchable(a)]
    uses = await _uses(session, viewer, [a.id for a in assets])
    now = utcnow()
    cards = [
        Card(
            asset=a,
            use=uses.get(a.id),
            is_new=a.published_at is not None
            and now - a.published_at < NEW_FOR
            and a.id not in uses,
        )
        for a in assets
    ]
    categories = list(
        await session.scalars(
            select(Asset.category)
            .where(visible, Asset.category != "")
            .distinct()
            .order_by(Asset.category)
        )
    )
    tags = list(
        await session.scalars(
            select(AssetTag.tag)
            .join(Asset, Asset.id == AssetTag.asset_id)
            .where(visible)
            .distinct()
            .order_by(AssetTag.tag)
        )
    )
    return Library(cards=cards, categories=categories, tags=tags)


def _searchable(asset: Asset) -> str:
    """Title and description as a reader sees them: the markup removed, entities decoded, case
    folded (in Python, so "Lucía" finds "LUCÍA" on SQLite too)."""
    text = html.unescape(TAG.sub(" ", asset.description_html))
    return " ".join(f"{asset.title} {text}".casefold().split())


async def _uses(session: AsyncSession, viewer: User, asset_ids: list[int]) -> dict[int, AssetUse]:
    if not asset_ids:
        return {}
    rows = await session.scalars(
        select(AssetUse).where(AssetUse.user_id == viewer.id, AssetUse.asset_id.in_(asset_ids))
    )
    return {use.asset_id: use for use in rows}


async def access_asset(session: AsyncSession, viewer: User, asset_id: int) -> Asset:
    """The asset if the viewer may see it; NotFound for missing, unpublished or not targeted
    at them alike, so existence is not leaked."""
    asset = await session.scalar(
        select(Asset)
        .where(Asset.id == asset_id, _visible(viewer))
        .options(selectinload(Asset.tags))
    )
    if asset is None:
        raise NotFound()
    return asset


async def use_of(session: AsyncSession, viewer: User, asset: Asset) -> AssetUse | None:
    return await session.get(AssetUse, (asset.id, viewer.id))


async def card_for(session: AsyncSession, viewer: User, asset: Asset) -> Card:
    use = await use_of(session, viewer, asset)
    return Card(asset=asset, use=use, is_new=False)


def _insert_use(session: AsyncSession, **values: object) -> PgInsert | SqliteInsert:
    """INSERT for this engine: both dialects' inserts know ON CONFLICT."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return insert(AssetUse).values(**values)


async def touch_use(session: AsyncSession, viewer: User, asset: Asset, *, downloads: int) -> None:
    """The person's use row, made on first use; both engines' ON CONFLICT makes a double click
    one row."""
    statement = _insert_use(
        session, asset_id=asset.id, user_id=viewer.id, first_used_at=utcnow(), downloads=downloads
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["asset_id", "user_id"],
            set_={"downloads": AssetUse.downloads + downloads},
        )
    )


async def award_once(session: AsyncSession, viewer: User, asset: Asset, reason: str) -> int:
    """The asset's points for its first use; `reason` a catalogue message naming the asset
    as %(title)s ("Downloaded “%(title)s”")."""
    """Points for the first use, once: the conditional update lets one request through, and
    the ledger key makes even a second one a replay."""
    if asset.points <= 0:
        return 0
    claimed = await session.scalar(
        update(AssetUse)
        .where(
            AssetUse.asset_id == asset.id,
            AssetUse.user_id == viewer.id,
            AssetUse.points_awarded == 0,
        )
        .values(points_awarded=asset.points)
        .returning(AssetUse.asset_id)
        .execution_options(synchronize_session=False)
    )
    if claimed is None:
        return 0
    await points.award(
        session,
        viewer,
        points=asset.points,
        reason=wording(reason, title=asset.title_source[:120]),
        key=f"asset:{asset.id}:used:{viewer.id}",
        source=points.Source("asset", asset.id),
    )
    return asset.points


async def record_download(session: AsyncSession, viewer: User, asset: Asset) -> int:
    """A download, an image opened or a link followed: counted every time; the first one
    earns the asset's points. Returns the points awarded now (0 after the first time).
    Videos earn their points by being watched, not fetched."""
    await touch_use(session, viewer, asset, downloads=1)
    if asset.kind is AssetKind.VIDEO:
        return 0
    opened = asset.kind in (AssetKind.LINK, AssetKind.IMAGE)
    reason = N_("Opened “%(title)s”") if opened else N_("Downloaded “%(title)s”")
    awarded = await award_once(session, viewer, asset, reason)
    if awarded:
        await points.award_rule_badge(session, viewer, BadgeRule.FIRST_DOWNLOAD)
    await events.publish(
        session, events.AssetUsed(user_id=viewer.id, asset_id=asset.id, watched=False)
    )
    return awarded


@dataclass(frozen=True)
class SharePage:
    asset: Asset
    advocate: User | None  # None: the code is unknown or its owner is not active


async def share_page(
    session: AsyncSession,
    *,
    asset_id: int,
    code: str,
    client_key: str | None = None,
    viewer_id: int | None = None,
) -> SharePage:
    """A public page for a published asset that is meant for everyone (targeted assets stay
    inside the portal), carrying the sharing advocate's referral code. A visit counts as a
    click on the advocate's link, as `/r/<code>` does (not the advocate's own visits; only
    when a `client_key` is given, so fetching the shared file doesn't count twice)."""
    asset = await session.scalar(
        select(Asset).where(
            Asset.id == asset_id,
            Asset.is_published.is_(True),
            Asset.is_targeted.is_(False),
        )
    )
    if asset is None:
        raise NotFound()
    advocate = await people.get_advocate_for_code(session, code)
    if advocate is not None and client_key is not None and advocate.id != viewer_id:
        await events.publish(
            session, events.ShareLinkVisited(advocate_id=advocate.id, client_key=client_key)
        )
    return SharePage(asset=asset, advocate=advocate)


def can_share(viewer: User, asset: Asset) -> bool:
    """Published content meant for everyone can be shared; targeted content stays inside."""
    return (
        asset.is_published
        and not asset.is_targeted
        and viewer.has_role(Role.ADVOCATE, *STAFF_SEE_ALL)
    )
