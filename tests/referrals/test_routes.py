"""The referral pages: refer a friend, My referrals, the pipeline, the personal link and the
settings, each with and without htmx where a page has a partial."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from portal.app import create_app
from portal.config import Settings
from portal.people.attribution import TOUCHES_COOKIE
from portal.points import service as points
from portal.referrals import service as referrals
from portal.referrals.models import Referral, ReferralClick, ReferralNote, Source, Stage
from portal.referrals.service.landing import CLICKS_PER_HOUR
from portal.tokens import keyed_hash
from tests.conftest import joined_sessionmaker
from tests.factories import (
    csrf_token,
    login_as,
    make_advocate,
    make_marketer,
    make_referral,
    make_sales,
    post_form,
)

PROSPECT = {
    "name": "Grace Hopper",
    "email": "Grace@NavyLabs.example",
    "company": "Navy Labs",
    "job_title": "Rear Admiral",
    "phone": "",
    "note": "Met her at a conference",
}


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def test_an_advocate_refers_a_friend_and_sees_it_with_the_submitted_points(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    ada = await make_advocate(session)
    await login_as(client, ada)
    response = await post_form(client, "/referrals/new", PROSPECT, headers=htmx)
    referral = await session.scalar(select(Referral).where(Referral.referrer_id == ada.id))
    assert referral is not None
    detail = f"/referrals/{referral.id}"
    if htmx:
        assert response.status_code == 200
        assert response.headers["HX-Redirect"].endswith(detail)
    else:
        assert response.status_code == 303
        assert response.headers["location"].endswith(detail)
    page = soup(await client.get(detail))
    assert "Thank you for referring Grace Hopper" in page.select_one("#flashes").get_text()
    assert page.select_one("#referral-stage").get_text(strip=True) == "Submitted"
    assert "+50 points" in page.select_one(f"#timeline-{referral.id}").get_text()
    assert (await points.balance_of(session, ada)).current == 50


async def test_a_duplicate_is_refused_with_the_typed_values_kept(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    ada = await make_advocate(session)
    other = await make_advocate(session)
    await make_referral(session, other, email="grace@navylabs.example")
    await login_as(client, ada)
    response = await post_form(client, "/referrals/new", PROSPECT, headers=htmx)
    assert response.status_code == 409
    page = soup(response)
    assert (page.find("html") is None) == bool(htmx)
    form = page.select_one("#referral-form")
    assert "already been referred" in form.select_one("#f-email-error").get_text()
    assert form.select_one("#f-name")["value"] == "Grace Hopper"
    assert form.select_one("#f-note").get_text() == "Met her at a conference"
    assert await session.scalar(select(func.count()).where(Referral.referrer_id == ada.id)) == 0


async def test_self_referral_and_invalid_email_are_explained(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    ada = await make_advocate(session, email="ada@example.com")
    await login_as(client, ada)
    own = await post_form(
        client, "/referrals/new", {**PROSPECT, "email": "ADA@example.com"}, headers=htmx
    )
    assert own.status_code == 409
    assert "can't be referred" in soup(own).select_one("#f-email-error").get_text()
    invalid = await post_form(
        client, "/referrals/new", {**PROSPECT, "email": "not-an-email", "name": ""}, headers=htmx
    )
    assert invalid.status_code == 422
    page = soup(invalid)
    assert "valid email" in page.select_one("#f-email-error").get_text()
    assert "name" in page.select_one("#f-name-error").get_text()
    assert page.select_one("#f-email")["value"] == "not-an-email"


async def test_my_referrals_lists_timelines_and_the_share_box_but_never_internal_notes(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    referral = await make_referral(session, ada, name="Grace Hopper")
    loaded = await referrals.access_referral(session, referral.id)
    await referrals.add_note(session, loaded, author=rep, body="Secret: budget is tiny")
    await referrals.move_referral(
        session, loaded, to=Stage.QUALIFIED, actor=rep, note="internal hunch"
    )
    await login_as(client, ada)
    for path in ("/referrals/", f"/referrals/{referral.id}"):
        response = await client.get(path)
        assert response.status_code == 200
        assert "Secret: budget is tiny" not in response.text
        assert "internal hunch" not in response.text
    page = soup(await client.get("/referrals/"))
    card = page.select_one(f"#referral-{referral.id}")
    assert card.select_one(".stage-chip").get_text(strip=True) == "Qualified"
    assert "+200 points" in card.get_text()
    link = page.select_one("#share-link")["value"]
    assert link == f"http://portal.test/r/{ada.referral_code}"
    assert page.select_one("svg.qr-code path")["d"].startswith("M")


async def test_another_advocates_referral_answers_404(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    bob = await make_advocate(session)
    referral = await make_referral(session, ada)
    await login_as(client, bob)
    assert (await client.get(f"/referrals/{referral.id}")).status_code == 404
    assert (await client.get("/referrals/999999")).status_code == 404


async def test_advocates_cannot_open_the_pipeline(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    referral = await make_referral(session, ada)
    await login_as(client, ada)
    assert (await client.get("/pipeline/")).status_code == 403
    assert (await client.get(f"/pipeline/{referral.id}")).status_code == 403
    token = await csrf_token(client, "/referrals/")
    moved = await client.post(
        f"/pipeline/{referral.id}/move", data={"csrf_token": token, "stage": "won"}
    )
    assert moved.status_code == 403
    await session.refresh(referral)
    assert referral.stage == Stage.SUBMITTED


async def test_the_board_shows_columns_and_filters(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    ada = await make_advocate(session, name="Ada")
    rep = await make_sales(session)
    fine = await make_referral(session, ada, name="Fine Lead", email="x@initech.example")
    flagged = await make_referral(session, ada, name="Free Mail", email="y@gmail.com")
    await login_as(client, rep)
    response = await client.get("/pipeline/", headers=htmx)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["vary"]
    page = soup(response)
    assert (page.find("html") is None) == bool(htmx)
    submitted = page.select_one("#column-submitted")
    assert submitted.select_one(f"#referral-{fine.id}")
    assert submitted.select_one(f"#referral-{flagged.id}")
    only_flagged = soup(await client.get("/pipeline/?flagged=1&view=table", headers=htmx))
    assert only_flagged.select_one(f"#row-{flagged.id}")
    assert only_flagged.select_one(f"#row-{fine.id}") is None
    search = soup(await client.get("/pipeline/?q=initech", headers=htmx))
    assert search.select_one(f"#referral-{fine.id}")
    assert search.select_one(f"#referral-{flagged.id}") is None


async def test_a_rep_moves_a_referral_inline_and_the_advocate_is_paid(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    referral = await make_referral(session, ada, name="Grace")
    await login_as(client, rep)
    response = await post_form(
        client,
        f"/pipeline/{referral.id}/move",
        {"stage": "qualified", "reason": "", "next": "/pipeline/"},
        page="/pipeline/",
        headers=htmx,
    )
    if htmx:
        assert response.status_code == 200
        assert response.headers["HX-Trigger"] == "pipeline-changed"
        card = soup(response).select_one(f"#referral-{referral.id}")
        assert "moved to Qualified" in card.select_one(".card-message").get_text()
    else:
        assert response.status_code == 303
        assert response.headers["location"] == "/pipeline/"
    await session.refresh(referral)
    assert referral.stage == Stage.QUALIFIED
    assert (await points.balance_of(session, ada)).current == 250


async def test_closing_without_a_reason_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    referral = await make_referral(session, ada)
    await login_as(client, rep)
    response = await post_form(
        client,
        f"/pipeline/{referral.id}/move",
        {"stage": "lost", "reason": "", "next": "/pipeline/"},
        page="/pipeline/",
        headers=htmx,
    )
    assert response.status_code == 422
    assert "Say why it is lost" in response.text
    await session.refresh(referral)
    assert referral.stage == Stage.SUBMITTED
    closed = await post_form(
        client,
        f"/pipeline/{referral.id}/move",
        {"stage": "lost", "reason": "not_a_fit"},
        page="/pipeline/",
    )
    assert closed.status_code == 303
    page = soup(await client.get(f"/pipeline/{referral.id}"))
    assert page.select_one("#referral-stage").get_text(strip=True) == "Lost: Not a fit"


async def test_claim_assign_deal_value_and_notes_from_the_referral_page(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session, name="Sam Sales")
    kim = await make_sales(session, name="Kim Closer")
    referral = await make_referral(session, ada)
    await login_as(client, rep)
    page = f"/pipeline/{referral.id}"
    claimed = await post_form(client, f"{page}/claim", {}, page=page)
    assert claimed.status_code == 303
    await session.refresh(referral)
    assert referral.owner_id == rep.id
    assigned = await post_form(client, f"{page}/assign", {"owner_id": str(kim.id)}, page=page)
    assert assigned.status_code == 303
    refused = await post_form(client, f"{page}/assign", {"owner_id": str(ada.id)}, page=page)
    assert refused.status_code == 422
    bad_deal = await post_form(client, f"{page}/deal", {"deal_value": "lots"}, page=page)
    assert bad_deal.status_code == 422
    assert soup(bad_deal).select_one("#f-deal_value")["value"] == "lots"
    assert (
        await post_form(client, f"{page}/deal", {"deal_value": "12,000"}, page=page)
    ).status_code == 303
    noted = await post_form(
        client,
        f"{page}/notes",
        {"body": "Call back Tuesday"},
        page=page,
        headers={"HX-Request": "true"},
    )
    assert noted.status_code == 200
    assert "Call back Tuesday" in soup(noted).select_one("#notes").get_text()
    empty = await post_form(client, f"{page}/notes", {"body": " "}, page=page)
    assert empty.status_code == 422
    await session.refresh(referral)
    assert (referral.owner_id, referral.deal_value) == (kim.id, 12_000)
    assert await session.scalar(select(func.count()).select_from(ReferralNote)) == 1


async def test_the_personal_link_counts_the_visit_sets_the_cookie_and_attributes_the_sign_up(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    ada = await make_advocate(session, name="Ada Lovelace")
    response = await client.get(f"/r/{ada.referral_code}")
    assert response.status_code == 200
    page = soup(response)
    assert "Ada Lovelace" in page.select_one("h1").get_text()
    assert "20% off" in page.get_text()
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith(TOUCHES_COOKIE)
    )
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=lax", "path=/", f"max-age={90 * 24 * 3600}"} <= flags
    click = await session.scalar(select(ReferralClick).where(ReferralClick.referrer_id == ada.id))
    assert click is not None
    assert len(click.client_key) == 64
    assert "127.0.0.1" not in click.client_key

    token = page.select_one("meta[name=csrf-token]")["content"]
    sent = await client.post(
        f"/r/{ada.referral_code}",
        data={"csrf_token": token, **PROSPECT, "email": "prospect@initech.example"},
        headers=htmx,
    )
    assert sent.status_code == 200
    assert "Thank you!" in soup(sent).select_one("#landing-form").get_text()
    referral = await session.scalar(select(Referral).where(Referral.referrer_id == ada.id))
    assert referral is not None
    assert referral.source == Source.LINK
    assert referral.client_key == click.client_key


async def test_the_remembered_advocate_keeps_the_referral(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """A prospect who came through one advocate's link and posts the form of another's page
    they never visited stays the first one's: the remembered visit decides, not the page."""
    first = await make_advocate(session)
    second = await make_advocate(session)
    page = soup(await client.get(f"/r/{first.referral_code}"))
    token = page.select_one("meta[name=csrf-token]")["content"]
    await client.post(
        f"/r/{second.referral_code}",
        data={"csrf_token": token, **PROSPECT, "email": "p@initech.example"},
    )
    referral = await session.scalar(select(Referral))
    assert referral is not None
    assert referral.referrer_id == first.id


