"""Typed helpers that make test data through the real services."""

import itertools
import re
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth import service as auth
from portal.challenges.models import Challenge
from portal.people import sessions
from portal.people.models import Role, User, UserStatus
from portal.referrals.models import Referral
from portal.rewards.models import Reward

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]*)"')


async def make_user(
    session: AsyncSession,
    *,
    name: str = "Ada Lovelace",
    email: str | None = None,
    roles: tuple[Role, ...] = (Role.ADVOCATE,),
    password: str | None = PASSWORD,
    status: UserStatus = UserStatus.ACTIVE,
    company: str = "",
    job_title: str = "",
) -> User:
    number = next(_numbers)
    return await auth.create_user(
        session,
        email=email or f"person{number}@example.com",
        display_name=name,
        roles=roles,
        password=password,
        status=status,
        company=company,
        job_title=job_title,
    )


async def make_advocate(session: AsyncSession, **kwargs: object) -> User:
    return await make_user(session, roles=(Role.ADVOCATE,), **kwargs)  # type: ignore[arg-type]


async def make_marketer(session: AsyncSession, **kwargs: object) -> User:
    kwargs.setdefault("name", "Maya Marketer")
    return await make_user(session, roles=(Role.MARKETER,), **kwargs)  # type: ignore[arg-type]


async def make_admin(session: AsyncSession, **kwargs: object) -> User:
    kwargs.setdefault("name", "Alex Admin")
    return await make_user(session, roles=(Role.ADMIN, Role.MARKETER), **kwargs)  # type: ignore[arg-type]


async def make_sales(session: AsyncSession, **kwargs: object) -> User:
    kwargs.setdefault("name", "Sam Sales")
    return await make_user(session, roles=(Role.SALES,), **kwargs)  # type: ignore[arg-type]


SESSION_POLICY = sessions.SessionPolicy(
    lifetime=timedelta(days=30),
    idle=timedelta(days=7),
    staff_lifetime=timedelta(hours=12),
    staff_idle=timedelta(minutes=30),
)


async def start_test_session(session: AsyncSession, user: User) -> str:
    """A signed-in session as another browser would have it; returns its token."""
    return await sessions.start_session(
        session, user=user, policy=SESSION_POLICY, device="Firefox on Linux", client_key=""
    )


async def is_live(session: AsyncSession, token: str) -> bool:
    return await sessions.live_session(session, token=token, policy=SESSION_POLICY) is not None


async def csrf_token(client: httpx.AsyncClient, path: str = "/login") -> str:
    """The session's CSRF token, as a page's meta tag gives it to htmx."""
    response = await client.get(path)
    match = CSRF_META.search(response.text)
    assert match, f"no CSRF meta tag on {path} ({response.status_code})"
    return match.group(1)


async def login_as(
    client: httpx.AsyncClient, user: User, password: str = PASSWORD
) -> httpx.Response:
    token = await csrf_token(client)
    response = await client.post(
        "/login", data={"csrf_token": token, "email": user.email, "password": password}
    )
    assert response.status_code == 303, response.text
    return response


