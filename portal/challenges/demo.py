"""Demo challenges: one of every type, entries in every state (some waiting in the approval
queue), and completions with their points. Seeding again adds nothing."""

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

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

BERLIN = ZoneInfo("Europe/Berlin")

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
SHARE = "Share our launch post"
REVIEW = "Review Acme on G2"
REVIEW_FEEDBACK = "This link shows another product's page. Paste the link to your own review?"
SURVEY = "How do you use Acme?"
EVENT = "Join Acme Connect Live in Berlin"
SWAG = "Snap your Acme swag"
TIPS = "Post an Acme tip in your team chat"


def _content_challenges() -> list[dict[str, Any]]:
    """Challenges on the demo library's items, launched once the item is up (content's demo
    uploads the video three days ago, the white paper nine)."""
    return [
        {
            "title": "Finish the Getting started training",
            "summary": "Twelve minutes that save you hours.",
            "body": "Watch the <strong>Getting started</strong> video to the end.",
            "translations": {
                "de": {
                    "title": "Schließen Sie die Einstiegsschulung ab",
                    "summary": "Zwölf Minuten, die Ihnen Stunden sparen.",
                    "body": "Sehen Sie das Video <strong>Erste Schritte</strong> bis zum Ende an.",
                }
            },
            "type": ChallengeType.WATCH_VIDEO,
            "points": 60,
            "asset_title": VIDEO,
            "days_ago": 3,
        },
        {
            "title": "Read the zero-trust white paper",
            "summary": "Our security story, in eight pages.",
            "body": "Download the white paper and keep it handy for your security team.",
            "translations": {
                "de": {
                    "title": "Lesen Sie das Zero-Trust-Whitepaper",
                    "summary": "Unsere Sicherheitsgeschichte auf acht Seiten.",
                    "body": "Laden Sie das Whitepaper herunter und halten Sie es für Ihr "
                    "Sicherheitsteam bereit.",
                }
            },
            "type": ChallengeType.DOWNLOAD_ASSET,
            "points": 35,
            "asset_title": PAPER,
            "days_ago": 9,
        },
    ]


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
            "translations": {
                "de": {
                    "title": "Teilen Sie unseren Launch-Beitrag",
                    "summary": "Erzählen Sie Ihrem Netzwerk von Acme 3.0.",
                    "body": "Acme 3.0 ist da, mit sofortigen Rollbacks.\n\n"
                    "Teilen Sie es mit Ihrem Netzwerk.",
                }
            },
        },
        {
            "title": "Review Acme on G2",
            "summary": "An honest review helps others choose.",
            "body": "Write a review of Acme on G2, then paste the link to it here.",
            "translations": {
                "de": {
                    "title": "Bewerten Sie Acme auf G2",
                    "summary": "Eine ehrliche Bewertung hilft anderen bei der Wahl.",
                    "body": "Schreiben Sie eine Bewertung von Acme auf G2 und fügen Sie "
                    "hier den Link dazu ein.",
                }
            },
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
            "translations": {
                "de": {
                    "title": "Kommen Sie zu Acme Connect Live in Berlin",
                    "summary": "Ein Abend mit Vorträgen, Demos und Brezeln.",
                }
            },
            "body": "Meet the team and other advocates. We confirm attendance after the event.",
            "type": ChallengeType.ATTEND_EVENT,
            "points": 150,
            "max_total": 40,
            "settings": {
                # 18:00 in Berlin, stored as the UTC instant.
                "event_at": datetime.combine((now + timedelta(days=14)).date(), time(18), BERLIN)
                .astimezone(UTC)
                .isoformat(),
                "place": "Factory Berlin, Rheinsberger Str. 76",
                "event_link": "",
            },
            "group_ids": frozenset({groups["EMEA"]}),
        },
        {
            "title": "Refer a colleague this quarter",
            "summary": "Know a team that would love Acme?",
            "body": "Every referral you submit this quarter completes this challenge.",
            "translations": {
                "de": {
                    "title": "Empfehlen Sie dieses Quartal einen Kollegen",
                    "summary": "Sie kennen ein Team, dem Acme gefallen würde?",
                    "body": "Jede Empfehlung, die Sie in diesem Quartal einreichen, schließt "
                    "diese Challenge ab.",
                }
            },
            "type": ChallengeType.REFER,
            "points": 100,
            "max_per_user": 3,
        },
        {
            "title": "Post an Acme tip in your team chat",
            "summary": "Share a trick that saves you time.",
            "body": "Post a tip in your team's chat, then tell us what you shared.",
            "translations": {
                "de": {
                    "title": "Teilen Sie einen Acme-Tipp im Team-Chat",
                    "summary": "Verraten Sie einen Trick, der Zeit spart.",
                    "body": "Posten Sie einen Tipp im Chat Ihres Teams und erzählen Sie uns "
                    "dann, was Sie geteilt haben.",
                }
            },
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
            "translations": {
                "de": {
                    "title": "Fotografieren Sie Ihr Acme-Merch",
                    "summary": "Ein Foto Ihres Hoodies, Bechers oder Ihrer Sticker im Einsatz.",
                    "body": "Zeigen Sie uns, wo Ihr Acme-Merch gelandet ist. Die besten Fotos "
                    "kommen in unseren Newsletter.",
                }
            },
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


async def steps(
    session: AsyncSession, users: dict[str, User], *, storage: Storage
) -> list[clock.At]:
    """The challenges launched seven weeks ago (those on library items once the item is up),
    and entries, reviews and completions spread over the weeks since, in time order."""
    if await session.scalar(select(Challenge.id).limit(1)) is not None:
        return []
    now = clock.utcnow()
    groups = {g.name: g.id for g in await session.scalars(select(Group))}
    marketer = users[MARKETER]
    made: dict[str, Challenge] = {}
    entries: dict[str, int] = {}
    plan: list[clock.At] = []

    def at(days: float, run: Callable[[], Awaitable[object]]) -> None:
        plan.append(clock.At(timedelta(days=days), run))

    def launch(spec: dict[str, Any]) -> Callable[[], Awaitable[object]]:
        async def save() -> None:
            challenge = await challenges.save_challenge(
                session, staff=marketer, values=_values(spec)
            )
            made[spec["title"]] = challenge

        return save

    def launch_on_item(spec: dict[str, Any], asset_title: str) -> Callable[[], Awaitable[object]]:
        async def save() -> None:
            asset_id = await session.scalar(select(Asset.id).where(Asset.title == asset_title))
            if asset_id is not None:
                settings = {"asset_id": asset_id, "asset_title": asset_title}
                await launch({**spec, "settings": settings})()

        return save

    def enter(
        user: User, title: str, response: dict[str, Any], label: str = ""
    ) -> Callable[[], Awaitable[object]]:
        async def submit() -> None:
            challenge = made[title]
            entry = await challenges.submit_entry(
                session,
                user=user,
                challenge_id=challenge.id,
                key=f"demo:{challenge.id}:{user.id}",
                response=response,
            )
            entries[label or f"{title}:{user.id}"] = entry.id

        return submit

    def decide(label: str, *, feedback: str = "") -> Callable[[], Awaitable[object]]:
        async def review() -> None:
            if feedback:
                await challenges.reject_submission(
                    session, staff=marketer, submission_id=entries[label], feedback=feedback
                )
            else:
                await challenges.approve_submission(
                    session, staff=marketer, submission_id=entries[label]
                )

        return review

    for n, spec in enumerate(_challenges(now, groups)):
        plan.append(clock.At(timedelta(days=50, hours=-n), launch(spec)))
    for spec in _content_challenges():
        at(spec.pop("days_ago"), launch_on_item(spec, spec.pop("asset_title")))
    people = [u for email, u in users.items() if not email.endswith("@acme.example")]

    def share(user: User, network: str) -> Callable[[], Awaitable[object]]:
        async def record() -> None:
            challenge = made[SHARE]
            await challenges.record_share(
                session,
                user=user,
                challenge_id=challenge.id,
                network=network,
                key=f"demo:{challenge.id}:{user.id}",
            )

        return record

    networks = ["linkedin", "x", "linkedin", "email", "facebook", "x"]
    for days, user, network in zip([45, 38, 30, 21, 12, 4], people[:6], networks, strict=True):
        at(days, share(user, network))
    for n, (days, user) in enumerate(zip([40, 33, 26, 15, 5], people[:5], strict=True)):
        url = f"https://www.g2.com/products/acme/reviews/{8101 + n}"
        at(days, enter(user, REVIEW, {"proof_url": url}, f"review:{n}"))
    at(39, decide("review:0"))
    at(32, decide("review:1"))
    at(25, decide("review:2", feedback=REVIEW_FEEDBACK))
    plans = ["Enterprise", "Team", "Team", "Starter"]
    uses = [["Deployments", "Monitoring"], ["Deployments"], ["Incident response"], ["Reporting"]]
    ideas = ["Terraform import", "", "A mobile on-call app", "Cost reports per team"]
    for n, (days, user) in enumerate(zip([28, 19, 10, 3], people[4:8], strict=True)):
        answers = [
            {"question": q["text"], "answer": a}
            for q, a in zip(QUESTIONS, [plans[n], uses[n], ideas[n]], strict=True)
        ]
        at(days, enter(user, SURVEY, {"answers": answers}, f"survey:{n}"))
    at(27, decide("survey:0"))
    emea = [u for u in people if u.id in await _members(session, groups["EMEA"])]
    for days, user in zip([8, 6, 2], emea[:3], strict=True):
        at(days, enter(user, EVENT, {"rsvp": True}))
    for days, user in zip([8, 7, 5], people[8:11], strict=True):
        at(days, _download(session, user, PAPER))  # completes the challenge
    colours = [(37, 99, 235), (219, 39, 119)]
    for days, user, colour in zip([6, 1], people[:2], colours, strict=True):
        at(days, _swag_photo(session, made, user, colour, storage))
    developers = [u for u in people if u.id in await _members(session, groups["Developers"])]
    for n, (days, user) in enumerate(zip([35, 17, 2], developers[:3], strict=True)):
        tip = {"text": f"Pinned the rollback shortcut in #deploys (tip {n + 1})"}
        at(days, enter(user, TIPS, tip))
    return plan


def _download(session: AsyncSession, user: User, title: str) -> Callable[[], Awaitable[object]]:
    async def download() -> None:
        asset = await session.scalar(select(Asset).where(Asset.title == title))
        if asset is not None:
            await content.record_download(session, user, asset)

    return download


def _swag_photo(
    session: AsyncSession,
    made: dict[str, Challenge],
    user: User,
    colour: tuple[int, int, int],
    storage: Storage,
) -> Callable[[], Awaitable[object]]:
    async def upload() -> None:
        swag = made[SWAG]
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

    return upload


async def _members(session: AsyncSession, group_id: int) -> set[int]:
    return set(
        await session.scalars(select(GroupMember.user_id).where(GroupMember.group_id == group_id))
    )
