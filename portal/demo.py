"""Demo data for `make run`: a believable program, loaded through the real services.
Running it again adds nothing twice."""

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock, routing, subscriptions
from portal.advocacy import demo as advocacy_demo
from portal.api_tokens import demo as api_tokens_demo
from portal.auth import demo as auth_demo
from portal.auth import service as auth
from portal.auth import sso_demo
from portal.challenges import demo as challenges_demo
from portal.community import demo as community_demo
from portal.config import Settings
from portal.content import demo as content_demo
from portal.content import samples as content_samples
from portal.db import create_engine, create_sessionmaker
from portal.directory import demo as directory_demo
from portal.engagement import demo as engagement_demo
from portal.files.backends import storage_of
from portal.files.storage import Storage
from portal.guard import demo as guard_demo
from portal.messages import demo as messages_demo
from portal.people.models import Group, GroupMember, Role, User
from portal.points import demo as points_demo
from portal.program import service as program
from portal.referrals import campaign_demo
from portal.referrals import demo as referrals_demo
from portal.referrals import service as referrals_service
from portal.referrals.models import Referral, Stage
from portal.reports import demo as reports_demo
from portal.rewards import demo as rewards_demo
from portal.segments import demo as segments_demo
from portal.trust_scoring import demo as trust_demo
from portal.webhooks import demo as webhooks_demo

DEMO_PASSWORD = "demo-password"  # noqa: S105 (printed by `make run` on purpose)

STAFF = [
    ("admin@acme.example", "Alex Morgan", "Program admin", [Role.ADMIN, Role.MARKETER]),
    # Staff may also be advocates: Maya switches between her program Home and her own.
    (
        "marketer@acme.example",
        "Maya Patel",
        "Customer marketing lead",
        [Role.MARKETER, Role.ADVOCATE],
    ),
    ("sales@acme.example", "Sam Okafor", "Account executive", [Role.SALES]),
]

ADVOCATES = [
    ("priya.raman@northwind.example", "Priya Raman", "Northwind Logistics", "Head of Operations"),
    ("jonas.berg@fjordtech.example", "Jonas Berg", "FjordTech", "CTO"),
    ("lucia.moreno@solaria.example", "Lucía Moreno", "Solaria Energy", "IT Director"),
    ("daniel.kim@brightpath.example", "Daniel Kim", "BrightPath Health", "Platform Engineer"),
    ("amara.nwosu@kelvin.example", "Amara Nwosu", "Kelvin & Co", "VP Finance"),
    ("tom.fischer@alpenbank.example", "Tom Fischer", "Alpenbank", "Security Architect"),
    ("grace.liu@harborview.example", "Grace Liu", "Harborview Retail", "E-commerce Manager"),
    ("omar.haddad@dunecloud.example", "Omar Haddad", "DuneCloud", "DevOps Lead"),
    ("sofia.rossi@vitaverde.example", "Sofia Rossi", "VitaVerde Foods", "Supply Chain Analyst"),
    ("ethan.brooks@lumen.example", "Ethan Brooks", "Lumen Analytics", "Data Scientist"),
    ("hana.sato@kumo.example", "Hana Sato", "Kumo Robotics", "Product Manager"),
    ("leo.dubois@atelier.example", "Léo Dubois", "Atelier Numérique", "Founder"),
]

GROUPS = {
    "Enterprise customers": (
        "Accounts on the enterprise plan",
        [
            "priya.raman@northwind.example",
            "tom.fischer@alpenbank.example",
            "amara.nwosu@kelvin.example",
            "lucia.moreno@solaria.example",
        ],
    ),
    "Developers": (
        "Technical advocates: engineers, architects and data people",
        [
            "jonas.berg@fjordtech.example",
            "daniel.kim@brightpath.example",
            "omar.haddad@dunecloud.example",
            "ethan.brooks@lumen.example",
            "tom.fischer@alpenbank.example",
        ],
    ),
    "EMEA": (
        "Advocates in Europe, the Middle East and Africa",
        [
            "jonas.berg@fjordtech.example",
            "lucia.moreno@solaria.example",
            "tom.fischer@alpenbank.example",
            "sofia.rossi@vitaverde.example",
            "leo.dubois@atelier.example",
            "amara.nwosu@kelvin.example",
        ],
    ),
}

