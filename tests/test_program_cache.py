"""Issue 24: each worker keeps the program's settings, the referral settings, levels and badges
in memory, and a change made anywhere is seen by every worker on its next request. Two app
instances (two workers) on one database; the change is made through the services, as the
Manage pages make it."""

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from portal.app import create_app
from portal.config import Settings
from portal.points import service as points
from portal.program import service as program
from portal.referrals import service as referrals
from tests.conftest import joined_sessionmaker
from tests.demo.test_statement_budget import counting
from tests.factories import give_points, login_as, make_advocate, make_marketer


def worker(
    settings: Settings, connection: AsyncConnection, session: AsyncSession
) -> httpx.AsyncClient:
    async def flush_test_session(request: httpx.Request) -> None:
        await session.flush()

    app = create_app(settings, sessionmaker=joined_sessionmaker(connection))
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://portal.test",
        event_hooks={"request": [flush_test_session]},
    )


async def test_a_marketers_change_is_seen_by_every_worker_on_the_next_request(
    settings: Settings, connection: AsyncConnection, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    advocate = await make_advocate(session, name="Ada Advocate")
    await give_points(session, advocate, 40)
    async with (
        worker(settings, connection, session) as first,
        worker(settings, connection, session) as second,
    ):
        for client in (first, second):
            await login_as(client, advocate)
        for client in (first, second):  # both workers now hold the settings in memory
            page = (await client.get("/")).text
            assert "Acme Rockets" not in page
            assert "Rocket Cadet" not in page

        await program.update(session, actor=marketer, program_name="Acme Rockets")
        await points.create_level(session, actor=marketer, name="Rocket Cadet", min_points=30)
        await referrals.save_settings(session, actor=marketer, points_won=5427)

        for client in (first, second):
            page = (await client.get("/")).text
            assert "Acme Rockets" in page  # the layout's program name
            assert "Rocket Cadet" in page  # the advocate's level on Home
            assert "5,977 points" in page  # what a won referral pays in all, on Home


async def test_a_worker_reads_the_settings_again_only_after_a_change(
    settings: Settings, connection: AsyncConnection, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    async with worker(settings, connection, session) as client:
        await login_as(client, advocate)
        await client.get("/")
        with counting(connection.engine) as warm:
            await client.get("/")
        await program.update(session, actor=None, tagline="Something new")
        with counting(connection.engine) as after_change:
            await client.get("/")
    assert settings_loads(warm) == []  # the version alone, inside the viewer statement
    assert settings_loads(after_change) != []


def settings_loads(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().startswith("SELECT program_settings.")]
