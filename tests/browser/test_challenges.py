"""A marketer posts a Q&A challenge with manual approval; an advocate answers it; the marketer
approves it in the queue; the advocate sees the points on home."""

import uuid

import pytest
from playwright.async_api import expect

from portal.people.models import Role
from portal.points import service as points
from tests.browser.conftest import LiveServer, OpenPage
from tests.browser.pages import (
    ApprovalsPage,
    ChallengesPage,
    HomePage,
    LoginPage,
    ManageChallengesPage,
)
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


async def test_answer_a_question_challenge_and_get_the_points_once_approved(
    live_server: LiveServer, open_page: OpenPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    title = f"Tell us about your stack {tag}"
    async with live_server.session() as session:
        advocate = await make_user(
            session, name="Quinn Questions", email=f"quinn-{tag}@example.com"
        )
        marketer = await make_user(
            session, name="Mia Marketer", email=f"mia-{tag}@example.com", roles=(Role.MARKETER,)
        )

    staff_page = await open_page()
    await (await LoginPage(staff_page).open()).sign_in_expecting_home(marketer.email, PASSWORD)
    form = await (await ManageChallengesPage(staff_page).open()).new("Answer questions")
    await form.fill(title=title, summary="Two quick questions", points="60")
    await form.choose("Status", "Published")
    await form.choose("Approval", "Manual: a marketer reviews each entry")
    await form.write_question(1, "Which cloud do you deploy to?", "One choice", ["AWS", "GCP"])
    await form.add_question()
    await form.write_question(2, "What should we build next?", "Free text")
    await form.save()
    await form.expect_flash(f"{title} saved (published)")

    advocate_page = await open_page()
    await (await LoginPage(advocate_page).open()).sign_in_expecting_home(advocate.email, PASSWORD)
    challenge = await (await ChallengesPage(advocate_page).open()).choose(title)
    await challenge.choose_answer("Which cloud do you deploy to?", "GCP")
    await challenge.answer_text("What should we build next?", "A Terraform provider")
    await challenge.submit()
    await expect(challenge.result).to_have_text("Thanks! Your entry is waiting for review.")
    await expect(challenge.box).to_contain_text("waiting for review")

    approvals = await ApprovalsPage(staff_page).open()
    await expect(approvals.entry("Quinn Questions")).to_contain_text("A Terraform provider")
    await approvals.approve("Quinn Questions")
    await approvals.expect_flash("is approved")

    home = await HomePage(advocate_page).open()
    await expect(home.page.locator("#balance-current")).to_have_text("60")
    await expect(home.page.locator("#recent-activity")).to_contain_text(
        f"Challenge completed: {title}"
    )
    async with live_server.session() as session:
        assert (await points.balance_of(session, advocate)).current == 60