PENDING_INVITATION = ("nina.kowalski@orbit.example", "Nina Kowalski")

# The program runs on Berlin time (its weeks start at Monday midnight there); these people
# chose their own zone, the others read Berlin times until they answer Home's question.
PROGRAM_TIME_ZONE = "Europe/Berlin"
TIME_ZONES = {
    "tom.fischer@alpenbank.example": "Europe/Berlin",
    "ethan.brooks@lumen.example": "Pacific/Auckland",
    "grace.liu@harborview.example": "America/Los_Angeles",
    "hana.sato@kumo.example": "Asia/Tokyo",
    "sales@acme.example": "America/New_York",
}
# Tom reads the portal and his emails in German (Profile → Language); the others in English.
LANGUAGES = {"tom.fischer@alpenbank.example": "de"}


async def seed(settings: Settings) -> list[tuple[str, str]]:
    subscriptions.install()
    routing.install_links(settings)
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            logins = await seed_session(session, storage=storage_of(settings))
            await session.commit()
    finally:
        await engine.dispose()
    return logins


async def seed_session(session: AsyncSession, *, storage: Storage) -> list[tuple[str, str]]:
    if not await session.scalar(select(User.id).limit(1)):
        await program.update(
            session,
            actor=None,
            program_name="Acme Advocates",
            tagline="Share what you love about Acme, help friends find us, earn rewards.",
            time_zone=PROGRAM_TIME_ZONE,
        )
    users = {}
    for email, name, title, roles in STAFF:
        users[email] = await _ensure_user(
            session, email=email, name=name, roles=roles, company="Acme", job_title=title
        )
    for n, (email, name, company, title) in enumerate(ADVOCATES):
        # One joined every two weeks over the last six months, so Reports → Cohorts has months.
        with clock.shifted(-timedelta(days=180 - 13 * n)):
            users[email] = await _ensure_user(
                session,
                email=email,
                name=name,
                roles=[Role.ADVOCATE],
                company=company,
                job_title=title,
            )
    for email, zone in TIME_ZONES.items():
        await auth.set_time_zone(session, user=users[email], time_zone=zone)
    for email, language in LANGUAGES.items():
        await auth.set_language(session, user=users[email], language=language)
    for group_name, (description, members) in GROUPS.items():
        await _ensure_group(session, group_name, description, [users[m] for m in members])
    email, name = PENDING_INVITATION
    if await auth.find_user_by_email(session, email) is None:
        await auth.invite(
            session,
            inviter=users["marketer@acme.example"],
            email=email,
            display_name=name,
            roles=[Role.ADVOCATE],
        )
    # One history, replayed in time order through the real services: each ledger, timeline
    # and the notifications read as they happened, every point from a real action.
    await clock.replay(
        [
            *points_demo.steps(session, users),
            *await rewards_demo.steps(session, users, storage=storage),
            *await content_demo.steps(session, users, storage=storage),
            *await challenges_demo.steps(session, users, storage=storage),
            *await referrals_demo.steps(session, users),
            *await campaign_demo.steps(session, users),
            *await guard_demo.steps(session, users),
            *await advocacy_demo.steps(session, users),
            *await messages_demo.steps(session, users),
            *await engagement_demo.steps(session, users),
            *await community_demo.steps(
                session, users, storage=storage, screenshot=content_samples.png(480, 270)
            ),
            *await rewards_demo.friends_pool_steps(session, users, storage=storage),
            *await _recruiting_steps(session, users),
        ]
    )
    await referrals_demo.map_crm_stage_names(session, users["admin@acme.example"])
    await api_tokens_demo.ensure_token(session, users["admin@acme.example"])
    await reports_demo.seed(session, users)
    await sso_demo.seed(session, users)
    await directory_demo.seed(session, users)  # profile fields before the segments on them
    await auth_demo.seed(session, users)  # its list answers the profile fields
    await segments_demo.seed(session, users)
    await trust_demo.seed(session, users)
    await rewards_demo.low_code_pool(session, users, storage=storage)
    # Last: the endpoint hears what happens from now on, not the demo's history.
    await webhooks_demo.seed(session, users)
    logins = [(", ".join(roles), email) for email, _, _, roles in STAFF]
    logins.append(("advocate", ADVOCATES[0][0]))
    return logins


