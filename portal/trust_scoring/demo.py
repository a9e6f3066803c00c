"""Demo trust: the rules switched on (Manage → Settings → Trust and fulfilment), and a score for
every advocate from the history the demo just replayed (the hourly refresh does the same for
accounts without one)."""

from sqlalchemy.ext.asyncio import AsyncSession

from portal.people.models import User
from portal.trust import service as trust
from portal.trust_scoring import service

DEMO_SETTINGS = {
    "auto_approve_from": 85,
    "auto_fulfil_from": 80,
    "auto_fulfil_max_points": 1_000,
    "clear_early_from": 90,
    "review_below": 40,
    "low_code_pool": 5,
}


async def seed(session: AsyncSession, people: dict[str, User]) -> None:
    await trust.save_settings(session, actor=people["admin@acme.example"], **DEMO_SETTINGS)
    await service.refresh_due(session)
