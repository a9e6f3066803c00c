"""Demo library: real little files made in code (PDFs, a CSV price list, a ZIP press kit, a
logo, a training video) and a link, uploaded through the real service; some are targeted at a
group, one is a draft, and advocates have already used a few (with their points). An asset
that already exists is left alone, so running it again adds nothing."""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.content import samples
from portal.content import service as content
from portal.content.models import Asset, AssetKind
from portal.files.storage import Storage
from portal.people.models import Group, User

HEARTBEAT_SECONDS = 10.0
LIMITS = content.Limits(max_bytes=50 * 1024 * 1024, max_image_bytes=5 * 1024 * 1024)


@dataclass(frozen=True)
class DemoAsset:
    title: str
    category: str
    tags: list[str]
    description: str
    days_ago: int
    filename: str = ""
    data: bytes = b""
    url: str | None = None
    group: str | None = None
    published: bool = True
    used_by: list[str] = field(default_factory=list)  # advocates who downloaded or watched it
    german: dict[str, str] = field(default_factory=dict)  # its title and description in German


PRESS_KIT = samples.zip_archive(
    {
        "acme-logo-blue.png": samples.png(96, 96, (37, 99, 235)),
        "acme-logo-dark.png": samples.png(96, 96, (17, 24, 39)),
        "boilerplate.txt": (
            b"Acme builds the logistics platform that 4,000 companies run on. "
            b"Founded in 2014, Acme is based in Amsterdam and Austin.\n"
        ),
    }
)

PRICE_LIST = samples.csv_text(
    [
        ["Plan", "Seats included", "Price per month (EUR)", "Enterprise discount"],
        ["Team", "10", "490", "-"],
        ["Business", "50", "1,950", "10%"],
        ["Enterprise", "250", "7,500", "20%"],
    ]
)

ASSETS = [
    DemoAsset(
        title="Acme Platform fact sheet",
        german={
            "title": "Acme-Plattform: Datenblatt",
            "description": "<p>Das Einseiter-Dokument nach einem ersten Gespräch: was Acme "
            "macht, für wen es ist und die <strong>drei Zahlen</strong>, die Kunden am "
            "häufigsten nennen.</p>",
        },
        category="Fact sheets",
        tags=["platform", "overview"],
        description=(
            "<p>The one-pager to send after a first call: what Acme does, who it is for, and "
            "the <strong>three numbers</strong> customers quote most.</p>"
        ),
        days_ago=40,
        filename="Acme Platform fact sheet.pdf",
        data=samples.pdf(
            "Acme Platform fact sheet",
            ["Route planning, tracking and billing in one place.", "99.95% uptime since 2024."],
        ),
        used_by=[
            "priya.raman@northwind.example",
            "jonas.berg@fjordtech.example",
            "lucia.moreno@solaria.example",
            "grace.liu@harborview.example",
        ],
    ),
    DemoAsset(
        title="Northwind Logistics case study",
        category="Case studies",
        tags=["logistics", "roi"],
        description=(
            "How Northwind cut late deliveries by 38 % in six months. Priya Raman tells the story."
        ),
        days_ago=25,
        filename="Northwind case study.pdf",
        data=samples.pdf(
            "Northwind Logistics case study",
            ["Late deliveries down 38% in six months.", "Payback in under a year."],
        ),
        used_by=["priya.raman@northwind.example", "daniel.kim@brightpath.example"],
    ),
    DemoAsset(
        title="Zero-trust security white paper",
        category="White papers",
        tags=["security", "compliance"],
        description=(
            "<p>Our security architecture in depth: encryption at rest and in transit, "
            "SSO, audit logs and the ISO 27001 scope.</p><ul><li>For architects</li>"
            "<li>For procurement questionnaires</li></ul>"
        ),
        days_ago=9,
        filename="Acme zero-trust white paper.pdf",
        data=samples.pdf(
            "Zero-trust security at Acme", ["Encryption at rest and in transit.", "ISO 27001."]
        ),
        used_by=["tom.fischer@alpenbank.example"],
    ),
    DemoAsset(
        title="2027 price list (enterprise)",
        category="Price lists",
        tags=["pricing"],
        description="Current list prices with the enterprise discount. For enterprise accounts.",
        days_ago=5,
        filename="acme-price-list-2027.csv",
        data=PRICE_LIST,
        group="Enterprise customers",
        used_by=["amara.nwosu@kelvin.example"],
    ),
    DemoAsset(
        title="Acme press kit",
        category="Press kits",
        tags=["brand", "press"],
        description="Logos, the company boilerplate and approved product names, in one ZIP.",
        days_ago=60,
        filename="acme-press-kit.zip",
        data=PRESS_KIT,
    ),
    DemoAsset(
        title="Acme logo (blue)",
        category="Press kits",
        tags=["brand"],
        description="The logo to use on slides and blog posts.",
        days_ago=60,
        filename="acme-logo-blue.png",
        data=samples.png(160, 120, (37, 99, 235)),
        used_by=["hana.sato@kumo.example"],
    ),
    DemoAsset(
        title="Getting started with Acme (training)",
        category="Training",
        tags=["onboarding", "video"],
        description="A short tour of the portal and of how to share Acme with your network.",
        days_ago=3,
        filename="getting-started.webm",
        data=samples.training_video(),
        used_by=["priya.raman@northwind.example", "ethan.brooks@lumen.example"],
    ),
    DemoAsset(
        title="Developer API walkthrough (training)",
        category="Training",
        tags=["api", "video"],
        description="For technical advocates: the REST API and webhooks in practice.",
        days_ago=2,
        filename="api-walkthrough.webm",
        data=samples.training_video(),
        group="Developers",
        used_by=["omar.haddad@dunecloud.example"],
    ),
    DemoAsset(
        title="Launch post: Acme 5.0",
        category="News",
        tags=["launch"],
        description="The launch announcement to share on LinkedIn.",
        days_ago=1,
        url="https://acme.example/blog/acme-5",
        used_by=["jonas.berg@fjordtech.example"],
    ),
    DemoAsset(
        title="Q1 customer webinar slides",
        category="Presentations",
        tags=["webinar"],
        description="Draft: published after the webinar.",
        days_ago=0,
        filename="q1-webinar.pdf",
        data=samples.pdf("Q1 customer webinar", ["Draft slides."]),
        published=False,
    ),
]


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def play(
    session: AsyncSession,
    viewer: User,
    asset: Asset,
    *,
    duration: float,
    start: float = 0.0,
    end: float | None = None,
) -> content.WatchProgress:
    """The heartbeats a player sends while it plays `start`..`end` (default: to the end) of a
    video lasting `duration` seconds, the clock moving on with the video."""
    stop = duration if end is None else end
    position, elapsed = start, 0.0
    progress = await content.record_heartbeat(
        session, viewer, asset, start=position, end=position, duration=duration
    )
    while position < stop:
        step = min(HEARTBEAT_SECONDS, stop - position)
        elapsed += step
        with clock.shifted(timedelta(seconds=elapsed)):
            progress = await content.record_heartbeat(
                session, viewer, asset, start=position, end=position + step, duration=duration
            )
        position += step
    return progress


