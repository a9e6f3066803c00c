"""The guard of the forms strangers post (the referral landing form, open sign-up): the
honeypot, the minimum time to fill a form in, the throttle, and what staff see of it."""

from datetime import timedelta

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.config import Settings
from portal.guard import service as guard
from portal.guard.models import Outcome, PublicForm, PublicFormAttempt
from portal.people.models import User
from portal.referrals.models import Referral
from tests.factories import login_as, make_advocate, make_marketer

PROSPECT = {
    "name": "Grace Hopper",
    "email": "grace@navylabs.example",
    "company": "Navy Labs",
    "job_title": "Rear Admiral",
    "phone": "",
    "note": "",
}
FILLED_IN = timedelta(seconds=5)  # a person's time to fill the form in


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The app as it runs in production: posts sooner than 3 s after the page are refused."""
    return settings.model_copy(update={"public_form_min_seconds": 3})


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def open_form(client: httpx.AsyncClient, path: str) -> dict[str, str]:
    """The hidden fields a browser sends back with the form: CSRF token, honeypot, stamp."""
    page = soup(await client.get(path))
    form = page.select_one("form[method=post]")
    assert form is not None
    return {
        field["name"]: field.get("value", "")
        for field in form.select("input[type=hidden], .honeypot input")
    }


async def referrals_of(session: AsyncSession, advocate: User) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(Referral).where(Referral.referrer_id == advocate.id)
        )
        or 0
    )


async def outcomes(session: AsyncSession) -> list[Outcome]:
    rows = await session.scalars(select(PublicFormAttempt.outcome).order_by(PublicFormAttempt.id))
    return [Outcome(row) for row in rows]


async def test_the_landing_form_carries_a_hidden_honeypot_and_a_signed_start_time(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    page = soup(await client.get(f"/r/{ada.referral_code}"))
    honeypot = page.select_one(f".honeypot input[name={guard.HONEYPOT_FIELD}]")
    assert honeypot is not None
    assert honeypot["tabindex"] == "-1"
    assert honeypot.find_parent(class_="honeypot")["aria-hidden"] == "true"
    stamp = page.select_one(f"input[type=hidden][name={guard.STARTED_FIELD}]")
    assert stamp is not None
    assert stamp["value"]


async def test_a_landing_form_sent_at_once_is_refused_and_keeps_what_was_typed(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    hidden = await open_form(client, f"/r/{ada.referral_code}")
    hurried = await client.post(f"/r/{ada.referral_code}", data={**hidden, **PROSPECT})
    assert hurried.status_code == 422
    assert "quicker than we expected" in hurried.text
    assert soup(hurried).select_one("#f-name")["value"] == "Grace Hopper"
    assert await referrals_of(session, ada) == 0
    with clock.shifted(FILLED_IN):
        sent = await client.post(f"/r/{ada.referral_code}", data={**hidden, **PROSPECT})
    assert sent.status_code == 200
    assert "Thank you!" in sent.text
    assert await referrals_of(session, ada) == 1
    assert await outcomes(session) == [Outcome.TOO_FAST, Outcome.ACCEPTED]


async def test_a_forged_or_missing_start_time_is_refused(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    hidden = await open_form(client, f"/r/{ada.referral_code}")
    forged = {**hidden, guard.STARTED_FIELD: "1700000000.0"}
    with clock.shifted(FILLED_IN):
        refused = await client.post(f"/r/{ada.referral_code}", data={**forged, **PROSPECT})
    assert refused.status_code == 422
    assert "open for a long time" in refused.text
    with clock.shifted(timedelta(hours=13)):
        stale = await client.post(f"/r/{ada.referral_code}", data={**hidden, **PROSPECT})
    assert stale.status_code == 422
    assert await referrals_of(session, ada) == 0


async def test_a_bot_that_fills_the_honeypot_sees_thanks_and_nothing_is_saved(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    hidden = await open_form(client, f"/r/{ada.referral_code}")
    bot = {**hidden, **PROSPECT, guard.HONEYPOT_FIELD: "http://spam.example"}
    with clock.shifted(FILLED_IN):
        answered = await client.post(f"/r/{ada.referral_code}", data=bot)
    assert answered.status_code == 200
    assert "Thank you!" in answered.text
    assert await referrals_of(session, ada) == 0
    assert await outcomes(session) == [Outcome.HONEYPOT]


async def test_one_client_is_throttled_after_five_posts_an_hour_and_staff_see_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    hidden = await open_form(client, f"/r/{ada.referral_code}")
    with clock.shifted(FILLED_IN):
        for n in range(guard.LIMITS[PublicForm.LANDING].per_client):
            prospect = {**PROSPECT, "email": f"p{n}@company{n}.example"}
            sent = await client.post(f"/r/{ada.referral_code}", data={**hidden, **prospect})
            assert sent.status_code == 200
        sixth = {**PROSPECT, "email": "p6@company6.example"}
        throttled = await client.post(f"/r/{ada.referral_code}", data={**hidden, **sixth})
    assert throttled.status_code == 429
    assert "Please wait an hour" in throttled.text
    assert soup(throttled).select_one("#f-email")["value"] == "p6@company6.example"
    assert await referrals_of(session, ada) == 5
    # The refusal is kept although the page answered 429: the throttle reads it.
    assert (await outcomes(session))[-1] == Outcome.THROTTLED
    with clock.shifted(FILLED_IN + timedelta(minutes=61)):
        later = await client.post(f"/r/{ada.referral_code}", data={**hidden, **sixth})
    assert later.status_code == 200

    marketer = await make_marketer(session)
    await login_as(client, marketer)
    settings_page = soup(await client.get("/manage/referrals/"))
    table = settings_page.select_one("#protection-title").find_parent("section")
    headings = [th.get_text(strip=True) for th in table.select("thead th")]
    assert headings == ["Outcome", "Referral landing form", "Open sign-up", "Referral code lookup"]
    landing = {
        row.select_one("th").get_text(strip=True): row.select("td")[0].get_text(strip=True)
        for row in table.select("tbody tr")
    }
    assert landing["Accepted"] == "6"
    assert landing["Too many attempts"] == "1"


async def test_one_link_is_throttled_across_clients(session: AsyncSession) -> None:
    ada = await make_advocate(session)
    limit = guard.LIMITS[PublicForm.LANDING].per_subject
    assert limit is not None

    async def post_from(client_key: str) -> Outcome:
        verdict = await guard.check_public_form(
            session,
            form=PublicForm.LANDING,
            client_key=client_key,
            subject_id=ada.id,
            fields={},
            secret="s",
            min_seconds=0,
        )
        return verdict.outcome

    assert {await post_from(f"client-{n}") for n in range(limit)} == {Outcome.ACCEPTED}
    assert await post_from("one-more-client") == Outcome.THROTTLED


async def test_attempts_are_forgotten_after_thirty_days(session: AsyncSession) -> None:
    with clock.shifted(-timedelta(days=31)):
        await guard.check_public_form(
            session,
            form=PublicForm.SIGNUP,
            client_key="old",
            subject_id=None,
            fields={},
            secret="s",
            min_seconds=0,
        )
    await guard.check_public_form(
        session,
        form=PublicForm.SIGNUP,
        client_key="new",
        subject_id=None,
        fields={},
        secret="s",
        min_seconds=0,
    )
    assert await guard.forget_old_attempts(session) == 1
    assert await session.scalar(select(PublicFormAttempt.client_key)) == "new"
