"""/api/v1/advocates: a CRM or HR system finds, invites and updates advocates; the invitation goes
out through the outbox like one from Manage → People."""

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.api_tokens.models import Scope
from portal.groups import service as groups
from portal.outbox.models import OutboxEmail
from portal.people.models import User, UserStatus
from tests.api.tokens import bearer, make_token
from tests.factories import give_points, make_admin, make_advocate, make_marketer


async def test_a_system_invites_an_advocate_into_groups_and_the_invitation_is_in_the_outbox(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session)
    partners = await groups.create_group(session, staff=admin, name="Partners", description="")
    headers = bearer(await make_token(session, admin=admin))
    response = await client.post(
        "/api/v1/advocates",
        json={
            "email": "Lin@Example.com",
            "display_name": "Lin Chen",
            "company": "Initech",
            "group_ids": [partners.id],
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "invited"
    assert body["email"] == "lin@example.com"
    assert body["company"] == "Initech"
    assert body["group_ids"] == [partners.id]
    email = await session.scalar(
        select(OutboxEmail).where(OutboxEmail.to_address == "lin@example.com")
    )
    assert email is not None
    again = await client.post(
        "/api/v1/advocates",
        json={"email": (await make_advocate(session)).email, "display_name": "X"},
        headers=headers,
    )
    assert again.status_code == 409
    no_group = await client.post(
        "/api/v1/advocates",
        json={"email": "new@example.com", "display_name": "New", "group_ids": [999999]},
        headers=headers,
    )
    assert no_group.status_code == 422
    assert no_group.json()["errors"][0]["field"] == "add_to_groups"
    assert await session.scalar(select(User).where(User.email == "new@example.com")) is None


async def test_find_by_email_get_and_update_profile_and_groups(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session)
    vip = await groups.create_group(session, staff=admin, name="VIP", description="")
    ada = await make_advocate(session, email="ada@example.com")
    await give_points(session, ada, 120)
    await make_marketer(session)  # staff who are not advocates are not listed
    headers = bearer(await make_token(session, admin=admin))
    found = await client.get("/api/v1/advocates?email=ADA@example.com", headers=headers)
    assert [item["id"] for item in found.json()["items"]] == [ada.id]
    assert found.json()["items"][0]["points_current"] == 120
    listed = await client.get("/api/v1/advocates", headers=headers)
    assert {item["email"] for item in listed.json()["items"]} == {"ada@example.com"}
    updated = await client.patch(
        f"/api/v1/advocates/{ada.id}",
        json={"job_title": "CTO", "add_to_groups": [vip.id]},
        headers=headers,
    )
    assert updated.status_code == 200
    assert updated.json()["job_title"] == "CTO"
    assert updated.json()["display_name"] == ada.display_name
    assert updated.json()["group_ids"] == [vip.id]
    removed = await client.patch(
        f"/api/v1/advocates/{ada.id}", json={"remove_from_groups": [vip.id]}, headers=headers
    )
    assert removed.json()["group_ids"] == []
    assert (await client.get(f"/api/v1/advocates/{admin.id}", headers=headers)).status_code == 404
    assert ada.status == UserStatus.ACTIVE


async def test_reading_advocates_needs_the_scope(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = bearer(await make_token(session, scopes=frozenset({Scope.REFERRALS_READ})))
    assert (await client.get("/api/v1/advocates", headers=headers)).status_code == 403