async def steps(
    session: AsyncSession, people: dict[str, User], *, storage: Storage
) -> list[clock.At]:
    """Each item uploaded on its day, and used by its advocates in the days after (a download,
    or a video played through), the points they earned as they happened. An item already
    there is left alone."""
    existing = set(await session.scalars(select(Asset.title)))
    made: list[clock.At] = []
    for n, demo in enumerate(ASSETS):
        if demo.title in existing:
            continue
        made.append(
            clock.At(
                timedelta(days=demo.days_ago, hours=n), _upload(session, demo, people, storage)
            )
        )
        for m, email in enumerate(demo.used_by):
            moment = max(0, demo.days_ago - 1 - m)
            made.append(
                clock.At(timedelta(days=moment, hours=m), _use(session, demo, people[email]))
            )
    return made


def _upload(
    session: AsyncSession, demo: DemoAsset, people: dict[str, User], storage: Storage
) -> Callable[[], Awaitable[object]]:
    async def upload() -> None:
        groups = {g.name: g.id for g in await session.scalars(select(Group))}
        await content.create_asset(
            session,
            actor=people["marketer@acme.example"],
            storage=storage,
            data=content.AssetInput(
                title=demo.title,
                description=demo.description,
                category=demo.category,
                tags=demo.tags,
                group_ids={groups[demo.group]} if demo.group else set(),
                is_published=demo.published,
                url=demo.url,
                translations={"de": demo.german} if demo.german else {},
            ),
            upload=None if demo.url else content.Upload(_chunks(demo.data), demo.filename),
            limits=LIMITS,
        )

    return upload


def _use(session: AsyncSession, demo: DemoAsset, advocate: User) -> Callable[[], Awaitable[object]]:
    async def use() -> None:
        asset = await session.scalar(select(Asset).where(Asset.title == demo.title))
        if asset is None:
            return
        if asset.kind is AssetKind.VIDEO:
            await play(session, advocate, asset, duration=samples.VIDEO_SECONDS)
        else:
            await content.record_download(session, advocate, asset)

    return use
