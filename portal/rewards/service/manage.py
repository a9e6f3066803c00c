"""What marketers manage: rewards with their images and code pools."""

from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal import sanitize
from portal.audit import service as audit
from portal.errors import NotFound, PortalError
from portal.files.storage import Storage
from portal.files.uploads import FileKind, save_upload
from portal.i18n import N_
from portal.jobs import enqueue
from portal.people.models import Role, User
from portal.points.models import Level
from portal.rewards.models import (
    FriendGift,
    Redemption,
    Reward,
    RewardCode,
    RewardGroup,
    RewardKind,
    RewardLevel,
)
from portal.rewards.service.catalog import OPEN_STATUSES, access_reward
from portal.rewards.service.stock import stock_added
from portal.translations import Translations, with_html

# --- the catalog, for marketers -------------------------------------------------------------


@dataclass(frozen=True)
class ImageUpload:
    storage: Storage
    chunks: AsyncIterable[bytes]
    filename: str
    max_bytes: int


@dataclass(frozen=True)
class RewardValues:
    title: str
    description: str
    kind: RewardKind
    cost: int
    inventory: int | None
    per_user_limit: int | None
    needs_approval: bool
    is_active: bool
    cause: str
    uses_code_pool: bool
    group_ids: frozenset[int]
    required_level_id: int | None = None
    for_referred_friends: bool = False
    # Other languages' title and description, as typed (portal.translations).
    translations: Translations = field(default_factory=dict)


async def list_rewards(session: AsyncSession) -> list[tuple[Reward, int, int]]:
    """Every reward with its count of unused codes and of open redemptions."""
    rewards = list(
        await session.scalars(
            select(Reward).options(selectinload(Reward.groups)).order_by(Reward.id.desc())
        )
    )
    free = dict(
        (
            await session.execute(
                select(RewardCode.reward_id, func.count())
                .where(RewardCode.redemption_id.is_(None))
                .group_by(RewardCode.reward_id)
            )
        ).all()
    )
    open_ = dict(
        (
            await session.execute(
                select(Redemption.reward_id, func.count())
                .where(Redemption.status.in_(OPEN_STATUSES))
                .group_by(Redemption.reward_id)
            )
        ).all()
    )
    return [(r, free.get(r.id, 0), open_.get(r.id, 0)) for r in rewards]


async def low_code_pools(session: AsyncSession, *, below: int) -> list[tuple[Reward, int]]:
    """Active rewards paid in codes with fewer than `below` unused codes, and how many are
    left, newest reward first: one statement (staff Home reads it on every visit)."""
    free = (
        select(func.count())
        .where(RewardCode.reward_id == Reward.id, RewardCode.redemption_id.is_(None))
        .correlate(Reward)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Reward, free)
        .where(Reward.is_active.is_(True), Reward.uses_code_pool.is_(True), free < below)
        .order_by(Reward.id.desc())
    )
    return [(reward, int(left)) for reward, left in rows]


async def access_reward_for_staff(session: AsyncSession, reward_id: int) -> Reward:
    reward = await session.scalar(
        select(Reward).where(Reward.id == reward_id).options(selectinload(Reward.groups))
    )
    if reward is None:
        raise NotFound()
    return reward


class InvalidRewardImage(PortalError):
    status_code = 422


class InvalidRewardLevel(PortalError):
    status_code = 422


