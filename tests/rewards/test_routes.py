import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.points import service as points
from portal.rewards import service as rewards
from portal.rewards.models import Redemption, RedemptionStatus, RewardKind
from tests.factories import (
    csrf_token,
    give_points,
    login_as,
    make_advocate,
    make_marketer,
    make_reward,
    post_form,
)

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


async def test_catalog_shows_cost_stock_and_what_the_advocate_can_afford(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    advocate = await make_advocate(session)
    await give_points(session, advocate, 300)
    cheap = await make_reward(session, title="Stickers", cost=100, inventory=3)
    dear = await make_reward(session, title="Hoodie", cost=420)
    await login_as(client, advocate)
    page = _page(await client.get("/rewards/", headers=htmx))
    assert (page.find("html") is None) == bool(htmx)
    assert "3 left" in page.select_one(f"#reward-{cheap.id}").get_text()
    assert "You can afford this" in page.select_one(f"#reward-{cheap.id}").get_text()
    assert "120 more points" in page.select_one(f"#reward-{dear.id}").get_text()
    affordable = _page(await client.get("/rewards/?affordable=1"))
    assert affordable.select_one(f"#reward-{dear.id}") is None


async def test_redeeming_a_physical_reward_asks_for_shipping_and_keeps_the_form(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    await give_points(session, advocate, 600)
    reward = await make_reward(session, cost=500)
    await login_as(client, advocate)
    page = _page(await client.get(f"/rewards/{reward.id}"))
    assert page.select_one("#balance-after").get_text(strip=True) == "100points"
    key = page.select_one("input[name=key]")["value"]
    missing = await post_form(
        client, f"/rewards/{reward.id}/redeem", {"key": key, "name": "Ada Byron"}
    )
    assert missing.status_code == 422
    form = _page(missing)
    assert form.select_one("#f-name")["value"] == "Ada Byron"
    assert "Enter your city." in form.select_one("#f-city-error").get_text()
    assert (await points.balance_of(session, advocate)).current == 600

    done = await post_form(client, f"/rewards/{reward.id}/redeem", {"key": key, **SHIPPING})
    assert done.status_code == 303
    again = await post_form(client, f"/rewards/{reward.id}/redeem", {"key": key, **SHIPPING})
    assert again.headers["location"] == done.headers["location"]
    detail = _page(await client.get(done.headers["location"]))
    assert detail.select_one("#redemption-status").get_text() == "requested"
    assert (await points.balance_of(session, advocate)).current == 100

    prefill = _page(await client.get(f"/rewards/{(await make_reward(session, cost=50)).id}"))
    assert prefill.select_one("#f-street")["value"] == "1 Main St"


async def test_not_enough_points_is_refused_with_a_message(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    await give_points(session, advocate, 100)
    reward = await make_reward(session, kind=RewardKind.DONATION, cause="Code.org", cost=300)
    await login_as(client, advocate)
    page = _page(await client.get(f"/rewards/{reward.id}"))
    assert "200 more" in page.select_one("#redeem-blocked").get_text()
    refused = await post_form(client, f"/rewards/{reward.id}/redeem", {"key": "k"})
    assert refused.status_code == 409
    assert "enough points" in _page(refused).get_text()


async def test_code_rewards_show_the_code_at_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    await give_points(session, advocate, 500)
    reward = await make_reward(
        session, kind=RewardKind.GIFT_CARD, uses_code_pool=True, needs_approval=False, cost=200
    )
    await rewards.add_codes(
        session, staff=await make_marketer(session), reward_id=reward.id, codes=["GIFT-0001"]
    )
    await login_as(client, advocate)
    done = await post_form(client, f"/rewards/{reward.id}/redeem", {"key": "x1"})
    page = _page(await client.get(done.headers["location"]))
    assert page.select_one("#reward-code").get_text() == "GIFT-0001"
    sold_out = _page(await client.get("/rewards/"))
    assert "Sold out" in sold_out.select_one(f"#reward-{reward.id}").get_text()


async def test_another_advocates_redemption_is_404(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    owner = await make_advocate(session)
    await give_points(session, owner, 600)
    reward = await make_reward(session)
    redemption = await rewards.request_redemption(
        session,
        user=owner,
        reward_id=reward.id,
        key="o",
        shipping=SHIPPING,
    )
    await login_as(client, await make_advocate(session))
    assert (await client.get(f"/rewards/redemptions/{redemption.id}")).status_code == 404
    assert (
        await post_form(client, f"/rewards/redemptions/{redemption.id}/cancel", {})
    ).status_code == 404


async def test_cancel_refunds_and_shows_in_the_timeline(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    await give_points(session, advocate, 600)
    reward = await make_reward(session)
    redemption = await rewards.request_redemption(
        session,
        user=advocate,
        reward_id=reward.id,
        key="c",
        shipping=SHIPPING,
    )
    await login_as(client, advocate)
    await post_form(client, f"/rewards/redemptions/{redemption.id}/cancel", {})
    page = _page(await client.get(f"/rewards/redemptions/{redemption.id}"))
    assert "500 points refunded" in page.select_one("#redemption-timeline").get_text()
    assert (await points.balance_of(session, advocate)).current == 600


async def test_marketer_works_the_queue_and_exports_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session, name="Ada Byron")
    await give_points(session, advocate, 2_000)
    reward = await make_reward(session, title="Hoodie")
    first = await rewards.request_redemption(
        session,
        user=advocate,
        reward_id=reward.id,
        key="q1",
        shipping=SHIPPING,
    )
    second = await rewards.request_redemption(
        session,
        user=advocate,
        reward_id=reward.id,
        key="q2",
        shipping=SHIPPING,
    )
    await login_as(client, await make_marketer(session))
    queue = _page(await client.get("/manage/rewards/queue?status=requested"))
    assert queue.select_one(f"#redemption-{first.id}") is not None
    await post_form(
        client, f"/manage/rewards/queue/{first.id}/approve", {}, page="/manage/rewards/queue"
    )
    await post_form(
        client,
        f"/manage/rewards/queue/{first.id}/fulfil",
        {"note": "DHL 42"},
        page="/manage/rewards/queue",
    )
    refused = await post_form(
        client,
        f"/manage/rewards/queue/{second.id}/reject",
        {"note": ""},
        page="/manage/rewards/queue",
    )
    assert "Say why" in _page(await client.get(refused.headers["location"])).get_text()
    await post_form(
        client,
        f"/manage/rewards/queue/{second.id}/reject",
        {"note": "Out of stock"},
        page="/manage/rewards/queue",
    )
    statuses = dict(
        (
            await session.execute(
                select(Redemption.id, Redemption.status).execution_options(populate_existing=True)
            )
        ).all()
    )
    assert statuses == {first.id: RedemptionStatus.FULFILLED, second.id: RedemptionStatus.REJECTED}
    assert (await points.balance_of(session, advocate)).current == 1_500
    export = await client.get("/manage/rewards/queue.csv?status=all")
    assert export.headers["content-type"].startswith("text/csv")
    assert "DHL 42" in export.text
    assert "Ada Byron" in export.text


async def test_marketer_creates_a_reward_and_loads_codes(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    bad = await post_form(
        client,
        "/manage/rewards/new",
        {"title": "Gift card", "kind": "gift_card", "cost": "free"},
        page="/manage/rewards/new",
    )
    assert bad.status_code == 422
    assert _page(bad).select_one("#f-title")["value"] == "Gift card"
    made = await post_form(
        client,
        "/manage/rewards/new",
        {
            "title": "Gift card",
            "kind": "gift_card",
            "cost": "1000",
            "is_active": "on",
            "uses_code_pool": "on",
        },
        page="/manage/rewards/new",
    )
    assert made.status_code == 303
    edit_url = made.headers["location"]
    reward_id = int(edit_url.rstrip("/").rsplit("/", 1)[1])
    loaded = await client.post(
        f"/manage/rewards/{reward_id}/codes",
        files={
            "csrf_token": (
                None,
                await csrf_token(client, "/manage/rewards/new"),
            ),
            "codes": (None, "AAA-111\nBBB-222"),
            "file": ("codes.csv", b"code\nCCC-333\nAAA-111\n", "text/csv"),
        },
    )
    assert loaded.status_code == 303
    page = _page(await client.get(edit_url))
    assert (
        "3 codes added. 1 refused as duplicates: AAA-111" in page.select_one("#flashes").get_text()
    )
    masked = [c.get_text() for c in page.select(".code-list code")]
    assert sorted(masked) == ["••••-111", "••••-222", "••••-333"]


async def test_a_reward_switched_off_meanwhile_is_refused_with_a_message(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    await give_points(session, advocate, 600)
    reward = await make_reward(session, cost=100)
    await login_as(client, advocate)
    page = _page(await client.get(f"/rewards/{reward.id}"))
    key = page.select_one("input[name=key]")["value"]
    reward.is_active = False
    refused = await post_form(client, f"/rewards/{reward.id}/redeem", {"key": key, **SHIPPING})
    assert refused.status_code == 409
    assert "no longer available" in _page(refused).get_text()
    assert (await points.balance_of(session, advocate)).current == 600


async def test_marketer_gives_a_reward_an_image_advocates_see(
    client: httpx.AsyncClient, session: AsyncSession, settings
) -> None:
    from portal.content import samples

    marketer = await make_marketer(session)
    reward = await make_reward(session, title="Mug")
    await login_as(client, marketer)
    token = await csrf_token(client, f"/manage/rewards/{reward.id}")
    form = {
        "csrf_token": (None, token),
        "title": (None, "Mug"),
        "kind": (None, "physical"),
        "cost": (None, "500"),
        "is_active": (None, "on"),
        "description": (None, "A <b>big</b> mug<script>x</script>"),
    }
    not_image = await client.post(
        f"/manage/rewards/{reward.id}",
        files={**form, "image": ("mug.pdf", samples.pdf("Mug"), "application/pdf")},
    )
    assert not_image.status_code == 422
    assert "is not an image" in _page(not_image).select_one("#f-image-error").get_text()
    assert list(settings.upload_dir.glob("*")) == []  # the refused file is not kept

    saved = await client.post(
        f"/manage/rewards/{reward.id}",
        files={**form, "image": ("mug.png", samples.png(), "image/png")},
    )
    assert saved.status_code == 303
    await session.refresh(reward)
    assert reward.image_type == "image/png"
    assert reward.description_html == "A <b>big</b> mugx"  # the script tag is gone

    advocate = await make_advocate(session)
    await post_form(client, "/logout", {}, page="/")
    await login_as(client, advocate)
    card = _page(await client.get("/rewards/")).select_one(f"#reward-{reward.id} img")
    image = await client.get(card["src"])
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.content == samples.png()


async def test_the_queue_opens_on_what_needs_work_and_still_offers_everything(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    advocate = await make_advocate(session)
    await give_points(session, advocate, 5_000)
    reward = await make_reward(session, title="Hoodie")
    marketer = await make_marketer(session)
    made = [
        await rewards.request_redemption(
            session, user=advocate, reward_id=reward.id, key=f"w{n}", shipping=SHIPPING
        )
        for n in range(4)
    ]
    requested, approved, fulfilled, rejected = made
    await rewards.approve_redemption(session, staff=marketer, redemption_id=approved.id)
    await rewards.approve_redemption(session, staff=marketer, redemption_id=fulfilled.id)
    await rewards.fulfil_redemption(
        session, staff=marketer, redemption_id=fulfilled.id, tracking_note=""
    )
    await rewards.reject_redemption(session, staff=marketer, redemption_id=rejected.id, reason="No")
    await login_as(client, marketer)

    def shown(page: BeautifulSoup) -> set[str]:
        return {row["id"] for row in page.select("#queue-table tr[id^=redemption-]")}

    opening = _page(await client.get("/manage/rewards/queue", headers=htmx))
    assert shown(opening) == {f"redemption-{requested.id}", f"redemption-{approved.id}"}
    if not htmx:
        options = [o.get_text() for o in opening.select("#f-status option")]
        assert options[:2] == ["Needs work (requested, approved)", "Any status"]
        assert opening.select_one("#f-status option[selected]")["value"] == "open"
    everything = _page(await client.get("/manage/rewards/queue?status=all", headers=htmx))
    assert shown(everything) == {f"redemption-{r.id}" for r in made}
    only = _page(await client.get("/manage/rewards/queue?status=fulfilled", headers=htmx))
    assert shown(only) == {f"redemption-{fulfilled.id}"}
