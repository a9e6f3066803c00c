"""Redeeming rewards and fulfilling redemptions. Every change of points goes through the
points ledger; a refusal anywhere leaves nothing changed."""

from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal import sanitize
from portal.audit import service as audit
from portal.clock import utcnow
from portal.errors import Conflict, NotFound, PortalError
from portal.files.storage import Storage
from portal.files.uploads import FileKind, save_upload
from portal.jobs import enqueue
from portal.notifications import service as notifications
from portal.outbox import service as outbox
from portal.outbox.models import EmailCategory
from portal.people.models import Role, User
from portal.people.targeting import visible_to
from portal.points import service as points
from portal.program import service as program
from portal.rewards.models import (
    Redemption,
    RedemptionStatus,
    Reward,
    RewardCode,
    RewardGroup,
    RewardKind,
)

OPEN_STATUSES = (RedemptionStatus.REQUESTED, RedemptionStatus.APPROVED, RedemptionStatus.FULFILLED)
SHIPPING_FIELDS = ("name", "street", "city", "postal_code", "country", "phone")


class CannotRedeem(StrEnum):
    NOT_ENOUGH_POINTS = "not_enough_points"
    SOLD_OUT = "sold_out"
    LIMIT_REACHED = "limit_reached"
    INACTIVE = "inactive"


class RedeemRefused(Conflict):
    def __init__(self, reason: CannotRedeem, message: str) -> None:
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True)
class CatalogItem:
    reward: Reward
    left: int | None  # None = unlimited
    redeemed_by_viewer: int

    def points_short(self, balance: int) -> int:
        return max(0, self.reward.cost - balance)


def _visible_to(user: User) -> Any:
    """Rewards with no target groups, or a group the user belongs to."""
    return visible_to(
        user,
        is_targeted=Reward.is_targeted,
        thing_id=Reward.id,
        link_thing_id=RewardGroup.reward_id,
        link_group_id=RewardGroup.group_id,
        staff_see_all=False,
    )


async def catalog(
    session: AsyncSession, *, viewer: User, kind: RewardKind | None = None
) -> list[CatalogItem]:
    query = select(Reward).where(Reward.is_active, _visible_to(viewer))
    if kind is not None:
        query = query.where(Reward.kind == kind)
    return await _with_counts(session, viewer, query.order_by(Reward.cost, Reward.id))


async def _with_counts(session: AsyncSession, viewer: User, query: Any) -> list[CatalogItem]:
    """The rewards with what is left of each and how often the viewer holds them."""
    rewards = list(await session.scalars(query))
    ids = [r.id for r in rewards]
    free_codes = dict(
        (
            await session.execute(
                select(RewardCode.reward_id, func.count())
                .where(RewardCode.reward_id.in_(ids), RewardCode.redemption_id.is_(None))
                .group_by(RewardCode.reward_id)
            )
        ).all()
    )
    mine = dict(
        (
            await session.execute(
                select(Redemption.reward_id, func.count())
                .where(
                    Redemption.user_id == viewer.id,
                    Redemption.reward_id.in_(ids),
                    Redemption.status.in_(OPEN_STATUSES),
                )
                .group_by(Redemption.reward_id)
            )
        ).all()
    )
    return [CatalogItem(r, _left(r, free_codes.get(r.id, 0)), mine.get(r.id, 0)) for r in rewards]


def _left(reward: Reward, free_codes: int) -> int | None:
    return free_codes if reward.uses_code_pool else reward.inventory


async def access_reward(session: AsyncSession, *, viewer: User, reward_id: int) -> CatalogItem:
    """A reward targeted at the viewer (another group's answers 404). An inactive one is
    found, so its page can say it is no longer available."""
    items = await _with_counts(
        session, viewer, select(Reward).where(Reward.id == reward_id, _visible_to(viewer))
    )
    if not items:
        raise NotFound()
    return items[0]


async def last_shipping(session: AsyncSession, user: User) -> dict[str, str]:
    """The shipping details of the person's last physical redemption, to prefill the form."""
    shipping = await session.scalar(
        select(Redemption.shipping)
        .where(Redemption.user_id == user.id, Redemption.shipping.is_not(None))
        .order_by(Redemption.id.desc())
        .limit(1)
    )
    return {k: str(v) for k, v in (shipping or {}).items()}