async def test_a_landing_duplicate_is_refused_politely_and_an_unknown_code_is_404(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    await make_referral(session, ada, email="p@initech.example")
    page = soup(await client.get(f"/r/{ada.referral_code}"))
    token = page.select_one("meta[name=csrf-token]")["content"]
    again = await client.post(
        f"/r/{ada.referral_code}",
        data={"csrf_token": token, **PROSPECT, "email": "P@initech.example"},
    )
    assert again.status_code == 409
    assert "We already have these details" in again.text
    assert soup(again).select_one("#f-name")["value"] == "Grace Hopper"
    assert (await client.get("/r/nosuchcode")).status_code == 404


async def test_marketers_set_the_point_structure_and_the_offer(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    await login_as(client, marketer)
    page = soup(await client.get("/manage/referrals/"))
    assert page.select_one("#f-points_won")["value"] == "1000"
    data = {
        "points_submitted": "25",
        "points_contacted": "0",
        "points_qualified": "abc",
        "points_opportunity": "300",
        "points_won": "2000",
        "offer_text": "A free month",
        "target_domains": "",
        "free_mail_domains": "gmail.com",
        "routing_rules": "",
        "stale_after_days": "10",
    }
    bad = await post_form(client, "/manage/referrals/", data, page="/manage/referrals/")
    assert bad.status_code == 422
    assert soup(bad).select_one("#f-points_qualified")["value"] == "abc"
    good = await post_form(
        client, "/manage/referrals/", {**data, "points_qualified": "150"}, page="/manage/referrals/"
    )
    assert good.status_code == 303
    saved = await referrals.load_settings(session)
    assert (saved.points_submitted, saved.points_qualified, saved.offer_text) == (
        25,
        150,
        "A free month",
    )
    assert saved.stale_after_days == 10


@contextmanager
def counted_queries(connection: AsyncConnection) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    engine = connection.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_list_pages_make_the_same_number_of_queries_for_more_referrals(
    client: httpx.AsyncClient, session: AsyncSession, connection: AsyncConnection
) -> None:
    ada = await make_advocate(session)
    rep = await make_sales(session)
    await login_as(client, ada)
    await make_referral(session, ada)
    await session.flush()
    small: dict[str, int] = {}
    for path in ("/referrals/", "/pipeline/"):
        if path == "/pipeline/":
            client.cookies.clear()
            await login_as(client, rep)
        await client.get(path)  # the worker's cache warm, as on every later visit
        with counted_queries(connection) as statements:
            assert (await client.get(path)).status_code == 200
        small[path] = len(statements)
    for n in range(4):
        other = await make_advocate(session)
        await make_referral(session, other if n % 2 else ada)
    await session.flush()
    large: dict[str, int] = {}
    for path in ("/pipeline/", "/referrals/"):
        if path == "/referrals/":
            client.cookies.clear()
            await login_as(client, ada)
        await client.get(path)
        with counted_queries(connection) as statements:
            assert (await client.get(path)).status_code == 200
        large[path] = len(statements)
    assert large == small
    assert min(small.values()) > 3


async def test_the_pipeline_reads_the_people_it_names_in_one_statement(
    client: httpx.AsyncClient, session: AsyncSession, connection: AsyncConnection
) -> None:
    """Referrers, owners and the referrer filter's list come from one read of `users` (issue
    24: it was three; the viewer comes joined to their session, not read on its own)."""
    rep = await make_sales(session, name="Sam Seller")
    ada, bob = await make_advocate(session, name="Ada"), await make_advocate(session, name="Bob")
    owned = await make_referral(session, ada, name="Grace Hopper")
    await make_referral(session, bob, name="Alan Turing")
    loaded = await referrals.access_referral(session, owned.id)
    await referrals.assign_referral(session, loaded, owner=rep, actor=rep)
    await session.flush()
    await login_as(client, rep)
    await client.get("/pipeline/")
    with counted_queries(connection) as statements:
        page = await client.get("/pipeline/")
    assert page.status_code == 200
    reads_of_users = [s for s in statements if re.search(r"\bFROM users\b", s)]
    assert len(reads_of_users) == 1, reads_of_users
    assert "Sam Seller" in page.text  # the owner, named on the card
    options = BeautifulSoup(page.text, "html.parser").select("select[name=referrer] option")
    assert [o.get_text(strip=True) for o in options][-2:] == ["Ada", "Bob"]


async def test_a_visitor_is_counted_once_a_day_per_link_and_a_flood_not_at_all(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocates = [await make_advocate(session) for _ in range(CLICKS_PER_HOUR + 2)]
    for _ in range(3):
        assert (await client.get(f"/r/{advocates[0].referral_code}")).status_code == 200
    for advocate in advocates[1:]:
        await client.get(f"/r/{advocate.referral_code}")
    counts = dict(
        (
            await session.execute(
                select(ReferralClick.referrer_id, func.count()).group_by(ReferralClick.referrer_id)
            )
        ).all()
    )
    assert counts[advocates[0].id] == 1  # three visits from one visitor: one click
    assert sum(counts.values()) == CLICKS_PER_HOUR  # past the hourly cap nothing is recorded
    assert advocates[-1].id not in counts


@pytest.mark.parametrize(
    ("trusted", "counted_as"), [("", "127.0.0.1"), ("127.0.0.1", "203.0.113.9")]
)
async def test_forwarded_addresses_are_believed_only_from_configured_proxies(
    session: AsyncSession,
    settings: Settings,
    connection: AsyncConnection,
    trusted: str,
    counted_as: str,
) -> None:
    settings.forwarded_allow_ips = trusted
    app = create_app(settings, sessionmaker=joined_sessionmaker(connection))
    ada = await make_advocate(session)
    await session.flush()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://portal.test"
    ) as client:
        await client.get(f"/r/{ada.referral_code}", headers={"X-Forwarded-For": "203.0.113.9"})
    click = await session.scalar(select(ReferralClick).where(ReferralClick.referrer_id == ada.id))
    assert click is not None
    assert click.client_key == keyed_hash(settings.secret_key.get_secret_value(), counted_as)
