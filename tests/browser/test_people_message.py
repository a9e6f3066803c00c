"""Send a message from the People table in a browser: filter, tick two people, choose "Send a
message", write it on the page that counts them, preview it as one of them and send; it
reaches the two (bell and outbox) and not the one left unticked."""

import uuid

import pytest
from playwright.async_api import expect

from portal.people.models import Role
from tests.browser.conftest import LiveServer, OpenPage
from tests.browser.pages import LoginPage, OutboxPage
from tests.browser.pages.layout import field
from tests.browser.pages.messages import BroadcastPage
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


async def test_a_message_to_the_ticked_people_reaches_them_and_nobody_else(
    live_server: LiveServer, open_page: OpenPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    company = f"Wombat {tag}"
    async with live_server.session() as session:
        marketer = await make_user(
            session, name="Max Marketer", email=f"max-{tag}@example.com", roles=(Role.MARKETER,)
        )
        people = {}
        for name in ("Ada", "Bo", "Cy"):
            person = await make_user(
                session, name=f"{name} {tag}", email=f"{name.lower()}-{tag}@example.com"
            )
            person.company = company
            people[name] = person

    staff = await open_page()
    await (await LoginPage(staff).open()).sign_in_expecting_home(marketer.email, PASSWORD)
    await staff.goto("/manage/people/")
    await staff.get_by_label("Search").fill(company)
    await staff.get_by_role("button", name="Filter", exact=True).click()
    await expect(staff.locator("#people-table a.person strong")).to_have_count(3)
    await staff.get_by_label(f"Tick Ada {tag}").check()
    await staff.get_by_label(f"Tick Bo {tag}").check()
    await staff.get_by_label("With the people").select_option(label="Send a message")
    await staff.get_by_role("button", name="Apply to ticked people").click()

    await expect(staff.get_by_role("heading", level=1)).to_have_text("Message 2 people")
    await field(staff, "Subject").fill(f"Wombat news {tag} for {{first_name}}")
    await field(staff, "Message").fill("<p>Our meetup is on Friday.</p>")
    await field(staff, "Preview as").fill(people["Bo"].email)
    await staff.get_by_role("button", name="Preview").click()
    await expect(staff.locator("#preview-subject")).to_have_text(f"Wombat news {tag} for Bo")
    await expect(staff.locator("#preview-reach")).to_contain_text("Reaches 2 people now.")
    await staff.get_by_role("button", name="Send", exact=True).click()
    sent = BroadcastPage(staff)
    await expect(sent.status).to_have_text("sent", timeout=15_000)
    await expect(sent.stat("delivered")).to_have_text("2")
    await expect(staff.locator("#broadcast-progress")).to_contain_text(
        "people ticked on the People table"
    )

    await staff.goto(OutboxPage.path)
    outbox = OutboxPage(staff)
    await expect(outbox.rows.filter(has_text=people["Ada"].email)).to_have_count(1)
    await expect(outbox.rows.filter(has_text=people["Bo"].email)).to_have_count(1)
    await expect(outbox.rows.filter(has_text=people["Cy"].email)).to_have_count(0)

    reader = await open_page()
    await (await LoginPage(reader).open()).sign_in_expecting_home(people["Ada"].email, PASSWORD)
    await expect(reader.locator("#bell")).to_have_attribute("aria-label", "Notifications: 1 unread")
    await reader.locator("#bell").click()
    await expect(reader.get_by_role("button", name=f"Wombat news {tag} for Ada")).to_be_visible()
