"""Demo rewards: a catalog of every kind, each with a picture (demo_images, made by
scripts/render_reward_images.py) uploaded through the real file storage, a gift-card code pool,
and redemptions in every status."""

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.files.storage import Storage
from portal.people.models import User
from portal.points import service as points
from portal.rewards import service as rewards
from portal.rewards.models import Redemption, Reward, RewardKind

CATALOG_AGE = timedelta(days=60)
IMAGES = Path(__file__).resolve().parent / "demo_images"
PICTURES = {
    "Acme sticker pack": "sticker-pack.jpg",
    "Acme hoodie": "hoodie.jpg",
    "$10 gift card": "gift-card.jpg",
    "Plant a tree": "plant-a-tree.jpg",
    "Acme Connect conference pass": "conference-pass.jpg",
    "1-month Pro plan upgrade": "pro-plan.jpg",
    "Coffee voucher": "gift-card.jpg",
    "Welcome discount for referred friends": "pro-plan.jpg",
}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# Rewards only a level and above may redeem.
REQUIRED_LEVELS = {"Acme Connect conference pass": "Champion"}
CATALOG = [
    (
        "Acme sticker pack",
        "Ten die-cut stickers for your laptop.",
        RewardKind.PHYSICAL,
        150,
        None,
        None,
        False,
        "",
    ),
    (
        "Acme hoodie",
        "Heavyweight organic cotton, embroidered logo. Sizes S to XXL.",
        RewardKind.PHYSICAL,
        1_200,
        25,
        1,
        True,
        "",
    ),
    (
        "$10 gift card",
        "An Amazon gift card, delivered as a code at once.",
        RewardKind.GIFT_CARD,
        1_000,
        None,
        None,
        False,
        "",
    ),
    (
        "Plant a tree",
        "We plant a tree in your name with One Tree Planted.",
        RewardKind.DONATION,
        300,
        None,
        None,
        False,
        "One Tree Planted",
    ),
    (
        "Acme Connect conference pass",
        "A full pass to Acme Connect 2027 in Lisbon.",
        RewardKind.EXPERIENCE,
        8_000,
        3,
        1,
        True,
        "",
    ),
    (
        "1-month Pro plan upgrade",
        "A code for one month of the Pro plan on your account.",
        RewardKind.CODE,
        500,
        None,
        2,
        True,
        "",
    ),
]
# What the demo's German-speaking advocates read (the rest falls back to English).
GERMAN = {
    "Acme sticker pack": {
        "title": "Acme-Stickerset",
        "description": "Zehn gestanzte Sticker für Ihren Laptop.",
    },
    "Acme hoodie": {
        "title": "Acme-Kapuzenpullover",
        "description": "Schwere Bio-Baumwolle, gesticktes Logo. Größen S bis XXL.",
    },
    "Plant a tree": {
        "title": "Einen Baum pflanzen",
        "description": "Wir pflanzen mit One Tree Planted einen Baum in Ihrem Namen.",
    },
}
CODES = {
    "$10 gift card": [f"AMZN-DEMO-{n:04d}-{(n * 7919) % 10000:04d}" for n in range(1, 13)],
    "1-month Pro plan upgrade": [f"PRO1M-{n:05d}" for n in range(101, 111)],
}
SHIPPING = {
    "priya.raman@northwind.example": {
        "name": "Priya Raman",
        "street": "14 Harbour Road",
        "city": "Leeds",
        "postal_code": "LS1 4AB",
        "country": "United Kingdom",
        "phone": "",
    },
    "jonas.berg@fjordtech.example": {
        "name": "Jonas Berg",
        "street": "Storgata 22",
        "city": "Oslo",
        "postal_code": "0184",
        "country": "Norway",
        "phone": "+47 22 00 00 00",
    },
}


async def steps(
    session: AsyncSession, people: dict[str, User], *, storage: Storage
) -> list[clock.At]:
    """The catalog, set up when the program started (a reward is set up once); redemptions as
    steps in the demo's history."""
    marketer = people["marketer@acme.example"]
    by_title = {r.title_source: r for r in await session.scalars(select(Reward))}
    with clock.shifted(-CATALOG_AGE):
        await _catalog(session, marketer, by_title, storage)
    return await _redemptions(session, people, by_title)


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _picture(title: str, storage: Storage) -> rewards.ImageUpload:
    name = PICTURES[title]
    return rewards.ImageUpload(
        storage=storage,
        chunks=_chunks((IMAGES / name).read_bytes()),
        filename=name,
        max_bytes=MAX_IMAGE_BYTES,
    )


async def _catalog(
    session: AsyncSession, marketer: User, by_title: dict[str, Reward], storage: Storage
) -> None:
    levels = {level.name: level.id for level in await points.list_levels(session)}
    for title, description, kind, cost, inventory, limit, approval, cause in CATALOG:
        if title in by_title:
            continue
        reward = await rewards.save_reward(
            session,
            staff=marketer,
            values=rewards.RewardValues(
                title=title,
                description=description,
                kind=kind,
                cost=cost,
                inventory=inventory,
                per_user_limit=limit,
                needs_approval=approval,
                is_active=True,
                cause=cause,
                uses_code_pool=title in CODES,
                group_ids=frozenset(),
                required_level_id=levels.get(REQUIRED_LEVELS.get(title, "")),
                translations={"de": GERMAN[title]} if title in GERMAN else {},
            ),
            image=_picture(title, storage),
        )
        if title in CODES:
            await rewards.add_codes(
                session, staff=marketer, reward_id=reward.id, codes=CODES[title]
            )
        by_title[title] = reward