RECRUIT = ("noah.wilson@northwind.example", "Noah Wilson", "Northwind", "Solutions Engineer")
RECRUITS_FRIEND = referrals_service.Prospect(
    name="Mei Tanaka", email="mei.tanaka@kitehill.example", company="Kite Hill Logistics"
)


async def _recruiting_steps(session: AsyncSession, users: dict[str, User]) -> list[clock.At]:
    """Referred friends get a welcome code once their referral is qualified; Priya invites her
    colleague Noah with her invitation link, the marketer approves him (Priya's join bonus),
    and his first referral is qualified (his friend's code goes out) and won (Priya's milestone
    bonus)."""
    email, name, company, title = RECRUIT
    if await auth.find_user_by_email(session, email) is not None:
        return []
    marketer = users["marketer@acme.example"]
    priya = users["priya.raman@northwind.example"]
    rep = await referrals_service.access_rep(session, users["sales@acme.example"].id)
    noah: list[User] = []

    async def reward_friends() -> None:
        await referrals_service.save_settings(
            session, actor=marketer, friend_reward_stage=Stage.QUALIFIED.value
        )

    async def sign_up() -> None:
        joined = await auth.sign_up(
            session,
            email=email,
            display_name=name,
            password=secrets.token_urlsafe(16),
            company=company,
            job_title=title,
            recruiter_code=priya.personal_code or "",
        )
        assert joined is not None  # noqa: S101 (a new address)
        noah.append(joined)

    async def refer() -> None:
        await referrals_service.submit_referral(session, referrer=noah[0], prospect=RECRUITS_FRIEND)

    async def move(stage: Stage) -> None:
        referral = await session.scalar(
            select(Referral.id).where(Referral.prospect_email == RECRUITS_FRIEND.email)
        )
        assert referral is not None  # noqa: S101 (referred by an earlier step)
        loaded = await referrals_service.access_referral(session, referral)
        if stage == Stage.WON:  # Manage → Referrals → Campaigns counts it under Noah
            await referrals_service.set_deal_value(session, loaded, value=18_000, actor=rep)
        await referrals_service.move_referral(session, loaded, to=stage, actor=rep)

    odd = timedelta(minutes=29)  # no step shares a moment with another demo's
    return [
        clock.At(timedelta(days=44) + odd, reward_friends),
        clock.At(timedelta(days=40) + odd, sign_up),
        clock.At(
            timedelta(days=39) + odd,
            lambda: auth.approve_signup(session, actor=marketer, user=noah[0]),
        ),
        clock.At(timedelta(days=19) + odd, refer),
        clock.At(timedelta(days=15) + odd, lambda: move(Stage.QUALIFIED)),
        clock.At(timedelta(days=4) + odd, lambda: move(Stage.WON)),
    ]


async def _ensure_user(
    session: AsyncSession, *, email: str, name: str, roles: list[Role], company: str, job_title: str
) -> User:
    existing = await auth.find_user_by_email(session, email)
    if existing is not None:
        return existing
    return await auth.create_user(
        session,
        email=email,
        display_name=name,
        roles=roles,
        password=DEMO_PASSWORD,
        company=company,
        job_title=job_title,
    )


async def _ensure_group(
    session: AsyncSession, name: str, description: str, members: list[User]
) -> None:
    if await session.scalar(select(Group.id).where(Group.name == name)) is not None:
        return
    group = Group(name=name, description=description)
    session.add(group)
    await session.flush()
    session.add_all(GroupMember(group_id=group.id, user_id=user.id) for user in members)
    await session.flush()


async def create_admin(settings: Settings, *, email: str, name: str, password: str) -> None:
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            await auth.create_user(
                session,
                email=email,
                display_name=name,
                roles=[Role.ADMIN, Role.MARKETER],
                password=password,
            )
            await session.commit()
    finally:
        await engine.dispose()
