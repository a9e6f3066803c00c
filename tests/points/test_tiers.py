"""Tiers: a level multiplies the awards of the sources it names (recorded on the ledger row), a
floor level keeps a person at a level, and a reward can require a level."""

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditEntry
from portal.people.models import User
from portal.points import service as points
from portal.points.models import EntryKind, Level
from portal.points.service import tiers
from portal.rewards import service as rewards
from tests.factories import (
    login_as,
    make_advocate,
    make_marketer,
    make_reward,
    post_form,
)

CHALLENGE = points.Source("submission", 1)
CONTENT = points.Source("asset", 1)
REFERRAL = points.Source("referral", 1)


async def _level(session: AsyncSession, name: str) -> Level:
    level = await session.scalar(select(Level).where(Level.name == name))
    assert level is not None
    return level


async def _multiply(
    session: AsyncSession, name: str, percent: int, *sources: points.Earning
) -> Level:
    level = await _level(session, name)
    return await points.update_level(
        session,
        actor=await make_marketer(session),
        level_id=level.id,
        name=level.name,
        min_points=level.min_points,
        description=level.description,
        multiplier_percent=percent,
        multiplies=sources,
    )


async def _champion(session: AsyncSession) -> User:
    """An advocate at Champion (2,000 points from staff, which no level multiplies)."""
    advocate = await make_advocate(session)
    await points.award(session, advocate, points=2_000, reason="Welcome", key=f"w:{advocate.id}")
    return advocate


def test_multiplied_rounds_halves_up() -> None:
    assert tiers.multiplied(25, 120) == 30
    assert tiers.multiplied(25, 110) == 28  # 27.5
    assert tiers.multiplied(1, 149) == 1
    assert tiers.multiplied(1, 150) == 2
    assert tiers.multiplied(50, 100) == 50


async def test_a_level_multiplies_the_sources_it_names_and_the_row_records_it(
    session: AsyncSession,
) -> None:
    await _multiply(session, "Champion", 120, points.Earning.CHALLENGE, points.Earning.CONTENT)
    champion = await _champion(session)
    newcomer = await make_advocate(session)

    challenge = await points.award(
        session, champion, points=25, reason="Review", key="c:1", source=CHALLENGE
    )
    content = await points.award(
        session, champion, points=10, reason="Download", key="a:1", source=CONTENT
    )
    referral = await points.award(
        session, champion, points=50, reason="Referral", key="r:1", source=REFERRAL
    )
    below = await points.award(
        session, newcomer, points=25, reason="Review", key="c:2", source=CHALLENGE
    )

    assert (challenge.delta, challenge.multiplier_percent) == (30, 120)
    assert (content.delta, content.multiplier_percent) == (12, 120)
    assert (referral.delta, referral.multiplier_percent) == (50, None)  # not chosen
    assert (below.delta, below.multiplier_percent) == (25, None)  # below Champion
    balance = await points.balance_of(session, champion)
    assert (balance.current, balance.lifetime) == (2_092, 2_092)
    assert await points.reconcile_balances(session) == []


async def test_a_retry_after_a_level_up_returns_the_first_entry(session: AsyncSession) -> None:
    await _multiply(session, "Champion", 150, points.Earning.CHALLENGE)
    advocate = await make_advocate(session)
    await points.award(session, advocate, points=1_990, reason="Start", key="s:1")
    first = await points.award(
        session, advocate, points=20, reason="Quiz", key="quiz:1", source=CHALLENGE
    )
    assert (first.delta, first.multiplier_percent) == (20, None)  # reached Champion with it
    again = await points.award(
        session, advocate, points=20, reason="Quiz", key="quiz:1", source=CHALLENGE
    )
    assert again.id == first.id
    assert (await points.balance_of(session, advocate)).current == 2_010
    assert await points.reconcile_balances(session) == []


async def test_a_pending_award_is_multiplied_and_released_with_its_multiplier(
    session: AsyncSession,
) -> None:
    await _multiply(session, "Champion", 120, points.Earning.CHALLENGE)
    await points.save_rules(session, actor=await make_marketer(session), clear_challenge_days=14)
    champion = await _champion(session)
    pending = await points.award(
        session, champion, points=50, reason="Case study", key="c:9", source=CHALLENGE
    )
    assert (pending.state, pending.delta, pending.multiplier_percent) == ("pending", 60, 120)
    paid = await points.release_pending(session, pending.id, reason="Checked")
    assert (paid.kind, paid.state, paid.delta) == (EntryKind.AWARD, "posted", 60)
    assert paid.multiplier_percent == 120
    assert (await points.balance_of(session, champion)).current == 2_060


async def test_a_floor_level_keeps_a_person_at_a_level_and_its_multiplier(
    session: AsyncSession,
) -> None:
    await _multiply(session, "Champion", 120, points.Earning.CHALLENGE)
    marketer = await make_marketer(session)
    advocate = await make_advocate(session)
    champion = await _level(session, "Champion")
    await points.award(session, advocate, points=600, reason="Start", key="s:1")

    await points.set_floor(
        session, actor=marketer, person=advocate, level_id=champion.id, note="Partner"
    )
    account = await points.account_summary(session, advocate)
    assert account.progress.level.name == "Champion"
    assert account.progress.next_level.name == "Legend"
    entry = await points.award(
        session, advocate, points=10, reason="Poll", key="p:1", source=CHALLENGE
    )
    assert (entry.delta, entry.multiplier_percent) == (12, 120)
    audit = await session.scalar(
        select(AuditEntry).where(AuditEntry.action == "points.level_floor_set")
    )
    assert audit.summary.endswith("kept at Champion or above: Partner")

    await points.set_floor(session, actor=marketer, person=advocate, level_id=None, note="")
    account = await points.account_summary(session, advocate)
    assert account.progress.level.name == "Advocate"
    with pytest.raises(tiers.OwnLevelFloor):
        await points.set_floor(
            session, actor=marketer, person=marketer, level_id=champion.id, note=""
        )


