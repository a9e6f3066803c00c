"""Two submissions of the same prospect at once, on a database of their own (they commit)."""

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from portal.db import create_sessionmaker
from portal.points import service as points
from portal.referrals import service as referrals
from portal.referrals.models import Referral
from tests.factories import make_advocate


@pytest.mark.parametrize("precheck", ["with the pre-check", "with the index alone"])
async def test_two_advocates_referring_the_same_prospect_at_once_make_one_referral(
    committed_engine: AsyncEngine, precheck: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if precheck == "with the index alone":  # both pass the friendly check: the index decides
        import portal.referrals.service.pipeline as pipeline

        original = pipeline._refuse_self_or_duplicate

        async def members_only(session, *, referrer, email, exclude_id=None):  # type: ignore[no-untyped-def]
            if email != "grace@index.example":
                await original(session, referrer=referrer, email=email, exclude_id=exclude_id)

        monkeypatch.setattr(pipeline, "_refuse_self_or_duplicate", members_only)
    domain = "race.example" if precheck == "with the pre-check" else "index.example"
    sessionmaker = create_sessionmaker(committed_engine)
    async with sessionmaker() as session:
        advocates = [await make_advocate(session) for _ in range(2)]
        await session.commit()
    start = asyncio.Event()

    async def submit(n: int) -> str:
        async with sessionmaker() as session:
            await start.wait()
            try:
                await referrals.submit_referral(
                    session,
                    referrer=advocates[n],
                    prospect=referrals.Prospect(
                        name="Grace", email=f"Grace@{domain}" if n else f"grace@{domain.upper()}"
                    ),
                )
                await asyncio.sleep(0.05)  # hold the row uncommitted while the other one tries
                await session.commit()
            except referrals.DuplicateReferral:
                await session.rollback()
                return "duplicate"
            return "created"

    tasks = [asyncio.create_task(submit(n)) for n in range(2)]
    start.set()
    results = await asyncio.gather(*tasks)
    assert sorted(results) == ["created", "duplicate"]
    async with sessionmaker() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Referral)
            .where(Referral.prospect_email == f"grace@{domain}")
        )
        assert count == 1
        earned = [(await points.balance_of(session, a)).lifetime for a in advocates]
        assert sorted(earned) == [0, 50]
        assert await points.reconcile_balances(session) == []
