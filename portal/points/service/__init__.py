"""Points: the one door through which points move, and what pages read about them."""

from portal.points.service.badges import (
    access_badge,
    award_badge,
    badges_of,
    community_feed,
    list_badges,
)
from portal.points.service.boards import Board, BoardRow, leaderboard, rank_of
from portal.points.service.ledger import (
    IdempotencyConflict,
    InsufficientPoints,
    Source,
    adjust,
    award,
    balance_of,
    history,
    open_account,
    reconcile_balances,
    refund,
    spend,
)
from portal.points.service.levels import LevelProgress, level_progress, list_levels

__all__ = [
    "Board",
    "BoardRow",
    "IdempotencyConflict",
    "InsufficientPoints",
    "LevelProgress",
    "Source",
    "access_badge",
    "adjust",
    "award",
    "award_badge",
    "badges_of",
    "balance_of",
    "community_feed",
    "history",
    "leaderboard",
    "level_progress",
    "list_badges",
    "list_levels",
    "open_account",
    "rank_of",
    "reconcile_balances",
    "refund",
    "spend",
]
