"""/api/v1/rewards and /api/v1/redemptions: the catalogue and the redemptions for a shop or a
fulfilment partner, and status updates through the fulfilment services the queue uses
(approve; fulfil with tracking; reject, which refunds the points and returns the unit), in the
name of the admin who made the token."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from portal.api.advocates import acting_admin
from portal.api.framework import Call, operation
from portal.api.problems import field_problem
from portal.api.schemas import PLAIN, Strict, bounded
from portal.api_tokens.models import Scope
from portal.rewards import service as rewards
from portal.rewards.models import Redemption, RedemptionStatus, RewardKind

Note = Annotated[str, bounded(500), PLAIN]


class RewardOut(BaseModel):
    id: int
    title: str
    kind: RewardKind
    cost: int
    inventory: int | None
    codes_left: int
    open_redemptions: int
    active: bool


class RewardList(BaseModel):
    items: list[RewardOut]


class RedemptionOut(BaseModel):
    id: int
    reward_id: int
    reward_title: str
    user_id: int
    user_email: str
    cost: int
    status: RedemptionStatus
    shipping: dict[str, str] | None
    tracking_note: str
    reject_reason: str
    created_at: datetime

    @classmethod
    def of(cls, redemption: Redemption) -> "RedemptionOut":
        return cls(
            id=redemption.id,
            reward_id=redemption.reward_id,
            reward_title=redemption.reward.title,
            user_id=redemption.user_id,
            user_email=redemption.user.email,
            cost=redemption.cost,
            status=RedemptionStatus(redemption.status),
            shipping={str(k): str(v) for k, v in redemption.shipping.items()}
            if redemption.shipping
            else None,
            tracking_note=redemption.tracking_note,
            reject_reason=redemption.reject_reason,
            created_at=redemption.created_at,
        )


class RedemptionQuery(Strict):
    status: RedemptionStatus | None = Field(
        default=None, description="One status; without it, those that need work."
    )


class RedemptionList(BaseModel):
    items: list[RedemptionOut] = Field(description="Newest first, at most 500.")


class RedemptionUpdate(Strict):
    """`approved`; `fulfilled` with a `note` (tracking); `rejected` with a `note` (the reason the
    advocate sees; the points are refunded)."""

    status: Literal["approved", "fulfilled", "rejected"]
    note: Note = ""


@operation(
    "GET",
    "/rewards",
    name="list_rewards",
    summary="The rewards, with stock and open redemptions",
    scope=Scope.REWARDS_READ,
    response=RewardList,
)
async def list_rewards(call: Call[Any, Any]) -> RewardList:
    return RewardList(
        items=[
            RewardOut(
                id=reward.id,
                title=reward.title,
                kind=RewardKind(reward.kind),
                cost=reward.cost,
                inventory=reward.inventory,
                codes_left=codes,
                open_redemptions=open_count,
                active=reward.is_active,
            )
            for reward, codes, open_count in await rewards.list_rewards(call.session)
        ]
    )


@operation(
    "GET",
    "/redemptions",
    name="list_redemptions",
    summary="Redemptions: those that need work, or those in one status",
    scope=Scope.REWARDS_READ,
    query=RedemptionQuery,
    response=RedemptionList,
)
async def list_redemptions(call: Call[Any, RedemptionQuery]) -> RedemptionList:
    status = call.query.status
    rows = await rewards.fulfilment_queue(
        call.session, statuses=[status] if status else rewards.NEEDS_WORK
    )
    return RedemptionList(items=[RedemptionOut.of(row) for row in rows])


@operation(
    "PATCH",
    "/redemptions/{redemption_id:int}",
    name="update_redemption",
    summary="Approve, fulfil with tracking, or reject with a refund",
    scope=Scope.REWARDS_WRITE,
    body=RedemptionUpdate,
    response=RedemptionOut,
    errors=(404, 409),
)
async def update_redemption(call: Call[RedemptionUpdate, Any]) -> RedemptionOut:
    body = call.body
    staff = await acting_admin(call)
    redemption_id: int = call.path("redemption_id")
    if body.status == "approved":
        redemption = await rewards.approve_redemption(
            call.session, staff=staff, redemption_id=redemption_id
        )
    elif body.status == "fulfilled":
        redemption = await rewards.fulfil_redemption(
            call.session, staff=staff, redemption_id=redemption_id, tracking_note=body.note
        )
    else:
        if not body.note:
            raise field_problem("note", "Say why: the advocate sees the reason.")
        redemption = await rewards.reject_redemption(
            call.session, staff=staff, redemption_id=redemption_id, reason=body.note
        )
    return RedemptionOut.of(redemption)
