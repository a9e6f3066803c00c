"""Staff never move their own points: another staff member must (finding 12)."""

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditEntry
from portal.points import service as points
from portal.points.models import LedgerEntry
from tests.factories import login_as, make_admin, make_advocate, make_marketer, post_form


async def test_a_marketer_cannot_credit_themselves(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    await login_as(client, marketer)
    response = await post_form(
        client,
        f"/manage/points/people/{marketer.id}/adjust",
        {"points": "5000", "reason": "Bonus", "key": "adjust:self"},
    )
    assert response.status_code == 403
    page = BeautifulSoup(response.text, "html.parser")
    assert "can't adjust your own points" in page.select_one(".form-error").get_text()
    assert (await points.balance_of(session, marketer)).current == 0
    assert await session.scalar(select(func.count()).select_from(LedgerEntry)) == 0
    assert not await session.scalar(
        select(func.count()).where(AuditEntry.action == "points.adjusted")
    )


async def test_the_own_points_page_explains_instead_of_offering_the_form(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session)
    await login_as(client, admin)
    page = BeautifulSoup(
        (await client.get(f"/manage/points/people/{admin.id}")).text, "html.parser"
    )
    assert page.select("form[action$='/adjust']") == []
    assert "another member of the program team" in page.select_one("#own-points").get_text()


async def test_an_admin_is_refused_in_the_service_too(session: AsyncSession) -> None:
    admin = await make_admin(session)
    with pytest.raises(points.OwnPointsAdjustment):
        await points.adjust_points(
            session,
            actor=admin,
            person=admin,
            points=-10,
            reason="Oops",
            key="adjust:own",
            counts_toward_lifetime=False,
        )


async def test_another_staff_member_adjusts_and_it_is_audited(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    colleague = await make_marketer(session, name="Other Marketer")
    await points.adjust_points(
        session,
        actor=colleague,
        person=marketer,
        points=100,
        reason="Spoke at the user conference",
        key="adjust:colleague",
        counts_toward_lifetime=True,
    )
    assert (await points.balance_of(session, marketer)).current == 100
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "points.adjusted"))
    assert entry is not None
    assert entry.actor_id == colleague.id


async def test_a_marketer_still_adjusts_an_advocate(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    await login_as(client, await make_marketer(session))
    response = await post_form(
        client,
        f"/manage/points/people/{advocate.id}/adjust",
        {"points": "50", "reason": "Thanks", "key": "adjust:advocate"},
    )
    assert response.status_code == 303
    assert (await points.balance_of(session, advocate)).current == 50
