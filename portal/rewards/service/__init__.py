"""Rewards: the catalog and what it lets an advocate redeem (catalog), redeeming and cancelling
(redemptions), the program team's decisions and queue (fulfilment), what marketers manage
(manage), and what the advocate's pages read (views)."""

from portal.rewards.service.catalog import (
    MESSAGES,
    OPEN_STATUSES,
    SHIPPING_FIELDS,
    CannotRedeem,
    CatalogItem,
    RedeemRefused,
    access_reward,
    catalog,
    last_shipping,
    why_cannot_redeem,
)
from portal.rewards.service.fulfilment import (
    NEEDS_WORK,
    approve_redemption,
    fulfil_redemption,
    fulfilment_queue,
    reject_redemption,
)
from portal.rewards.service.manage import (
    CodeUpload,
    ImageUpload,
    InvalidRewardImage,
    InvalidRewardLevel,
    RewardValues,
    access_reward_for_staff,
    add_codes,
    codes_of,
    list_rewards,
    low_code_pools,
    required_level_id,
    reward_image,
    save_reward,
)
from portal.rewards.service.redemptions import (
    access_redemption,
    cancel_redemption,
    my_redemptions,
    request_redemption,
)
from portal.rewards.service.views import (
    CatalogView,
    RedeemView,
    catalog_view,
    redeem_view,
)

__all__ = [
    "MESSAGES",
    "NEEDS_WORK",
    "OPEN_STATUSES",
    "SHIPPING_FIELDS",
    "CannotRedeem",
    "CatalogItem",
    "CatalogView",
    "CodeUpload",
    "ImageUpload",
    "InvalidRewardImage",
    "InvalidRewardLevel",
    "RedeemRefused",
    "RedeemView",
    "RewardValues",
    "access_redemption",
    "access_reward",
    "access_reward_for_staff",
    "add_codes",
    "approve_redemption",
    "cancel_redemption",
    "catalog",
    "catalog_view",
    "codes_of",
    "fulfil_redemption",
    "fulfilment_queue",
    "last_shipping",
    "list_rewards",
    "low_code_pools",
    "my_redemptions",
    "redeem_view",
    "reject_redemption",
    "request_redemption",
    "required_level_id",
    "reward_image",
    "save_reward",
    "why_cannot_redeem",
]
