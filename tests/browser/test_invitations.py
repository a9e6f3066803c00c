"""Inviting someone, from the admin's form to the new person signing in with their password."""

import uuid

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import LiveServer, OpenPage
from tests.browser.pages import (
    AcceptInvitationPage,
    EmailPage,
    HomePage,
    Layout,
    LinkInvalidPage,
    LoginPage,
    OutboxPage,
    PeoplePage,
)

NEW_PASSWORD = "lantern-harbour-violet-42"


def unique_email(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}@example.com"


async def invite_and_open_email(admin_page: Page, *, name: str, email: str) -> EmailPage:
    """As the signed-in admin: Manage → People → Invite someone, then the email in the outbox."""
    layout = Layout(admin_page)
    await layout.open_manage("People")
    people = PeoplePage(admin_page)
    await people.expect_loaded()
    invite = await people.start_invitation()
    people = await invite.invite(name=name, email=email, role="Advocate")
    await people.expect_flash(f"Invitation sent to {email}")
    await people.open_manage("Outbox")
    outbox = OutboxPage(admin_page)
    await outbox.expect_loaded()
    return await outbox.open_email_to(email)


@pytest.mark.browser
async def test_invited_person_sets_a_password_from_the_outbox_link_and_signs_in_again(
    admin_page: Page, live_server: LiveServer
) -> None:
    email = unique_email("ines")
    name = "Inès Invited"

    message = await invite_and_open_email(admin_page, name=name, email=email)
    await message.follow_link()

    accept = AcceptInvitationPage(admin_page)
    await accept.expect_for(email)
    await expect(accept.name).to_have_value(name)
    await accept.set_password(NEW_PASSWORD)

    home = HomePage(admin_page)
    await home.expect_signed_in_as(name)
    await home.expect_flash(f"Welcome, {name}! Your account is ready.")

    await home.sign_out()
    login = LoginPage(admin_page)
    await expect(login.heading).to_have_text("Sign in")
    await login.expect_flash("You are signed out.")

    home = await login.sign_in_expecting_home(email, NEW_PASSWORD)
    await home.expect_signed_in_as(name)


@pytest.mark.browser
async def test_used_invitation_link_and_forged_link_explain_themselves_without_a_stack_trace(
    admin_page: Page, open_page: OpenPage
) -> None:
    email = unique_email("otto")
    message = await invite_and_open_email(admin_page, name="Otto Once", email=email)
    link = await message.link()

    invitee = await open_page()
    await invitee.goto(link)
    accept = AcceptInvitationPage(invitee)
    await accept.expect_for(email)
    await accept.set_password(NEW_PASSWORD)
    await HomePage(invitee).expect_signed_in_as("Otto Once")

    response = await invitee.goto(link)
    assert response is not None
    assert response.status == 410
    await LinkInvalidPage(invitee).expect_reason("This invitation link has already been used.")

    stranger = await open_page()
    response = await stranger.goto("/invitations/forged-token")
    assert response is not None
    assert response.status == 410
    await LinkInvalidPage(stranger).expect_reason("This invitation link is not valid.")
