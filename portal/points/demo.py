"""Demo points: two months of believable activity, a leaderboard that moved this week, levels
and badges reached, a spend, an adjustment and a custom badge. Keys make reruns no-ops."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.people.models import User
from portal.points import service as points
from portal.points.models import Badge

REASONS = [
    "Wrote a review on G2",
    "Shared the launch post on LinkedIn",
    "Answered the product roadmap survey",
    "Watched the “Getting started” training",
    "Downloaded the 2026 security white paper",
    "Attended the Acme Connect webinar",
    "Referral reached qualified",
    "Joined a customer reference call",
    "Answered a question in the community",
]

# (days ago, points) per advocate, oldest first: some were busy last month, some this week.
ACTIVITY = {
    "priya.raman@northwind.example": [
        (55, 200),
        (41, 300),
        (30, 50),
        (12, 1000),
        (5, 50),
        (1, 200),
    ],
    "jonas.berg@fjordtech.example": [(50, 300), (35, 1000), (20, 300), (9, 50), (2, 100)],
    "lucia.moreno@solaria.example": [(45, 50), (28, 200), (14, 50), (3, 300), (0, 50)],
    "daniel.kim@brightpath.example": [(40, 50), (6, 50), (2, 1000), (1, 300), (0, 200)],
    "amara.nwosu@kelvin.example": [(58, 1000), (44, 1000), (33, 300), (21, 200)],
    "tom.fischer@alpenbank.example": [(25, 50), (18, 200), (8, 50), (4, 50)],
    "grace.liu@harborview.example": [(38, 200), (16, 50), (3, 50)],
    "omar.haddad@dunecloud.example": [(48, 50), (26, 300), (11, 200), (1, 50)],
    "sofia.rossi@vitaverde.example": [(20, 50), (7, 50)],
    "ethan.brooks@lumen.example": [(13, 300), (2, 200), (0, 50)],
    "hana.sato@kumo.example": [(4, 50)],
}
SHOWN_IN_FEED = {
    "priya.raman@northwind.example",
    "jonas.berg@fjordtech.example",
    "daniel.kim@brightpath.example",
    "amara.nwosu@kelvin.example",
    "omar.haddad@dunecloud.example",
}
SPENDS = {"amara.nwosu@kelvin.example": (10, 1500, "Redeemed: Acme Connect conference pass")}


async def seed(session: AsyncSession, people: dict[str, User]) -> None:
    marketer = people["marketer@acme.example"]
    for n, (email, activity) in enumerate(ACTIVITY.items()):
        advocate = people[email]
        advocate.show_in_feed = email in SHOWN_IN_FEED
        for step, (days_ago, amount) in enumerate(activity):
            with clock.shifted(-timedelta(days=days_ago, hours=step + n)):
                await points.award(
                    session,
                    advocate,
                    points=amount,
                    reason=REASONS[(n + step) % len(REASONS)],
                    key=f"demo:{email}:{step}",
                )
    for email, (days_ago, amount, reason) in SPENDS.items():
        with clock.shifted(-timedelta(days=days_ago)):
            await points.spend(
                session, people[email], points=amount, reason=reason, key=f"demo:{email}:spend"
            )
    with clock.shifted(-timedelta(days=3)):
        await points.adjust(
            session,
            people["tom.fischer@alpenbank.example"],
            points=250,
            reason="Bonus: spoke at the Acme Connect Munich meetup",
            key="demo:tom.fischer:adjust",
            actor=marketer,
            counts_toward_lifetime=True,
        )
    speaker = await session.scalar(select(Badge).where(Badge.name == "Conference speaker"))
    if speaker is None:
        speaker = await points.create_badge(
            session,
            actor=marketer,
            name="Conference speaker",
            description="Told our community your story on stage.",
            icon="🎤",
        )
    await points.award_badge(
        session,
        user=people["tom.fischer@alpenbank.example"],
        badge=speaker,
        by=marketer,
        note="Acme Connect Munich 2026",
    )