def why_cannot_redeem(item: CatalogItem, *, balance: int) -> CannotRedeem | None:
    reward = item.reward
    if not reward.is_active:
        return CannotRedeem.INACTIVE
    if item.left == 0:
        return CannotRedeem.SOLD_OUT
    if reward.per_user_limit is not None and item.redeemed_by_viewer >= reward.per_user_limit:
        return CannotRedeem.LIMIT_REACHED
    if balance < reward.cost:
        return CannotRedeem.NOT_ENOUGH_POINTS
    return None


MESSAGES = {
    CannotRedeem.NOT_ENOUGH_POINTS: "You don't have enough points for this reward yet.",
    CannotRedeem.SOLD_OUT: "Sorry, this reward is sold out.",
    CannotRedeem.LIMIT_REACHED: "You have redeemed this reward as often as it allows.",
    CannotRedeem.INACTIVE: "This reward is no longer available.",
}


async def request_redemption(
    session: AsyncSession,
    *,
    user: User,
    reward_id: int,
    key: str,
    shipping: dict[str, str] | None,
    base_url: str,
) -> Redemption:
    """Spends the points, takes a unit (or a code) and records the redemption, all or nothing.
    The same form key twice returns the first redemption."""
    earlier = await session.scalar(select(Redemption).where(Redemption.request_key == key))
    if earlier is not None:
        if earlier.user_id != user.id:
            raise NotFound()
        return earlier
    item = await access_reward(session, viewer=user, reward_id=reward_id)
    reward = item.reward
    if not reward.is_active:
        raise RedeemRefused(CannotRedeem.INACTIVE, MESSAGES[CannotRedeem.INACTIVE])
    try:
        redemption = await _redeem(
            session, user=user, reward=reward, key=key, shipping=shipping, base_url=base_url
        )
    except IntegrityError:  # the same form, submitted twice at once: the first one won
        earlier = await session.scalar(select(Redemption).where(Redemption.request_key == key))
        if earlier is None or earlier.user_id != user.id:
            raise
        return earlier
    if reward.needs_approval:
        await _notify_fulfillers(session, redemption, reward=reward, user=user, base_url=base_url)
    await session.refresh(redemption, ["reward", "code"])
    return redemption


async def _redeem(
    session: AsyncSession,
    *,
    user: User,
    reward: Reward,
    key: str,
    shipping: dict[str, str] | None,
    base_url: str,
) -> Redemption:
    async with session.begin_nested():
        # Conditional: a unit is taken only while one is left; it also serialises redeemers.
        taken = await session.execute(
            update(Reward)
            .where(
                Reward.id == reward.id,
                Reward.is_active,
                or_(Reward.inventory.is_(None), Reward.inventory > 0),
            )
            .values(inventory=Reward.inventory - 1)
            .returning(Reward.id)
            .execution_options(synchronize_session=False)
        )
        if taken.one_or_none() is None:
            active = await session.scalar(select(Reward.is_active).where(Reward.id == reward.id))
            reason = CannotRedeem.SOLD_OUT if active else CannotRedeem.INACTIVE
            raise RedeemRefused(reason, MESSAGES[reason])
        if reward.per_user_limit is not None:
            held = await session.scalar(
                select(func.count()).where(
                    Redemption.user_id == user.id,
                    Redemption.reward_id == reward.id,
                    Redemption.status.in_(OPEN_STATUSES),
                )
            )
            if (held or 0) >= reward.per_user_limit:
                raise RedeemRefused(
                    CannotRedeem.LIMIT_REACHED, MESSAGES[CannotRedeem.LIMIT_REACHED]
                )
        redemption = Redemption(
            user_id=user.id,
            reward_id=reward.id,
            cost=reward.cost,
            status=RedemptionStatus.REQUESTED,
            request_key=key,
            shipping=shipping if reward.needs_shipping else None,
        )
        session.add(redemption)
        await session.flush()
        try:
            await points.spend(
                session,
                user,
                points=reward.cost,
                reason=f"Redeemed: {reward.title}",
                key=f"redemption:{redemption.id}:spend",
                source=points.Source("redemption", redemption.id),
            )
        except points.InsufficientPoints as error:
            raise RedeemRefused(CannotRedeem.NOT_ENOUGH_POINTS, error.message) from error
        if not reward.needs_approval:
            await _approve(
                session, redemption, reward=reward, user=user, by=None, base_url=base_url
            )
    return redemption