async def post_form(
    client: httpx.AsyncClient,
    path: str,
    data: dict[str, str | list[str]],
    *,
    page: str = "/profile",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """Posts a form the way a browser does: with the CSRF token from a page of the session."""
    token = await csrf_token(client, page)
    return await client.post(path, data={"csrf_token": token, **data}, headers=headers)


async def make_reward(session: AsyncSession, **overrides: object) -> Reward:
    """A reward through the marketer's service (a fresh marketer makes it)."""
    from portal.rewards import service as rewards
    from portal.rewards.models import RewardKind

    values = {
        "title": "Acme hoodie",
        "description": "Warm and soft.",
        "kind": RewardKind.PHYSICAL,
        "cost": 500,
        "inventory": None,
        "per_user_limit": None,
        "needs_approval": True,
        "is_active": True,
        "cause": "",
        "uses_code_pool": False,
        "group_ids": frozenset(),
    }
    values.update(overrides)
    staff = await make_marketer(session, name="Reward Maker")
    return await rewards.save_reward(session, staff=staff, values=rewards.RewardValues(**values))  # type: ignore[arg-type]


async def give_points(session: AsyncSession, user: User, amount: int) -> None:
    from portal.points import service as points

    await points.award(
        session,
        user,
        points=amount,
        reason="Test points",
        key=f"test-gift:{user.id}:{next(_numbers)}",
    )


async def make_referral(
    session: AsyncSession,
    referrer: User,
    *,
    name: str = "Grace Hopper",
    email: str | None = None,
    company: str = "Navy Labs",
    note: str = "",
) -> Referral:
    """A referral submitted through the real service."""
    from portal.referrals import service as referrals

    number = next(_numbers)
    return await referrals.submit_referral(
        session,
        referrer=referrer,
        prospect=referrals.Prospect(
            name=name, email=email or f"prospect{number}@lab{number}.example", company=company
        ),
        note=note,
    )


QUESTIONS = [
    {"text": "Which plan are you on?", "kind": "single", "options": ["Team", "Enterprise"]},
    {"text": "What do you use us for?", "kind": "multiple", "options": ["CI", "Docs", "Ops"]},
    {"text": "One thing we should improve?", "kind": "text", "options": [], "required": False},
]


async def make_challenge(session: AsyncSession, **overrides: object) -> Challenge:
    """A published challenge through the marketer's service (a fresh marketer makes it)."""
    from portal.challenges import service as challenges
    from portal.challenges.models import Approval, ChallengeStatus, ChallengeType

    kind = ChallengeType(str(overrides.get("type", ChallengeType.CUSTOM)))
    settings: dict[str, object] = {
        ChallengeType.SHARE_LINK: {"share_text": "Acme made our launches calm."},
        ChallengeType.ONLINE_REVIEW: {"review_url": "https://reviews.example/acme"},
        ChallengeType.ANSWER_QUESTIONS: {"questions": [{"required": True, **q} for q in QUESTIONS]},
        ChallengeType.ATTEND_EVENT: {
            "event_at": "2026-12-10T17:00",
            "place": "Acme HQ, Berlin",
            "event_link": "",
        },
        ChallengeType.CUSTOM: {"proof_hint": "Tell us what you did."},
    }.get(kind, {})
    values = {
        "title": "Tell a colleague about Acme",
        "summary": "Spread the word.",
        "body": "Share what you like about Acme.",
        "type": kind,
        "points": 50,
        "status": ChallengeStatus.PUBLISHED,
        "starts_at": None,
        "ends_at": None,
        "max_per_user": 1,
        "max_total": None,
        "approval": Approval.AUTO,
        "settings": settings,
        "group_ids": frozenset(),
    }
    values.update(overrides)
    staff = await make_marketer(session, name="Challenge Maker")
    return await challenges.save_challenge(
        session,
        staff=staff,
        values=challenges.ChallengeValues(**values),  # type: ignore[arg-type]
    )


async def chunks_of(data: bytes, size: int = 1000):  # type: ignore[no-untyped-def]
    """An upload as the storage receives it: a stream of chunks."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def make_asset(
    session: AsyncSession,
    storage,  # type: ignore[no-untyped-def]
    *,
    actor: User,
    title: str = "Product fact sheet",
    data: bytes | None = None,
    filename: str = "fact-sheet.pdf",
    url: str | None = None,
    published: bool = True,
    group_ids: set[int] | None = None,
    points: int | None = None,
    category: str = "Fact sheets",
    tags: list[str] | None = None,
    description: str = "",
):  # type: ignore[no-untyped-def]
    """An asset uploaded through the real service (a PDF unless `data` or `url` says otherwise)."""
    from portal.content import samples
    from portal.content import service as content

    upload = None
    if url is None:
        upload = content.Upload(
            chunks_of(data if data is not None else samples.pdf(title)), filename
        )
    return await content.create_asset(
        session,
        actor=actor,
        storage=storage,
        data=content.AssetInput(
            title=title,
            description=description,
            category=category,
            tags=tags or [],
            group_ids=group_ids or set(),
            points=points,
            is_published=published,
            url=url,
        ),
        upload=upload,
        limits=content.Limits(max_bytes=5 * 1024 * 1024, max_image_bytes=1024 * 1024),
    )
