"""The fulfilment queue at scale: many redemptions decided at once after a confirmation that
states the count, tracking numbers from a CSV file (all rows or none), and the trust score
beside each advocate."""

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.people.models import User
from portal.points import service as points
from portal.rewards import service as rewards
from portal.rewards.models import Redemption, RedemptionStatus
from portal.trust import service as trust
from portal.trust.service import Reason
from tests.factories import (
    csrf_token,
    give_points,
    login_as,
    make_advocate,
    make_marketer,
    make_reward,
    post_form,
)

QUEUE = "/manage/rewards/queue"
SHIPPING = {
    "name": "Ada Byron",
    "street": "1 Main St",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "Germany",
    "phone": "",
}


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def _requested(session: AsyncSession, count: int, *, approve_by=None) -> list[Redemption]:  # type: ignore[no-untyped-def]
    reward = await make_reward(session, cost=100)
    made = []
    for number in range(count):
        advocate = await make_advocate(session, name=f"Advocate {number}")
        await give_points(session, advocate, 100)
        redemption = await rewards.request_redemption(
            session,
            user=advocate,
            reward_id=reward.id,
            key=f"q{reward.id}-{number}",
            shipping=SHIPPING,
        )
        if approve_by is not None:
            await rewards.approve_redemption(session, staff=approve_by, redemption_id=redemption.id)
        made.append(redemption)
    return made


async def _statuses(session: AsyncSession, made: list[Redemption]) -> list[str]:
    rows = await session.scalars(
        select(Redemption.status)
        .where(Redemption.id.in_([r.id for r in made]))
        .order_by(Redemption.id)
        .execution_options(populate_existing=True)
    )
    return [str(status) for status in rows]