async def _approve(
    session: AsyncSession,
    redemption: Redemption,
    *,
    reward: Reward,
    user: User,
    by: User | None,
    base_url: str,
) -> None:
    now = utcnow()
    redemption.status = RedemptionStatus.APPROVED
    redemption.approved_at = now
    redemption.decided_by_id = by.id if by else None
    if reward.uses_code_pool:
        code = await _assign_code(session, reward_id=reward.id, redemption_id=redemption.id)
        redemption.status = RedemptionStatus.FULFILLED
        redemption.fulfilled_at = now
        await _tell(
            session,
            redemption,
            user=user,
            reward=reward,
            title=f"Your {reward.title} code is ready",
            base_url=base_url,
            code=code.code,
        )
    else:
        await _tell(
            session,
            redemption,
            user=user,
            reward=reward,
            title=f"Your {reward.title} redemption is approved",
            base_url=base_url,
        )
    await session.flush()


async def _assign_code(session: AsyncSession, *, reward_id: int, redemption_id: int) -> RewardCode:
    """Gives the next unused code to this redemption; two redeemers never get the same one."""
    free = (
        select(RewardCode.id)
        .where(RewardCode.reward_id == reward_id, RewardCode.redemption_id.is_(None))
        .order_by(RewardCode.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    code_id = await session.scalar(
        update(RewardCode)
        .where(RewardCode.id == free, RewardCode.redemption_id.is_(None))
        .values(redemption_id=redemption_id, assigned_at=utcnow())
        .returning(RewardCode.id)
        .execution_options(synchronize_session=False)
    )
    if code_id is None:
        raise RedeemRefused(CannotRedeem.SOLD_OUT, MESSAGES[CannotRedeem.SOLD_OUT])
    code = await session.get(RewardCode, code_id, populate_existing=True)
    assert code is not None  # noqa: S101 (just updated)
    return code


async def _tell(
    session: AsyncSession,
    redemption: Redemption,
    *,
    user: User,
    reward: Reward,
    title: str,
    base_url: str,
    code: str | None = None,
) -> None:
    link = f"/rewards/redemptions/{redemption.id}"
    await notifications.notify(
        session, user_id=user.id, kind="redemption_status", title=title, link=link
    )
    config = await program.load(session)
    await outbox.queue_email(
        session,
        to=user.email,
        user_id=user.id,
        subject=title,
        kind="redemption_status",
        category=EmailCategory.REWARDS,
        base_url=base_url,
        context={
            "name": user.display_name,
            "program_name": config.program_name,
            "title": title,
            "reward": reward.title,
            "status": str(redemption.status),
            "code": code,
            "tracking_note": redemption.tracking_note,
            "reject_reason": redemption.reject_reason,
            "refunded": RedemptionStatus(redemption.status).is_closed,
            "cost": redemption.cost,
            "link": base_url + link,
        },
    )


async def _notify_fulfillers(
    session: AsyncSession, redemption: Redemption, *, reward: Reward, user: User, base_url: str
) -> None:
    await notifications.notify_program_staff(
        session,
        kind="redemption_to_fulfil",
        title=f"{user.display_name} redeemed {reward.title}",
        link=f"/manage/rewards/queue?status=requested#redemption-{redemption.id}",
    )


async def access_redemption(
    session: AsyncSession, *, viewer: User, redemption_id: int, staff: bool = False
) -> Redemption:
    query = (
        select(Redemption)
        .where(Redemption.id == redemption_id)
        .options(selectinload(Redemption.reward), selectinload(Redemption.code))
        .options(selectinload(Redemption.user))
    )
    if not staff:
        query = query.where(Redemption.user_id == viewer.id)
    redemption = await session.scalar(query)
    if redemption is None:
        raise NotFound()
    return redemption


async def my_redemptions(session: AsyncSession, *, user: User) -> list[Redemption]:
    return list(
        await session.scalars(
            select(Redemption)
            .where(Redemption.user_id == user.id)
            .options(selectinload(Redemption.reward), selectinload(Redemption.code))
            .order_by(Redemption.id.desc())
        )
    )


async def _close(
    session: AsyncSession,
    redemption: Redemption,
    *,
    status: RedemptionStatus,
    reason: str,
    by: User | None,
    base_url: str,
) -> Redemption:
    """Rejects or cancels: refunds once and returns the unit. A code already revealed stays
    with this redemption (it was seen, so it can't go back in the pool)."""
    reward = redemption.reward
    closed = await session.execute(
        update(Redemption)
        .where(
            Redemption.id == redemption.id,
            Redemption.status.in_([RedemptionStatus.REQUESTED, RedemptionStatus.APPROVED]),
        )
        .values(
            status=status,
            closed_at=utcnow(),
            reject_reason=reason,
            decided_by_id=by.id if by else None,
        )
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This redemption was already handled.")
    await session.refresh(redemption, ["status", "closed_at", "reject_reason", "decided_by_id"])
    await points.refund(
        session,
        redemption.user,
        points=redemption.cost,
        reason=f"Refund: {reward.title} ({status.value})",
        key=f"redemption:{redemption.id}:refund",
        source=points.Source("redemption", redemption.id),
    )
    if reward.inventory is not None and not reward.uses_code_pool:
        await session.execute(
            update(Reward)
            .where(Reward.id == reward.id)
            .values(inventory=Reward.inventory + 1)
            .execution_options(synchronize_session=False)
        )
    return redemption


async def cancel_redemption(
    session: AsyncSession, *, user: User, redemption_id: int, base_url: str
) -> Redemption:
    redemption = await access_redemption(session, viewer=user, redemption_id=redemption_id)
    if redemption.status != RedemptionStatus.REQUESTED:
        raise Conflict("Only a redemption that is still waiting for approval can be cancelled.")
    return await _close(
        session,
        redemption,
        status=RedemptionStatus.CANCELLED,
        reason="",
        by=None,
        base_url=base_url,
    )


async def reject_redemption(
    session: AsyncSession, *, staff: User, redemption_id: int, reason: str, base_url: str
) -> Redemption:
    if not reason.strip():
        raise PortalError("Say why: the advocate sees the reason.")
    redemption = await access_redemption(
        session, viewer=staff, redemption_id=redemption_id, staff=True
    )
    await _close(
        session,
        redemption,
        status=RedemptionStatus.REJECTED,
        reason=reason.strip(),
        by=staff,
        base_url=base_url,
    )
    await _audit(session, staff, redemption, "rewards.redemption_rejected", reason.strip())
    await _tell(
        session,
        redemption,
        user=redemption.user,
        reward=redemption.reward,
        title=f"Your {redemption.reward.title} redemption was declined",
        base_url=base_url,
    )
    return redemption


async def approve_redemption(
    session: AsyncSession, *, staff: User, redemption_id: int, base_url: str
) -> Redemption:
    redemption = await access_redemption(
        session, viewer=staff, redemption_id=redemption_id, staff=True
    )
    if redemption.status != RedemptionStatus.REQUESTED:
        raise Conflict("This redemption was already handled.")
    await _approve(
        session,
        redemption,
        reward=redemption.reward,
        user=redemption.user,
        by=staff,
        base_url=base_url,
    )
    await _audit(session, staff, redemption, "rewards.redemption_approved", "")
    return redemption


async def fulfil_redemption(
    session: AsyncSession, *, staff: User, redemption_id: int, tracking_note: str, base_url: str
) -> Redemption:
    redemption = await access_redemption(
        session, viewer=staff, redemption_id=redemption_id, staff=True
    )
    if redemption.status != RedemptionStatus.APPROVED:
        raise Conflict("Approve the redemption before marking it fulfilled.")
    redemption.status = RedemptionStatus.FULFILLED
    redemption.fulfilled_at = utcnow()
    redemption.tracking_note = tracking_note.strip()[:500]
    await session.flush()
    await _audit(
        session, staff, redemption, "rewards.redemption_fulfilled", redemption.tracking_note
    )
    await _tell(
        session,
        redemption,
        user=redemption.user,
        reward=redemption.reward,
        title=f"Your {redemption.reward.title} is on its way",
        base_url=base_url,
    )
    return redemption


async def _audit(
    session: AsyncSession, staff: User, redemption: Redemption, action: str, note: str
) -> None:
    await audit.record(
        session,
        actor=staff,
        action=action,
        target_type="redemption",
        target_id=redemption.id,
        summary=f"{redemption.reward.title} for {redemption.user.email}"
        + (f": {note}" if note else ""),
        after={"status": str(redemption.status)},
    )


async def fulfilment_queue(
    session: AsyncSession,
    *,
    status: RedemptionStatus | None = None,
    kind: RewardKind | None = None,
) -> list[Redemption]:
    query = (
        select(Redemption)
        .join(Reward, Reward.id == Redemption.reward_id)
        .options(selectinload(Redemption.reward), selectinload(Redemption.user))
        .options(selectinload(Redemption.code))
    )
    if status is not None:
        query = query.where(Redemption.status == status)
    if kind is not None:
        query = query.where(Reward.kind == kind)
    return list(await session.scalars(query.order_by(Redemption.id.desc()).limit(500)))


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


async def get_reward_for_staff(session: AsyncSession, reward_id: int) -> Reward:
    reward = await session.scalar(
        select(Reward).where(Reward.id == reward_id).options(selectinload(Reward.groups))
    )
    if reward is None:
        raise NotFound()
    return reward


class InvalidRewardImage(PortalError):
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
    reward = (
        await get_reward_for_staff(session, reward_id)
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
    reward.kind = values.kind
    reward.cost = values.cost
    reward.inventory = None if values.uses_code_pool else values.inventory
    reward.uses_code_pool = values.uses_code_pool
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


@dataclass(frozen=True)
class CodeUpload:
    added: int
    duplicates: list[str]


async def add_codes(
    session: AsyncSession, *, staff: User, reward_id: int, codes: Iterable[str]
) -> CodeUpload:
    """Adds new codes to the pool; codes already in it (or repeated) are refused and listed."""
    reward = await get_reward_for_staff(session, reward_id)
    if not reward.uses_code_pool:
        raise PortalError("Turn on the code pool for this reward first.")
    cleaned = [c.strip() for c in codes if c.strip()]
    existing = set(
        await session.scalars(select(RewardCode.code).where(RewardCode.reward_id == reward.id))
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
        reward = await get_reward_for_staff(session, reward_id)
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


# --- what the advocate's pages show -----------------------------------------------------------


@dataclass(frozen=True)
class CatalogView:
    items: list[CatalogItem]
    balance: int


async def catalog_view(
    session: AsyncSession, *, viewer: User, kind: RewardKind | None, affordable: bool
) -> CatalogView:
    balance = (await points.balance_of(session, viewer)).current
    items = await catalog(session, viewer=viewer, kind=kind)
    if affordable:
        items = [i for i in items if why_cannot_redeem(i, balance=balance) is None]
    return CatalogView(items=items, balance=balance)


@dataclass(frozen=True)
class RedeemView:
    item: CatalogItem
    balance: int
    blocked: CannotRedeem | None
    shipping: dict[str, str]

    @property
    def blocked_message(self) -> str:
        return MESSAGES[self.blocked] if self.blocked else ""


async def redeem_view(session: AsyncSession, *, viewer: User, reward_id: int) -> RedeemView:
    item = await access_reward(session, viewer=viewer, reward_id=reward_id)
    balance = (await points.balance_of(session, viewer)).current
    return RedeemView(
        item=item,
        balance=balance,
        blocked=why_cannot_redeem(item, balance=balance),
        shipping=await last_shipping(session, viewer) if item.reward.needs_shipping else {},
    )