async def test_spending_never_lowers_a_level(session: AsyncSession) -> None:
    advocate = await _champion(session)
    await points.spend(session, advocate, points=1_900, reason="Trip", key="sp:1")
    account = await points.account_summary(session, advocate)
    assert account.balance.current == 100
    assert account.progress.level.name == "Champion"


async def test_a_reward_for_a_level_is_refused_below_it(session: AsyncSession) -> None:
    champion_level = await _level(session, "Champion")
    reward = await make_reward(session, cost=100, required_level_id=champion_level.id)
    advocate = await make_advocate(session)
    await points.award(session, advocate, points=600, reason="Start", key="s:1")

    [item] = await rewards.catalog(session, viewer=advocate)
    assert (item.required_level, item.level_reached) == ("Champion", False)
    assert rewards.why_cannot_redeem(item, balance=600) == rewards.CannotRedeem.LEVEL_REQUIRED
    with pytest.raises(rewards.RedeemRefused, match="for Champion and above"):
        await rewards.request_redemption(
            session, user=advocate, reward_id=reward.id, key="k1", shipping=None
        )
    assert (await points.balance_of(session, advocate)).current == 600

    await points.set_floor(
        session,
        actor=await make_marketer(session),
        person=advocate,
        level_id=champion_level.id,
        note="",
    )
    redemption = await rewards.request_redemption(
        session,
        user=advocate,
        reward_id=reward.id,
        key="k2",
        shipping={"name": "A", "street": "B 1", "city": "C", "postal_code": "1", "country": "D"},
    )
    assert redemption.cost == 100


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def test_marketer_sets_a_multiplier_and_a_bad_one_keeps_what_was_typed(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    champion = await _level(session, "Champion")
    path = f"/manage/points/levels/{champion.id}"
    fields = {"name": "Champion", "min_points": "2000", "description": ""}
    bad = await post_form(client, path, {**fields, "multiplier": "9", "multiplies_challenge": "on"})
    assert bad.status_code == 422
    form = _page(bad).select_one(f"#level-{champion.id} + tr details")
    assert form.has_attr("open")
    assert "Enter a multiplier from 1 to 5" in form.get_text()
    assert form.select_one(f"#level-{champion.id}-multiplier")["value"] == "9"
    unchosen = await post_form(client, path, {**fields, "multiplier": "1.2"})
    assert "Choose which points the multiplier applies to." in unchosen.text

    saved = await post_form(
        client,
        path,
        {
            **fields,
            "multiplier": "x1.25",
            "multiplies_challenge": "on",
            "multiplies_referral": "on",
        },
    )
    assert saved.status_code == 303
    await session.refresh(champion)
    assert (champion.multiplier_percent, champion.multiplies) == (125, "referral,challenge")
    listing = _page(await client.get("/manage/points/"))
    assert "\u00d71.25" in listing.select_one(f"#level-{champion.id}").get_text()


async def test_marketer_sets_a_floor_level_from_the_person_page(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    advocate = await make_advocate(session)
    legend = await _level(session, "Legend")
    await login_as(client, marketer)
    path = f"/manage/points/people/{advocate.id}/floor"
    bad = await post_form(client, path, {"level_id": "abc", "floor_note": "VIP"})
    assert bad.status_code == 422
    assert _page(bad).select_one("#level-floor #f-floor_note")["value"] == "VIP"
    done = await post_form(client, path, {"level_id": str(legend.id), "floor_note": "VIP"})
    assert done.status_code == 303
    page = _page(await client.get(f"/manage/points/people/{advocate.id}"))
    assert page.select_one("#level-progress .level-name").get_text() == "Legend"
    chosen = page.select_one("#level-floor option[selected]")
    assert chosen.get_text() == "Legend"
    own = await post_form(
        client, f"/manage/points/people/{marketer.id}/floor", {"level_id": str(legend.id)}
    )
    assert own.status_code == 403
    assert "You can't set your own level." in _page(own).get_text()


async def test_advocate_sees_their_bonus_on_home_how_to_earn_history_and_rewards(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _multiply(session, "Champion", 120, points.Earning.CHALLENGE, points.Earning.CONTENT)
    legend = await _level(session, "Legend")
    await make_reward(session, title="Keynote seat", cost=100, required_level_id=legend.id)
    advocate = await _champion(session)
    await points.award(session, advocate, points=25, reason="Review", key="c:1", source=CHALLENGE)
    await login_as(client, advocate)

    home = _page(await client.get("/"))
    bonus = "Champion: \u00d71.2 points on challenges and content."
    assert home.select_one("#level-multiplier").get_text() == bonus
    guide = _page(await client.get("/points/how-to-earn"))
    said = " ".join(guide.select_one("#your-level").get_text().split())
    assert "You are Champion. You earn \u00d71.2 points on challenges and content." in said
    assert guide.select_one("tr.row-current td").get_text(strip=True).startswith("Champion")
    history = _page(await client.get("/points/"))
    assert "level bonus \u00d71.2" in history.select("#ledger-rows tr")[0].get_text()
    catalog = _page(await client.get("/rewards/"))
    assert "Reach Legend to redeem" in catalog.get_text()
