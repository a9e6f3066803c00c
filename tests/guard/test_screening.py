"""Fraud checks on referrals and sign-ups: throw-away addresses (flagged or refused, as the
settings say) and the velocity rules that flag a referral with their reason."""

from datetime import timedelta

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.guard.disposable import is_disposable
from portal.outbox.models import OutboxEmail
from portal.people.models import User, UserStatus
from portal.program import service as program
from portal.program.service import DisposableEmails, SignupMode
from portal.referrals import service as referrals
from portal.referrals.models import Flag, Referral
from tests.factories import (
    csrf_token,
    login_as,
    make_admin,
    make_advocate,
    make_marketer,
    make_referral,
    post_form,
)

THROWAWAY = "someone@mailinator.com"


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def test_disposable_domains_come_from_the_maintained_list() -> None:
    assert is_disposable("a@mailinator.com")
    assert is_disposable("a@sub.mailinator.com")
    assert is_disposable("A@MAILINATOR.COM")
    assert not is_disposable("grace@navylabs.example")
    assert not is_disposable("someone@gmail.com")  # free mail is a different rule


async def test_a_throwaway_prospect_is_flagged_by_default(session: AsyncSession) -> None:
    ada = await make_advocate(session)
    referral = await make_referral(session, ada, email=THROWAWAY)
    assert Flag.DISPOSABLE in referral.flag_list
    assert referral.is_flagged


async def test_a_throwaway_prospect_is_refused_when_the_program_says_so(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await program.update(session, actor=None, disposable_emails=DisposableEmails.REFUSE)
    ada = await make_advocate(session)
    with pytest.raises(referrals.DisposableAddress):
        await make_referral(session, ada, email=THROWAWAY)
    await login_as(client, ada)
    data = {"name": "Throw Away", "email": THROWAWAY, "company": "", "note": ""}
    refused = await post_form(client, "/referrals/new", data, page="/referrals/new")
    assert refused.status_code == 422
    error = soup(refused).select_one("#f-email-error")
    assert error is not None
    assert "throw-away" in error.get_text()
    assert soup(refused).select_one("#f-name")["value"] == "Throw Away"
    assert await session.scalar(select(Referral.id)) is None


async def test_a_throwaway_sign_up_waits_for_approval_or_is_refused(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
    applicant = {
        "display_name": "Quick Joiner",
        "email": THROWAWAY,
        "company": "",
        "job_title": "",
        "password": "a long enough password",
    }
    held = await post_form(client, "/signup", applicant, page="/signup")
    assert held.status_code == 200
    assert soup(held).select_one("#signup-waiting") is not None
    user = await session.scalar(select(User).where(User.email == THROWAWAY))
    assert user is not None
    assert user.status == UserStatus.PENDING
    welcome = await session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == THROWAWAY))
    assert welcome is None  # no "your account is ready" before someone approves it

    await program.update(session, actor=None, disposable_emails=DisposableEmails.REFUSE)
    other = {**applicant, "email": "other@mailinator.com"}
    refused = await post_form(client, "/signup", other, page="/signup")
    assert refused.status_code == 422
    assert "work email address" in soup(refused).select_one("#f-email-error").get_text()
    assert await session.scalar(select(User).where(User.email == other["email"])) is None


async def test_sign_up_has_the_same_guard_as_the_landing_form(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
    token = await csrf_token(client, "/signup")
    bot = {
        "csrf_token": token,
        "display_name": "Spam Bot",
        "email": "bot@spam.example",
        "company": "",
        "job_title": "",
        "password": "a long enough password",
        "website": "http://spam.example",
    }
    answered = await client.post("/signup", data=bot)
    assert answered.status_code == 200
    assert soup(answered).select_one("#signup-sent") is not None
    assert await session.scalar(select(User).where(User.email == "bot@spam.example")) is None


async def test_several_prospects_at_one_company_from_one_advocate_are_flagged(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    made = [await make_referral(session, ada, email=f"p{n}@initech.example") for n in range(3)]
    assert [Flag.SHARED_DOMAIN in r.flag_list for r in made] == [False, False, True]
    with clock.shifted(timedelta(days=8)):
        later = await make_referral(session, ada, email="p9@initech.example")
    assert Flag.SHARED_DOMAIN not in later.flag_list
    other = await make_advocate(session)
    theirs = await make_referral(session, other, email="q@initech.example")
    assert Flag.SHARED_DOMAIN not in theirs.flag_list


async def test_a_prospect_named_like_the_referrer_is_flagged(session: AsyncSession) -> None:
    ada = await make_advocate(session, name="Ada Lovelace")
    alike = await make_referral(session, ada, name="ADA LOVELÂCE", email="a@x1.example")
    assert Flag.SIMILAR_NAME in alike.flag_list
    different = await make_referral(session, ada, name="Grace Hopper", email="g@x2.example")
    assert Flag.SIMILAR_NAME not in different.flag_list


async def test_the_burst_rule_follows_the_settings(session: AsyncSession) -> None:
    ada = await make_advocate(session)
    marketer = await make_advocate(session)
    await referrals.save_settings(session, actor=marketer, burst_limit=2, burst_minutes=10)
    made = [await make_referral(session, ada) for _ in range(3)]
    assert [Flag.BURST in r.flag_list for r in made] == [False, False, True]
    with clock.shifted(timedelta(minutes=11)):
        calm = await make_referral(session, ada)
    assert Flag.BURST not in calm.flag_list


async def test_a_landing_form_sent_from_the_referrers_own_address_is_flagged(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    await login_as(client, ada)  # the session remembers the (hashed) address
    page = soup(await client.get(f"/r/{ada.referral_code}"))
    token = page.select_one("meta[name=csrf-token]")["content"]
    data = {"csrf_token": token, "name": "Made Up", "email": "made@up-company.example"}
    sent = await client.post(f"/r/{ada.referral_code}", data=data)
    assert sent.status_code == 200
    referral = await session.scalar(select(Referral).where(Referral.referrer_id == ada.id))
    assert referral is not None
    assert Flag.REFERRER_ADDRESS in referral.flag_list
    assert Flag.REFERRER_ADDRESS.label == "Sent from an address the referrer signs in from"


async def test_marketers_set_the_velocity_rule_and_admins_the_throwaway_policy(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    await login_as(client, marketer)
    bad = await post_form(
        client,
        "/manage/referrals/",
        {"burst_limit": "0", "stale_after_days": "14"},
        page="/manage/referrals/",
    )
    assert bad.status_code == 422
    assert "from 1 to 1,000" in soup(bad).select_one("#f-burst_limit-error").get_text()
    admin = await make_admin(session)
    client.cookies.clear()
    await login_as(client, admin)
    page = soup(await client.get("/manage/settings/"))
    choices = [i["value"] for i in page.select("input[name=disposable_emails]")]
    assert choices == ["flag", "refuse"]
