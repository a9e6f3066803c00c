"""Demo challenges: one of every type, entries in every state (some waiting in the approval
queue), and completions with their points. Seeding again adds nothing."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.challenges import service as challenges
from portal.challenges.models import Approval, Challenge, ChallengeStatus, ChallengeType
from portal.content import samples
from portal.content import service as content
from portal.content.models import Asset
from portal.files.storage import Storage
from portal.people.models import Group, GroupMember, User

MARKETER = "marketer@acme.example"
QUESTIONS = [
    {
        "text": "Which Acme plan is your team on?",
        "kind": "single",
        "options": ["Starter", "Team", "Enterprise"],
        "required": True,
    },
    {
        "text": "What do you use Acme for?",
        "kind": "multiple",
        "options": ["Deployments", "Monitoring", "Incident response", "Reporting"],
        "required": True,
    },
    {
        "text": "What is the one thing we should build next?",
        "kind": "text",
        "options": [],
        "required": False,
    },
]


VIDEO = "Getting started with Acme (training)"
PAPER = "Zero-trust security white paper"


def _content_challenges(assets: dict[str, int]) -> list[dict[str, Any]]:
    """Challenges on the demo library's items (when the library has them)."""
    specs = []
    if VIDEO in assets:
        specs.append(
            {
                "title": "Finish the Getting started training",
                "summary": "Twelve minutes that save you hours.",
                "body": "Watch the <strong>Getting started</strong> video to the end.",
                "type": ChallengeType.WATCH_VIDEO,
                "points": 60,
                "settings": {"asset_id": assets[VIDEO], "asset_title": VIDEO},
            }
        )
    if PAPER in assets:
        specs.append(
            {
                "title": "Read the zero-trust white paper",
                "summary": "Our security story, in eight pages.",
                "body": "Download the white paper and keep it handy for your security team.",
                "type": ChallengeType.DOWNLOAD_ASSET,
                "points": 35,
                "settings": {"asset_id": assets[PAPER], "asset_title": PAPER},
            }
        )
    return specs


def _challenges(now: Any, groups: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {
            "title": "Share our launch post",
            "summary": "Tell your network about Acme 3.0.",
            "body": "Acme 3.0 is out, with instant rollbacks.\n\nShare it with your network.",
            "type": ChallengeType.SHARE_LINK,
            "points": 30,
            "ends_at": now + timedelta(days=10),
            "settings": {"share_text": "Acme 3.0 makes our releases calm. Have a look:"},
        },
        {
            "title": "Review Acme on G2",
            "summary": "An honest review helps others choose.",
            "body": "Write a review of Acme on G2, then paste the link to it here.",
            "type": ChallengeType.ONLINE_REVIEW,
            "points": 200,
            "approval": Approval.MANUAL,
            "max_total": 20,
            "settings": {"review_url": "https://www.g2.com/products/acme/take_survey"},
        },
        {
            "title": "How do you use Acme?",
            "summary": "Three quick questions for our product team.",
            "body": "Your answers go straight to the people who build Acme.",
            "type": ChallengeType.ANSWER_QUESTIONS,
            "points": 75,
            "approval": Approval.MANUAL,
            "ends_at": now + timedelta(days=21),
            "settings": {"questions": QUESTIONS},
        },
        {
            "title": "Join Acme Connect Live in Berlin",
            "summary": "An evening of talks, demos and pretzels.",
            "body": "Meet the team and other advocates. We confirm attendance after the event.",
            "type": ChallengeType.ATTEND_EVENT,
            "points": 150,
            "max_total": 40,
            "settings": {
                "event_at": (now + timedelta(days=14)).strftime("%Y-%m-%dT18:00"),
                "place": "Factory Berlin, Rheinsberger Str. 76",
                "event_link": "",
            },
            "group_ids": frozenset({groups["EMEA"]}),
        },
        {
            "title": "Refer a colleague this quarter",
            "summary": "Know a team that would love Acme?",
            "body": "Every referral you submit this quarter completes this challenge.",
            "type": ChallengeType.REFER,
            "points": 100,
            "max_per_user": 3,
        },
        {
            "title": "Post an Acme tip in your team chat",
            "summary": "Share a trick that saves you time.",
            "body": "Post a tip in your team's chat, then tell us what you shared.",
            "type": ChallengeType.CUSTOM,
            "points": 40,
            "max_per_user": 5,
            "settings": {"proof_hint": "Which tip did you share, and where?"},
            "group_ids": frozenset({groups["Developers"]}),
        },
        {
            "title": "Snap your Acme swag",
            "summary": "A photo of your hoodie, mug or stickers in the wild.",
            "body": "Show us where Acme swag ended up. The best photos go in our newsletter.",
            "type": ChallengeType.UPLOAD_IMAGE,
            "points": 50,
            "approval": Approval.MANUAL,
            "settings": {"proof_hint": "Your swag photo"},
        },
        {
            "title": "Record a 60-second testimonial",
            "summary": "Coming soon.",
            "body": "Film a short clip about what Acme changed for your team.",
            "type": ChallengeType.CUSTOM,
            "points": 500,
            "status": ChallengeStatus.DRAFT,
            "approval": Approval.MANUAL,
            "settings": {"proof_hint": "A link to your video"},
        },
    ]


