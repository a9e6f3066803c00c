from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.demo import seed_session
from portal.files.storage import LocalStorage
from portal.reports.overview import overview
from portal.reports.periods import Span, period_of


async def test_the_demo_gives_the_overview_something_to_show(
    session: AsyncSession, tmp_path: Path
) -> None:
    await seed_session(session, storage=LocalStorage(tmp_path / "uploads"))
    report = await overview(
        session,
        period=period_of(Span.DAYS_30, utcnow().date()),
        group_id=None,
        points_per_money_unit=100,
    )
    for key in ("active", "engaged", "completions", "submitted", "won", "issued", "liability"):
        figure = report.figure(key)
        assert figure.value > 0, key
    assert report.figure("active").previous > 0  # a month of history before this one
    assert sum(now for _, now, _ in report.by_source) == report.figure("issued").value
