"""The fulfilment queue at scale: one decision for many redemptions (each through the same rules
as one by one, in its own savepoint, so one that was handled meanwhile is skipped and named),
and tracking numbers imported from a CSV file, all rows or none."""

from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.csv import read_rows
from portal.errors import Conflict, NotFound, PortalError
from portal.i18n import N_, ngettext, number
from portal.parsing import INT4_MAX, InvalidInput, whole_number
from portal.people.models import User
from portal.rewards.models import Redemption, RedemptionStatus, Reward, RewardKind
from portal.rewards.service.fulfilment import (
    approve_redemption,
    fulfil_redemption,
    reject_redemption,
)

MAX_TRACKING = 500  # the column's length
ID_HEADERS = {"id", "#", "redemption", "redemption id"}
TRACKING_HEADERS = {"tracking", "tracking number", "tracking note"}


class BulkAction(StrEnum):
    APPROVE = "approve"
    FULFIL = "fulfil"
    DECLINE = "decline"

    @property
    def label(self) -> str:
        return {
            "approve": N_("Approve"),
            "fulfil": N_("Mark fulfilled"),
            "decline": N_("Decline and refund"),
        }[self.value]

    @property
    def done(self) -> str:
        return {"approve": "approved", "fulfil": "fulfilled", "decline": "declined"}[self.value]


@dataclass(frozen=True)
class BulkOutcome:
    done: int
    skipped: list[str] = field(default_factory=list)


async def queue_ids(
    session: AsyncSession,
    *,
    statuses: Collection[RedemptionStatus] | None,
    kind: RewardKind | None,
) -> list[int]:
    """Every redemption the queue's filters match (the page shows the newest 500)."""
    query = select(Redemption.id).join(Reward, Reward.id == Redemption.reward_id)
    if statuses is not None:
        query = query.where(Redemption.status.in_(statuses))
    if kind is not None:
        query = query.where(Reward.kind == kind)
    return list(await session.scalars(query.order_by(Redemption.id)))


async def act_on_many(
    session: AsyncSession,
    *,
    staff: User,
    redemption_ids: Collection[int],
    action: BulkAction,
    note: str,
) -> BulkOutcome:
    """Approves, fulfils (with one tracking note, often none) or declines (with the reason the
    advocates see) each redemption; one whose status does not allow it is skipped."""
    if not redemption_ids:
        raise PortalError(N_("Tick the redemptions to act on, or act on all shown."))
    if action == BulkAction.DECLINE and not note.strip():
        raise PortalError(N_("Say why: the advocates see the reason."))
    done = 0
    skipped = []
    for redemption_id in sorted(set(redemption_ids)):
        try:
            async with session.begin_nested():
                if action == BulkAction.APPROVE:
                    await approve_redemption(session, staff=staff, redemption_id=redemption_id)
                elif action == BulkAction.FULFIL:
                    await fulfil_redemption(
                        session, staff=staff, redemption_id=redemption_id, tracking_note=note
                    )
                else:
                    await reject_redemption(
                        session, staff=staff, redemption_id=redemption_id, reason=note
                    )
        except (Conflict, NotFound):
            skipped.append(f"#{redemption_id}")
        else:
            done += 1
    return BulkOutcome(done=done, skipped=skipped)


# --- tracking numbers from a file --------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


class TrackingRefused(PortalError):
    """Some rows are wrong: nothing was written; each row's problem is listed."""

    status_code = 422

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            ngettext(
                "Nothing was imported: %(num)s row needs fixing.",
                "Nothing was imported: %(num)s rows need fixing.",
                len(errors),
            )
            % {"num": number(len(errors))}
        )
        self.errors = errors


async def import_tracking(session: AsyncSession, *, staff: User, text: str) -> int:
    """Marks each approved redemption in the file fulfilled with its tracking number (and tells
    its advocate). Every row is checked first: one bad row and nothing is written. A row for
    a redemption already fulfilled with that same number is passed over, so a file can be sent
    twice. Returns how many were fulfilled."""
    rows = read_rows(text)
    id_column, tracking_column = 0, 1
    if rows and whole_number_or_none(rows[0][1][0].lstrip("#")) is None:  # a header row
        id_column, tracking_column = _columns([cell.lower() for cell in rows[0][1]])
        rows = rows[1:]
    if not rows:
        raise PortalError(
            N_("The file has no rows: one redemption number and tracking number a row.")
        )
    wanted: dict[int, tuple[int, str]] = {}
    errors: list[RowError] = []
    for line, cells in rows:
        raw_id = cells[id_column] if id_column < len(cells) else ""
        tracking = cells[tracking_column] if tracking_column < len(cells) else ""
        redemption_id = whole_number_or_none(raw_id.lstrip("#"))
        if redemption_id is None:
            errors.append(RowError(line, f"“{raw_id[:40]}” is not a redemption number."))
        elif redemption_id in wanted:
            errors.append(
                RowError(line, f"#{redemption_id} is also on line {wanted[redemption_id][0]}.")
            )
        elif not tracking:
            errors.append(RowError(line, f"#{redemption_id} has no tracking number."))
        elif len(tracking) > MAX_TRACKING:
            errors.append(RowError(line, f"#{redemption_id}: the tracking number is too long."))
        else:
            wanted[redemption_id] = (line, tracking)
    found = {
        r.id: r
        for r in await session.scalars(
            select(Redemption)
            .where(Redemption.id.in_(wanted))
            .options(selectinload(Redemption.reward))
        )
    }
    to_fulfil = []
    for redemption_id, (line, tracking) in wanted.items():
        redemption = found.get(redemption_id)
        if redemption is None:
            errors.append(RowError(line, f"There is no redemption #{redemption_id}."))
        elif redemption.status == RedemptionStatus.APPROVED:
            to_fulfil.append((redemption_id, tracking))
        elif redemption.status == RedemptionStatus.FULFILLED:
            if redemption.tracking_note != tracking:
                errors.append(
                    RowError(line, f"#{redemption_id} is already fulfilled with another note.")
                )
        elif redemption.status == RedemptionStatus.REQUESTED:
            errors.append(
                RowError(line, f"#{redemption_id} is not approved yet: approve it first.")
            )
        else:
            errors.append(RowError(line, f"#{redemption_id} was {redemption.status}."))
    if errors:
        raise TrackingRefused(sorted(errors, key=lambda error: error.line))
    for redemption_id, tracking in to_fulfil:
        await fulfil_redemption(
            session, staff=staff, redemption_id=redemption_id, tracking_note=tracking
        )
    return len(to_fulfil)


def whole_number_or_none(text: str) -> int | None:
    try:
        return whole_number(text, minimum=1, maximum=INT4_MAX)
    except InvalidInput:
        return None


def _columns(header: list[str]) -> tuple[int, int]:
    ids = [i for i, name in enumerate(header) if name in ID_HEADERS]
    tracking = [i for i, name in enumerate(header) if name in TRACKING_HEADERS]
    if not ids or not tracking:
        raise PortalError(
            N_(
                "The first row names the columns: it needs an “id” and a “tracking” column "
                "(the queue's CSV export has both)."
            )
        )
    return ids[0], tracking[0]
