"""Reports count released points only: a pending award issues nothing until it is paid, and a
clawback takes back what its source issued."""

from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.points import service as points
from portal.reports.overview import points_moved, tally
from portal.reports.periods import Period
from tests.factories import make_advocate


async def _issued(session: AsyncSession) -> dict[str, int]:
    today = Period(utcnow().date(), utcnow().date())
    (moved,) = await points_moved(session, None, [today])
    return {k: v for k, v in tally(moved).issued.items() if v}


async def test_pending_points_issue_nothing_until_released_and_a_clawback_takes_back(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    referral = points.Source("referral", 1)
    held = await points.award(
        session, ada, points=200, reason="Q", key="rep:1", source=referral, review="Flagged"
    )
    assert await _issued(session) == {}
    await points.release_pending(session, held.id, reason="ok")
    assert await _issued(session) == {"Referrals": 200}
    await points.claw_back(session, keys=["rep:1"], reason="Rejected", actor=None)
    assert await _issued(session) == {}
