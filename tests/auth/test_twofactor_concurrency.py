"""Two requests carrying the same code at once, with real commits: one signs in, the other is
refused (the compare-and-set on the last accepted time step)."""

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from portal.auth.service.two_factor import use_code
from portal.db import create_sessionmaker
from tests.auth.test_twofactor import SECRET, STEP, code_at, turn_on
from tests.factories import make_marketer


async def test_the_same_code_twice_at_once_is_accepted_once(committed_engine: AsyncEngine) -> None:
    sessionmaker = create_sessionmaker(committed_engine)
    async with sessionmaker() as session:
        user = await make_marketer(session)
        key, codes = await turn_on(session, user)
        await session.commit()

    async def attempt(code: str) -> bool:
        async with sessionmaker() as session:
            accepted = await use_code(session, user=user, code=code, secret=SECRET)
            await session.commit()
            return accepted

    code = code_at(key, STEP)
    assert sorted(await asyncio.gather(*(attempt(code) for _ in range(6)))) == [False] * 5 + [True]
    recovery = codes[0]
    assert sorted(await asyncio.gather(*(attempt(recovery) for _ in range(6)))) == [False] * 5 + [
        True
    ]