async def test_bulk_fulfil_of_ticked_rows_confirms_the_count_first(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    made = await _requested(session, 3, approve_by=marketer)
    await login_as(client, marketer)
    ticked = [str(made[0].id), str(made[2].id)]
    confirm = await post_form(
        client,
        f"{QUEUE}/bulk",
        {"action": "fulfil", "scope": "selected", "ids": ticked, "note": "DHL 123"},
        page=QUEUE,
    )
    page = _page(confirm)
    assert page.select_one("h1").get_text(strip=True) == "Mark fulfilled: 2 redemptions?"
    assert page.select_one("#bulk-count").get_text(strip=True) == "2"
    assert await _statuses(session, made) == ["approved"] * 3  # nothing happened yet
    done = await post_form(
        client,
        f"{QUEUE}/bulk",
        {
            "action": "fulfil",
            "scope": "selected",
            "ids": ticked,
            "note": "DHL 123",
            "confirmed": "1",
        },
        page=QUEUE,
    )
    assert done.status_code == 303
    assert "2 redemptions fulfilled." in (await client.get(done.headers["location"])).text
    assert await _statuses(session, made) == ["fulfilled", "approved", "fulfilled"]
    notes = await session.scalars(
        select(Redemption.tracking_note).where(Redemption.status == RedemptionStatus.FULFILLED)
    )
    assert set(notes) == {"DHL 123"}


async def test_bulk_approve_all_matching_and_decline_needs_a_reason(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    made = await _requested(session, 3)
    await login_as(client, marketer)
    queue = _page(await client.get(f"{QUEUE}?status=requested"))
    assert "All 3 matching" in queue.select_one("#bulk-form").get_text()
    confirm = _page(
        await post_form(
            client,
            f"{QUEUE}/bulk",
            {"action": "approve", "scope": "all", "status": "requested"},
            page=QUEUE,
        )
    )
    assert confirm.select_one("#bulk-count").get_text(strip=True) == "3"
    chosen = [i["value"] for i in confirm.select("input[name=ids]")]
    await post_form(
        client,
        f"{QUEUE}/bulk",
        {"action": "approve", "scope": "selected", "ids": chosen, "confirmed": "1"},
        page=QUEUE,
    )
    assert await _statuses(session, made) == ["approved"] * 3
    refused = await post_form(
        client, f"{QUEUE}/bulk", {"action": "decline", "scope": "all"}, page=QUEUE
    )
    assert "Say why" in (await client.get(refused.headers["location"])).text
    await post_form(
        client,
        f"{QUEUE}/bulk",
        {"action": "decline", "ids": chosen[:1], "note": "Out of stock", "confirmed": "1"},
        page=QUEUE,
    )
    assert await _statuses(session, made) == ["rejected", "approved", "approved"]
    declined = await session.get(Redemption, made[0].id)
    refunded = await points.balance_of(session, await session.get(User, declined.user_id))
    assert refunded.current == 100


async def test_a_tracking_file_with_bad_rows_writes_nothing_and_lists_each_problem(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    approved = await _requested(session, 2, approve_by=marketer)
    [requested] = await _requested(session, 1)
    await login_as(client, marketer)
    text = (
        "id,status,tracking\n"
        f"{approved[0].id},approved,RM1\n"
        f"{requested.id},requested,RM2\n"
        "abc,,RM3\n"
        f"{approved[1].id},approved,\n"
        "999999,,RM5\n"
    )
    token_page = await client.get(f"{QUEUE}/tracking")
    assert token_page.status_code == 200
    response = await post_form(client, f"{QUEUE}/tracking", {}, page=f"{QUEUE}/tracking")
    assert response.status_code == 422  # no file chosen
    token = await csrf_token(client, f"{QUEUE}/tracking")
    response = await client.post(
        f"{QUEUE}/tracking",
        data={"csrf_token": token},
        files={"file": ("tracking.csv", text.encode(), "text/csv")},
    )
    assert response.status_code == 422
    rows = [
        [cell.get_text(strip=True) for cell in row.select("td")]
        for row in _page(response).select("#tracking-problem tbody tr")
    ]
    assert rows == [
        ["3", f"#{requested.id} is not approved yet: approve it first."],
        ["4", "“abc” is not a redemption number."],
        ["5", f"#{approved[1].id} has no tracking number."],
        ["6", "There is no redemption #999999."],
    ]
    assert await _statuses(session, approved) == ["approved", "approved"]  # not even row 2


async def test_a_good_tracking_file_fulfils_and_can_be_sent_twice(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    approved = await _requested(session, 2, approve_by=marketer)
    await login_as(client, marketer)
    export = await client.get(f"{QUEUE}.csv?status=approved")
    lines = export.text.lstrip("\ufeff").splitlines()
    filled = [lines[0]] + [line + f"TRACK-{n}" for n, line in enumerate(lines[1:])]
    for attempt in range(2):
        token = await csrf_token(client, f"{QUEUE}/tracking")
        response = await client.post(
            f"{QUEUE}/tracking",
            data={"csrf_token": token},
            files={"file": ("queue.csv", "\n".join(filled).encode(), "text/csv")},
        )
        assert response.status_code == 303, response.text
        shown = (await client.get(response.headers["location"])).text
        assert f"{2 if attempt == 0 else 0} redemptions marked fulfilled" in shown
    assert await _statuses(session, approved) == ["fulfilled", "fulfilled"]


async def test_the_queue_shows_each_advocates_trust_with_its_reasons(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    [redemption] = await _requested(session, 1)
    await trust.store_score(
        session,
        user_id=redemption.user_id,
        score=20,
        reasons=[Reason("3 of 4 referrals rejected as invalid", -30)],
    )
    await login_as(client, marketer)
    row = _page(await client.get(QUEUE)).select_one(f"#redemption-{redemption.id}")
    assert row.select_one(".trust-chip").get_text(strip=True) == "Trust 20 · Low trust"
    reasons = row.select_one(".trust-reasons").get_text(" ", strip=True)
    assert reasons == "3 of 4 referrals rejected as invalid -30"
