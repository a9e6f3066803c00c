import re
from datetime import timedelta

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.audit.models import AuditEntry
from portal.auth import service as auth
from portal.auth.models import Invitation
from portal.errors import Forbidden
from portal.outbox.models import OutboxEmail
from portal.people.models import Role, UserStatus
from portal.tokens import hash_token
from tests.factories import login_as, make_admin, make_advocate, make_marketer, post_form

BASE = "http://portal.test"
LINK = re.compile(r"http://portal\.test/invitations/(\S+)")


async def _invite(
    session: AsyncSession, inviter, email: str = "new@example.com", roles=(Role.ADVOCATE,)
):
    invitation = await auth.invite(
        session, inviter=inviter, email=email, display_name="Nina New", roles=roles
    )
    email_row = await session.scalar(
        select(OutboxEmail)
        .where(OutboxEmail.to_address == email.lower())
        .order_by(OutboxEmail.id.desc())
    )
    assert email_row is not None
    token = LINK.search(email_row.text_body).group(1)
    return invitation, email_row, token


async def test_invitation_writes_the_email_the_user_and_an_audit_row_together(
    session: AsyncSession,
) -> None:
    marketer = await make_marketer(session)
    invitation, email, token = await _invite(session, marketer, "New@Example.com")
    assert invitation.user.status == UserStatus.INVITED
    assert invitation.user.email == "new@example.com"
    assert email.subject == "Maya Marketer invited you to Advocate Portal"
    assert email.html_body.count(f'href="{BASE}/invitations/{token}"') == 2  # button, pasted link
    assert invitation.token_hash == hash_token(token)
    assert token not in invitation.token_hash
    assert invitation.expires_at - clock.utcnow() > timedelta(days=6, hours=23)
    audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "user.invited"))
    assert audit is not None
    assert audit.actor_id == marketer.id
    assert session.info["jobs"][-1].name == "send_email"


async def test_accepting_sets_the_password_once(session: AsyncSession) -> None:
    _, _, token = await _invite(session, await make_marketer(session))
    user = await auth.accept_invitation(
        session, token=token, display_name="Nina N.", password="a long new password"
    )
    assert user.status == UserStatus.ACTIVE
    assert user.display_name == "Nina N."
    with pytest.raises(auth.InvalidLink) as used:
        await auth.accept_invitation(
            session, token=token, display_name="x", password="another password!"
        )
    assert used.value.problem == auth.LinkProblem.USED


async def test_expired_forged_and_replaced_links_are_refused(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    _, _, first = await _invite(session, marketer)
    _, _, second = await _invite(session, marketer)  # inviting again replaces the first link
    with pytest.raises(auth.InvalidLink) as replaced:
        await auth.check_invitation(session, first)
    assert replaced.value.problem == auth.LinkProblem.EXPIRED
    with pytest.raises(auth.InvalidLink) as forged:
        await auth.check_invitation(session, "forged-" + second)
    assert forged.value.problem == auth.LinkProblem.UNKNOWN
    with clock.shifted(timedelta(days=7, seconds=1)), pytest.raises(auth.InvalidLink) as expired:
        await auth.check_invitation(session, second)
    assert expired.value.problem == auth.LinkProblem.EXPIRED
    assert (await auth.check_invitation(session, second)).user.email == "new@example.com"


async def test_an_existing_member_cannot_be_invited_again(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    member = await make_advocate(session)
    with pytest.raises(auth.AlreadyMember):
        await auth.invite(
            session,
            inviter=marketer,
            email=member.email.upper(),
            display_name="x",
            roles=[Role.ADVOCATE],
        )


async def test_only_an_admin_can_invite_an_admin(session: AsyncSession) -> None:
    with pytest.raises(Forbidden, match="Only an admin"):
        await auth.invite(
            session,
            inviter=await make_marketer(session),
            email="a@example.com",
            display_name="A",
            roles=[Role.ADMIN],
        )
    invitation = await auth.invite(
        session,
        inviter=await make_admin(session),
        email="a@example.com",
        display_name="A",
        roles=[Role.ADMIN],
    )
    assert Role.ADMIN in invitation.user.role_set


async def test_unaccepted_invitations_get_one_reminder_with_a_fresh_link(
    session: AsyncSession,
) -> None:
    _, _, old_token = await _invite(session, await make_marketer(session))
    assert await auth.remind_unaccepted_invitations(session) == 0
    with clock.shifted(timedelta(days=3, minutes=1)):
        assert await auth.remind_unaccepted_invitations(session) == 1
        assert await auth.remind_unaccepted_invitations(session) == 0
        reminder = await session.scalar(
            select(OutboxEmail).where(OutboxEmail.kind == "invitation_reminder")
        )
        new_token = LINK.search(reminder.text_body).group(1)
        assert (await auth.check_invitation(session, new_token)).user.email == "new@example.com"
    with pytest.raises(auth.InvalidLink):
        await auth.check_invitation(session, old_token)


async def test_invite_page_sends_the_invitation_and_the_link_signs_the_person_in(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session)
    await login_as(client, admin)
    response = await post_form(
        client,
        "/manage/people/invite",
        {
            "display_name": "Rita Referrer",
            "email": "rita@example.com",
            "roles": ["advocate", "sales"],
        },
    )
    assert response.status_code == 303
    people = await client.get(response.headers["location"])
    assert "Invitation sent to rita@example.com." in people.text
    email = await session.scalar(
        select(OutboxEmail).where(OutboxEmail.to_address == "rita@example.com")
    )
    token = LINK.search(email.text_body).group(1)
    await post_form(client, "/logout", {}, page="/")

    page = await client.get(f"/invitations/{token}")
    assert "rita@example.com" in page.text
    mismatch = await post_form(
        client,
        f"/invitations/{token}",
        {
            "display_name": "Rita R.",
            "password": "a long new password",
            "password_confirm": "different one",
        },
        page=f"/invitations/{token}",
    )
    assert mismatch.status_code == 422
    form = BeautifulSoup(mismatch.text, "html.parser")
    assert (
        form.select_one("#f-password_confirm-error").get_text() == "The two passwords don't match."
    )
    assert form.select_one("#f-display_name")["value"] == "Rita R."

    accepted = await post_form(
        client,
        f"/invitations/{token}",
        {
            "display_name": "Rita R.",
            "password": "a long new password",
            "password_confirm": "a long new password",
        },
        page=f"/invitations/{token}",
    )
    assert accepted.status_code == 303
    assert accepted.headers["location"] == "http://portal.test/"
    home = await client.get("/")
    assert "Welcome, Rita" in home.text
    reused = await client.get(f"/invitations/{token}")
    assert reused.status_code == 410
    assert "already been used" in reused.text


async def test_invite_form_keeps_the_input_and_marks_the_wrong_fields(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    response = await post_form(
        client, "/manage/people/invite", {"display_name": "Bo", "email": "not-an-email"}
    )
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("#f-email")["value"] == "not-an-email"
    assert "valid email" in page.select_one("#f-email-error").get_text()
    assert "Choose at least one role." in page.get_text()
    assert await session.scalar(select(Invitation.id)) is None


async def test_forged_invitation_link_gets_a_clear_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/invitations/not-a-real-token")
    assert response.status_code == 410
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("#link-invalid h1").get_text() == "This link no longer works"
    assert "Traceback" not in response.text