def _values(spec: dict[str, Any]) -> challenges.ChallengeValues:
    defaults: dict[str, Any] = {
        "summary": "",
        "status": ChallengeStatus.PUBLISHED,
        "starts_at": None,
        "ends_at": None,
        "max_per_user": 1,
        "max_total": None,
        "approval": Approval.AUTO,
        "settings": {},
        "group_ids": frozenset(),
    }
    return challenges.ChallengeValues(**{**defaults, **spec})


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def seed(session: AsyncSession, users: dict[str, User], *, storage: Storage) -> None:
    if await session.scalar(select(Challenge.id).limit(1)) is not None:
        return
    now = clock.utcnow()
    groups = {g.name: g.id for g in await session.scalars(select(Group))}
    marketer = users[MARKETER]
    assets = {
        a.title: a.id
        for a in await session.scalars(select(Asset).where(Asset.title.in_([VIDEO, PAPER])))
    }
    made = {}
    for spec in _challenges(now, groups) + _content_challenges(assets):
        challenge = await challenges.save_challenge(session, staff=marketer, values=_values(spec))
        made[challenge.type if challenge.type != ChallengeType.CUSTOM else challenge.title] = (
            challenge
        )
    people = [u for email, u in users.items() if not email.endswith("@acme.example")]

    async def enter(user: User, challenge: Challenge, response: dict[str, Any]) -> int:
        entry = await challenges.submit_entry(
            session,
            user=user,
            challenge_id=challenge.id,
            key=f"demo:{challenge.id}:{user.id}",
            response=response,
        )
        return entry.id

    share = made[ChallengeType.SHARE_LINK]
    networks = ["linkedin", "x", "linkedin", "email", "facebook", "x"]
    for user, network in zip(people[:6], networks, strict=True):
        await challenges.record_share(
            session,
            user=user,
            challenge_id=share.id,
            network=network,
            key=f"demo:{share.id}:{user.id}",
        )
    review = made[ChallengeType.ONLINE_REVIEW]
    reviews = [
        await enter(u, review, {"proof_url": f"https://www.g2.com/products/acme/reviews/{n}"})
        for n, u in enumerate(people[:5], start=8101)
    ]
    for entry in reviews[:2]:
        await challenges.approve_submission(session, staff=marketer, submission_id=entry)
    await challenges.reject_submission(
        session,
        staff=marketer,
        submission_id=reviews[2],
        feedback="This link shows another product's page. Paste the link to your own review?",
    )
    survey = made[ChallengeType.ANSWER_QUESTIONS]
    plans = ["Enterprise", "Team", "Team", "Starter"]
    uses = [["Deployments", "Monitoring"], ["Deployments"], ["Incident response"], ["Reporting"]]
    ideas = ["Terraform import", "", "A mobile on-call app", "Cost reports per team"]
    answered = []
    for n, user in enumerate(people[4:8]):
        answers = [
            {"question": q["text"], "answer": a}
            for q, a in zip(QUESTIONS, [plans[n], uses[n], ideas[n]], strict=True)
        ]
        answered.append(await enter(user, survey, {"answers": answers}))
    await challenges.approve_submission(session, staff=marketer, submission_id=answered[0])
    event = made[ChallengeType.ATTEND_EVENT]
    emea = [u for u in people if u.id in await _members(session, groups["EMEA"])]
    for user in emea[:3]:
        await enter(user, event, {"rsvp": True})
    paper = await session.get(Asset, assets[PAPER]) if PAPER in assets else None
    if paper is not None:
        for user in people[8:11]:
            await content.record_download(session, user, paper)  # completes the challenge
    swag = made[ChallengeType.UPLOAD_IMAGE]
    colours = [(37, 99, 235), (219, 39, 119)]
    for user, colour in zip(people[:2], colours, strict=True):
        await challenges.submit_image_entry(
            session,
            user=user,
            challenge_id=swag.id,
            key=f"demo:{swag.id}:{user.id}",
            storage=storage,
            upload=content.Upload(_chunks(samples.png(160, 120, colour)), "swag.png"),
            caption="The hoodie made it to our office",
            max_bytes=5 * 1024 * 1024,
        )
    tips = made["Post an Acme tip in your team chat"]
    developers = [u for u in people if u.id in await _members(session, groups["Developers"])]
    for n, user in enumerate(developers[:3]):
        await enter(user, tips, {"text": f"Pinned the rollback shortcut in #deploys (tip {n + 1})"})


async def _members(session: AsyncSession, group_id: int) -> set[int]:
    return set(
        await session.scalars(select(GroupMember.user_id).where(GroupMember.group_id == group_id))
    )
