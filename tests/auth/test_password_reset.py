import re
from datetime import timedelta

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.auth import service as auth
from portal.jobs import take_pending
from portal.outbox.models import OutboxEmail
from portal.people.models import UserStatus
from tests.factories import (
    PASSWORD,
    csrf_token,
    is_live,
    login_as,
    make_advocate,
    make_user,
    post_form,
    start_test_session,
)

BASE = "http://portal.test"
LINK = re.compile(r"http://portal\.test/reset-password/(\S+)")


async def _reset_links(session: AsyncSession, email: str) -> list[str]:
    rows = await session.scalars(
        select(OutboxEmail.text_body)
        .where(OutboxEmail.to_address == email)
        .order_by(OutboxEmail.id)
    )
    return [LINK.search(body).group(1) for body in rows]


async def test_reset_link_works_once_and_signs_out_other_sessions(session: AsyncSession) -> None:
    user = await make_advocate(session)
    tokens = [await start_test_session(session, user) for _ in range(2)]
    await auth.request_password_reset(session, email=user.email)
    [token] = await _reset_links(session, user.email)
    await auth.reset_password(session, token=token, password="brand new password")
    assert [await is_live(session, t) for t in tokens] == [False, False]
    with pytest.raises(auth.InvalidLink) as used:
        await auth.reset_password(session, token=token, password="another new password")
    assert used.value.problem == auth.LinkProblem.USED


async def test_a_new_reset_link_invalidates_older_ones(session: AsyncSession) -> None:
    user = await make_advocate(session)
    await auth.request_password_reset(session, email=user.email)
    await auth.request_password_reset(session, email=user.email)
    first, second = await _reset_links(session, user.email)
    with pytest.raises(auth.InvalidLink):
        await auth.check_reset(session, first)
    assert (await auth.check_reset(session, second)).user_id == user.id


async def test_reset_link_expires_after_an_hour(session: AsyncSession) -> None:
    user = await make_advocate(session)
    await auth.request_password_reset(session, email=user.email)
    [token] = await _reset_links(session, user.email)
    with clock.shifted(timedelta(minutes=59)):
        await auth.check_reset(session, token)
    with clock.shifted(timedelta(hours=1, seconds=1)), pytest.raises(auth.InvalidLink) as expired:
        await auth.check_reset(session, token)
    assert expired.value.problem == auth.LinkProblem.EXPIRED


async def test_unknown_and_inactive_addresses_get_no_email(session: AsyncSession) -> None:
    suspended = await make_user(session, status=UserStatus.SUSPENDED)
    await auth.request_password_reset(session, email="nobody@example.com")
    await auth.request_password_reset(session, email=suspended.email)
    assert await session.scalar(select(func.count()).select_from(OutboxEmail)) == 0


async def test_forgot_password_page_answers_the_same_for_any_address(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_advocate(session)
    token = await csrf_token(client, "/forgot-password")
    known = await client.post("/forgot-password", data={"csrf_token": token, "email": user.email})
    unknown = await client.post(
        "/forgot-password", data={"csrf_token": token, "email": "nobody@example.com"}
    )
    assert known.status_code == unknown.status_code == 200

    def answer(response: httpx.Response) -> str:
        text = BeautifulSoup(response.text, "html.parser").select_one("#reset-sent").get_text()
        return text.replace(user.email, "<email>").replace("nobody@example.com", "<email>")

    assert answer(known) == answer(unknown)
    assert len(await _reset_links(session, user.email)) == 1


async def test_forgot_password_queues_the_same_job_for_any_address(session: AsyncSession) -> None:
    """The request looks nothing up (that would take longer for a real account): a job
    after the commit does, so both answers take as long."""
    user = await make_advocate(session)
    for email in (user.email, "nobody@example.com"):
        auth.queue_password_reset(session, email=email)
    known, unknown = take_pending(session)
    assert (known.name, set(known.kwargs)) == (unknown.name, set(unknown.kwargs))
    assert await _reset_links(session, user.email) == []


async def test_reset_page_changes_the_password_and_signs_out_the_other_device(
    app, session: AsyncSession, client: httpx.AsyncClient
) -> None:
    user = await make_advocate(session)
    other_device = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://portal.test"
    )
    async with other_device:
        await login_as(other_device, user)
        assert (await other_device.get("/")).status_code == 200

        await auth.request_password_reset(session, email=user.email)
        [token] = await _reset_links(session, user.email)
        weak = await post_form(
            client,
            f"/reset-password/{token}",
            {"password": "short", "password_confirm": "short"},
            page=f"/reset-password/{token}",
        )
        assert weak.status_code == 422
        assert "at least 10 characters" in weak.text
        done = await post_form(
            client,
            f"/reset-password/{token}",
            {"password": "a better password", "password_confirm": "a better password"},
            page=f"/reset-password/{token}",
        )
        assert done.status_code == 303
        assert (await client.get("/")).status_code == 200
        assert (await other_device.get("/")).status_code == 303
    await client.post("/logout", data={"csrf_token": await csrf_token(client, "/")})
    await login_as(client, user, "a better password")
    assert (await client.get("/")).status_code == 200


async def test_old_password_stops_working_after_a_reset(session: AsyncSession) -> None:
    user = await make_advocate(session)
    await auth.request_password_reset(session, email=user.email)
    [token] = await _reset_links(session, user.email)
    await auth.reset_password(session, token=token, password="brand new password")
    with pytest.raises(auth.InvalidCredentials):
        await auth.authenticate(
            session,
            email=user.email,
            password=PASSWORD,
            client_address="10.0.0.1",
            secret="s",
            max_failures=5,
            window=timedelta(minutes=15),
        )