async def _redemptions(
    session: AsyncSession, people: dict[str, User], by_title: dict[str, Reward]
) -> list[clock.At]:
    """Redemptions by advocates who had earned enough by then, each handled a day later."""
    if await session.scalar(select(Redemption.id).limit(1)) is not None:
        return []
    marketer = people["marketer@acme.example"]
    plan = [
        # (advocate, reward, days ago, what happens next)
        ("priya.raman@northwind.example", "Acme hoodie", 9, "fulfil"),
        ("jonas.berg@fjordtech.example", "Acme hoodie", 2, "approve"),
        ("amara.nwosu@kelvin.example", "Acme sticker pack", 1, None),
        ("tom.fischer@alpenbank.example", "Plant a tree", 1, None),
        ("jonas.berg@fjordtech.example", "1-month Pro plan upgrade", 0, None),
        ("lucia.moreno@solaria.example", "Acme sticker pack", 4, "reject"),
    ]
    steps: list[clock.At] = []
    for email, title, days_ago, then in plan:
        done: dict[str, int] = {}

        async def request(
            email: str = email, title: str = title, done: dict[str, int] = done
        ) -> None:
            redemption = await rewards.request_redemption(
                session,
                user=people[email],
                reward_id=by_title[title].id,
                key=f"demo:{email}:{title}",
                shipping=SHIPPING.get(email),
            )
            done["id"] = redemption.id

        async def handle(then: str | None = then, done: dict[str, int] = done) -> None:
            if then in ("approve", "fulfil"):
                await rewards.approve_redemption(session, staff=marketer, redemption_id=done["id"])
            if then == "fulfil":
                await rewards.fulfil_redemption(
                    session,
                    staff=marketer,
                    redemption_id=done["id"],
                    tracking_note="Royal Mail tracking RM123456789GB",
                )
            if then == "reject":
                await rewards.reject_redemption(
                    session,
                    staff=marketer,
                    redemption_id=done["id"],
                    reason="The sticker packs are out of stock until March.",
                )

        steps.append(clock.At(timedelta(days=days_ago, hours=2), request))
        if then is not None:
            steps.append(clock.At(timedelta(days=max(0, days_ago - 1), hours=1), handle))
    return steps


LOW_POOL = ("Coffee voucher", [f"BREW-{n:04d}" for n in range(1, 7)])


async def low_code_pool(
    session: AsyncSession, people: dict[str, User], *, storage: Storage
) -> None:
    """A code pool that runs low today: the advocates who can afford it redeem until it falls
    under the alert threshold, and the program team is told once. An advocate whose trust score
    is under the review threshold waits in the queue instead of getting a code."""
    title, codes = LOW_POOL
    if await session.scalar(select(Reward.id).where(Reward.title == title)) is not None:
        return
    marketer = people["marketer@acme.example"]
    voucher = await rewards.save_reward(
        session,
        staff=marketer,
        values=rewards.RewardValues(
            title=title,
            description="A coffee on us at any partner café, as a code.",
            kind=RewardKind.CODE,
            cost=100,
            inventory=None,
            per_user_limit=1,
            needs_approval=False,
            is_active=True,
            cause="",
            uses_code_pool=True,
            group_ids=frozenset(),
        ),
        image=_picture(title, storage),
    )
    await rewards.add_codes(session, staff=marketer, reward_id=voucher.id, codes=codes)
    for email in LOW_POOL_REDEEMERS:
        person = people[email]
        if (await points.balance_of(session, person)).current < voucher.cost:
            continue
        await rewards.request_redemption(
            session, user=person, reward_id=voucher.id, key=f"demo:{email}:coffee", shipping=None
        )


LOW_POOL_REDEEMERS = [
    "priya.raman@northwind.example",
    "jonas.berg@fjordtech.example",
    "tom.fischer@alpenbank.example",
    "sofia.rossi@vitaverde.example",
]


FRIENDS_POOL = (
    "Welcome discount for referred friends",
    [f"WELCOME-{n:03d}" for n in range(101, 126)],
)


async def friends_pool_steps(
    session: AsyncSession, people: dict[str, User], *, storage: Storage
) -> list[clock.At]:
    """The pool referred friends get a code from (Manage → Referrals says at which stage): a
    code reward kept out of the advocates' catalog, so its inventory and low-pool alert are an
    ordinary reward's."""
    title, codes = FRIENDS_POOL
    if await session.scalar(select(Reward.id).where(Reward.title == title)) is not None:
        return []
    marketer = people["marketer@acme.example"]

    async def create() -> None:
        pool = await rewards.save_reward(
            session,
            staff=marketer,
            values=rewards.RewardValues(
                title=title,
                description="20% off the first year, for people our advocates refer.",
                kind=RewardKind.CODE,
                cost=1,
                inventory=None,
                per_user_limit=None,
                needs_approval=False,
                is_active=False,
                cause="",
                uses_code_pool=True,
                group_ids=frozenset(),
                for_referred_friends=True,
            ),
            image=_picture(title, storage),
        )
        await rewards.add_codes(session, staff=marketer, reward_id=pool.id, codes=codes)

    return [clock.At(timedelta(days=45, minutes=23), create)]