async def save_reward(
    session: AsyncSession,
    *,
    staff: User,
    values: RewardValues,
    reward_id: int | None = None,
    image: ImageUpload | None = None,
    remove_image: bool = False,
) -> Reward:
    level_id = values.required_level_id
    if level_id is not None and await session.get(Level, level_id) is None:
        raise InvalidRewardLevel(N_("That level no longer exists. Choose another."))
    reward = (
        await access_reward_for_staff(session, reward_id)
        if reward_id is not None
        else Reward(groups=[])
    )
    before = (
        None
        if reward_id is None
        else {"cost": reward.cost, "inventory": reward.inventory, "is_active": reward.is_active}
    )
    reward.title = values.title
    reward.description_html = sanitize.clean_html(values.description)
    reward.translations = with_html(values.translations, {"description": "description_html"})
    reward.kind = values.kind
    reward.cost = values.cost
    reward.inventory = None if values.uses_code_pool else values.inventory
    reward.uses_code_pool = values.uses_code_pool
    if values.for_referred_friends and not reward.for_referred_friends:
        await session.execute(  # one pool for friends: marking this one unmarks the other
            update(Reward)
            .where(Reward.for_referred_friends.is_(True))
            .values(for_referred_friends=False)
            .execution_options(synchronize_session=False)
        )
    reward.for_referred_friends = values.for_referred_friends and values.uses_code_pool
    reward.per_user_limit = values.per_user_limit
    reward.needs_approval = values.needs_approval
    reward.is_active = values.is_active
    reward.cause = values.cause
    reward.groups = [g for g in reward.groups if g.group_id in values.group_ids] + [
        RewardGroup(group_id=gid)
        for gid in sorted(values.group_ids - {g.group_id for g in reward.groups})
    ]
    reward.is_targeted = bool(values.group_ids)
    old_image = reward.image_name
    if image is not None:
        saved = await save_upload(
            image.storage, image.chunks, filename=image.filename, max_bytes=image.max_bytes
        )
        if saved.file_type.kind is not FileKind.IMAGE:
            await image.storage.delete(saved.stored.name)
            raise InvalidRewardImage(
                f"“{saved.filename}” is not an image. Use a PNG, JPEG or WebP."
            )
        reward.image_name, reward.image_type = saved.stored.name, saved.file_type.content_type
    elif remove_image:
        reward.image_name, reward.image_type = None, ""
    if old_image and old_image != reward.image_name:
        enqueue(session, "delete_stored_file", name=old_image)  # once this commits
    session.add(reward)
    await session.flush()
    await _require_level(session, reward, values.required_level_id)
    await stock_added(session, reward)
    await audit.record(
        session,
        actor=staff,
        action="rewards.created" if reward_id is None else "rewards.changed",
        target_type="reward",
        target_id=reward.id,
        summary=f"{reward.title}: {reward.cost:,} points",
        before=before,
        after={"cost": reward.cost, "inventory": reward.inventory, "is_active": reward.is_active},
    )
    return reward


async def _require_level(session: AsyncSession, reward: Reward, level_id: int | None) -> None:
    required = await session.get(RewardLevel, reward.id)
    if level_id is None:
        if required is not None:
            await session.delete(required)
    elif required is None:
        session.add(RewardLevel(reward_id=reward.id, level_id=level_id))
    else:
        required.level_id = level_id
    await session.flush()


async def required_level_id(session: AsyncSession, reward_id: int) -> int | None:
    return await session.scalar(
        select(RewardLevel.level_id).where(RewardLevel.reward_id == reward_id)
    )


@dataclass(frozen=True)
class CodeUpload:
    added: int
    duplicates: list[str]


async def add_codes(
    session: AsyncSession, *, staff: User, reward_id: int, codes: Iterable[str]
) -> CodeUpload:
    """Adds new codes to the pool; codes already in it (or repeated) are refused and listed."""
    reward = await access_reward_for_staff(session, reward_id)
    if not reward.uses_code_pool:
        raise PortalError(N_("Turn on the code pool for this reward first."))
    cleaned = [c.strip() for c in codes if c.strip()]
    existing = set(
        await session.scalars(select(RewardCode.code).where(RewardCode.reward_id == reward.id))
    ) | set(  # a code sent to a referred friend left the pool but stays given
        await session.scalars(select(FriendGift.code).where(FriendGift.reward_id == reward.id))
    )
    seen: set[str] = set()
    duplicates = []
    for code in cleaned:
        if code in existing or code in seen:
            duplicates.append(code)
        else:
            seen.add(code)
    session.add_all(RewardCode(reward_id=reward.id, code=code) for code in sorted(seen))
    await session.flush()
    await stock_added(session, reward)
    if seen:
        await audit.record(
            session,
            actor=staff,
            action="rewards.codes_added",
            target_type="reward",
            target_id=reward.id,
            summary=f"{len(seen)} codes added to {reward.title}",
        )
    return CodeUpload(added=len(seen), duplicates=duplicates)


async def reward_image(session: AsyncSession, *, viewer: User, reward_id: int) -> Reward:
    """A reward with an image the viewer may see (staff see every reward's)."""
    if viewer.has_role(Role.MARKETER, Role.ADMIN):
        reward = await access_reward_for_staff(session, reward_id)
    else:
        reward = (await access_reward(session, viewer=viewer, reward_id=reward_id)).reward
    if not reward.image_name:
        raise NotFound()
    return reward


async def codes_of(session: AsyncSession, reward_id: int) -> list[RewardCode]:
    return list(
        await session.scalars(
            select(RewardCode).where(RewardCode.reward_id == reward_id).order_by(RewardCode.id)
        )
    )
