"""A marketer sends a message to a group; it arrives in the advocate's bell and in the
outbox; the advocate opens it and follows its link; the counts move."""

import uuid

import pytest
from playwright.async_api import expect

from portal.groups import service as groups
from portal.people.models import Role
from tests.browser.conftest import LiveServer, OpenPage
from tests.browser.pages import LoginPage, OutboxPage
from tests.browser.pages.messages import ComposePage
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


async def test_a_broadcast_to_a_group_reaches_the_bell_and_the_outbox_and_counts_opens_and_clicks(
    live_server: LiveServer, open_page: OpenPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    async with live_server.session() as session:
        marketer = await make_user(
            session, name="Mo Marketer", email=f"mo-{tag}@example.com", roles=(Role.MARKETER,)
        )
        advocate = await make_user(session, name="Bea Reader", email=f"bea-{tag}@example.com")
        group = await groups.create_group(session, staff=marketer, name=f"Beta {tag}")
        await groups.add_members(session, staff=marketer, group=group, users=[advocate])

    staff = await open_page()
    await (await LoginPage(staff).open()).sign_in_expecting_home(marketer.email, PASSWORD)
    compose = await ComposePage(staff).open()
    await compose.write(
        subject=f"Launch news {tag} for {{first_name}}",
        body=(
            f'<p>Hi {{first_name}}, see <a href="{live_server.base_url}/rewards/">'
            "the new rewards</a>.</p>"
        ),
        group=f"Beta {tag}",
    )
    await compose.preview_as(advocate.email)
    await expect(compose.preview_subject).to_have_text(f"Launch news {tag} for Bea")
    await expect(compose.preview_reach).to_contain_text("Reaches 1 person now.")
    sent = await compose.send()
    await expect(sent.status).to_have_text("sent", timeout=15_000)  # the page follows the jobs
    await expect(sent.stat("delivered")).to_have_text("1")
    await expect(sent.stat("opened")).to_have_text("0")
    detail_url = staff.url

    await staff.goto(OutboxPage.path)
    email = await OutboxPage(staff).open_email_to(advocate.email)
    await expect(staff.locator("body")).to_contain_text(f"Launch news {tag} for Bea")
    await expect(email.links.first).to_be_visible()

    reader = await open_page()
    await (await LoginPage(reader).open()).sign_in_expecting_home(advocate.email, PASSWORD)
    await expect(reader.locator("#bell")).to_have_attribute("aria-label", "Notifications: 1 unread")
    await reader.locator("#bell").click()
    await reader.get_by_role("button", name=f"Launch news {tag} for Bea").click()
    await expect(reader.locator("#message-subject")).to_have_text(f"Launch news {tag} for Bea")
    await reader.get_by_role("link", name="the new rewards").click()
    await expect(reader).to_have_url(f"{live_server.base_url}/rewards/")

    await staff.goto(detail_url)
    await expect(sent.stat("opened")).to_have_text("1")
    await expect(sent.stat("clicked")).to_have_text("1")
