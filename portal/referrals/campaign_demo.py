"""A demo campaign: the marketer starts "Spring launch" with a bonus at submitted and at won;
Priya's campaign link, shared in her company newsletter, brings a prospect who is won (paying
her the bonus; the prospect had opened a content item Jonas shared on LinkedIn first, and the
last click went to Priya), and Lucía's link posted on LinkedIn brings one tagged by UTM alone.
Seeding again adds nothing."""

from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.people.attribution import Touch
from portal.people.models import User
from portal.referrals import service
from portal.referrals.models import Campaign, CreditRule, Referral, Source, Stage
from portal.referrals.service.campaigns import program_today
from portal.tokens import keyed_hash

SPRING = "Spring launch"
SPRING_SLUG = "spring-launch"
NEWSLETTER_PROSPECT = service.Prospect(
    name="Tomás Ruiz", email="tomas.ruiz@cargolinea.example", company="Cargo Línea", job_title="CTO"
)
LINKEDIN_PROSPECT = service.Prospect(
    name="Elena Cruz", email="elena.cruz@miraflores.example", company="Miraflores Retail"
)
# (days ago, stage) the newsletter referral moves through after it is submitted (21 days ago).
NEWSLETTER_PATH = [(18, Stage.CONTACTED), (13, Stage.QUALIFIED), (8, Stage.OPPORTUNITY)]
NEWSLETTER_WON = 2


async def steps(session: AsyncSession, people: dict[str, User]) -> list[clock.At]:
    if await session.scalar(select(Campaign.id).where(Campaign.name == SPRING)) is not None:
        return []
    marketer = people["marketer@acme.example"]
    priya = people["priya.raman@northwind.example"]
    lucia = people["lucia.moreno@solaria.example"]
    rep = await service.access_rep(session, people["sales@acme.example"].id)
    # Off the hour, so no step shares a moment with another demo's.
    odd = timedelta(minutes=17)
    made = [
        clock.At(timedelta(days=30) + odd, _start_campaign(session, marketer)),
        *(
            clock.At(timedelta(days=days, hours=2) + odd, _visit(session, priya, visitor))
            for days, visitor in ((24, "a"), (22, "b"), (21, "c"), (9, "d"))
        ),
        clock.At(
            timedelta(days=21) + odd,
            _newsletter_referral(session, priya, people["jonas.berg@fjordtech.example"]),
        ),
        *(
            clock.At(timedelta(days=days) + odd, _move(session, rep, stage))
            for days, stage in NEWSLETTER_PATH
        ),
        clock.At(timedelta(days=NEWSLETTER_WON) + odd, _move(session, rep, Stage.WON)),
        clock.At(timedelta(days=6) + odd, _linkedin_referral(session, lucia)),
    ]
    return made


def _start_campaign(session: AsyncSession, marketer: User) -> Callable[[], Awaitable[object]]:
    return lambda: service.create_campaign(
        session,
        actor=marketer,
        plan=service.CampaignPlan(
            name=SPRING,
            starts_on=program_today(),
            ends_on=program_today() + timedelta(days=60),
            bonus_points={"submitted": 25, "won": 500},
            questions="How many seats do you need?",
        ),
    )


async def _spring(session: AsyncSession) -> Campaign:
    campaign = await service.running_campaign(session, SPRING_SLUG)
    assert campaign is not None  # noqa: S101 (started by an earlier step)
    return campaign


def _visit(session: AsyncSession, advocate: User, visitor: str) -> Callable[[], Awaitable[object]]:
    async def visit() -> None:
        await service.record_click(
            session,
            advocate=advocate,
            client_key=keyed_hash("demo", f"newsletter-reader-{visitor}"),
            campaign_id=(await _spring(session)).id,
        )

    return visit


def _newsletter_referral(
    session: AsyncSession, priya: User, jonas: User
) -> Callable[[], Awaitable[object]]:
    async def submit() -> None:
        spring = await _spring(session)
        newsletter = Touch(
            code=priya.referral_code,
            at=clock.utcnow() - timedelta(minutes=10),
            campaign=spring.slug,
            utm_source="newsletter",
            utm_medium="email",
            utm_campaign="northwind-december",
            referrer_host="news.northwind.example",
        )
        shared = Touch(
            code=jonas.referral_code,
            at=clock.utcnow() - timedelta(days=4),
            utm_source="linkedin",
            referrer_host="www.linkedin.com",
        )
        await service.submit_referral(
            session,
            referrer=priya,
            prospect=NEWSLETTER_PROSPECT,
            source=Source.LINK,
            origin=service.Origin(
                campaign=spring,
                utm_source=newsletter.utm_source,
                utm_medium=newsletter.utm_medium,
                utm_campaign=newsletter.utm_campaign,
                referrer_host=newsletter.referrer_host,
                answers={"How many seats do you need?": "About 60, across two depots"},
                rule=CreditRule.LAST_CLICK,
                window_days=30,
                visits=(
                    service.Visit(advocate=jonas, touch=shared, campaign=None, credited=False),
                    service.Visit(advocate=priya, touch=newsletter, campaign=spring, credited=True),
                ),
            ),
        )

    return submit


def _move(session: AsyncSession, rep: User, stage: Stage) -> Callable[[], Awaitable[object]]:
    async def move() -> None:
        referral_id = await session.scalar(
            select(Referral.id).where(Referral.prospect_email == NEWSLETTER_PROSPECT.email)
        )
        assert referral_id is not None  # noqa: S101 (submitted by an earlier step)
        loaded = await service.access_referral(session, referral_id)
        await service.move_referral(session, loaded, to=stage, actor=rep)

    return move


def _linkedin_referral(session: AsyncSession, lucia: User) -> Callable[[], Awaitable[object]]:
    return lambda: service.submit_referral(
        session,
        referrer=lucia,
        prospect=LINKEDIN_PROSPECT,
        source=Source.LINK,
        origin=service.Origin(
            utm_source="linkedin",
            utm_medium="social",
            referrer_host="www.linkedin.com",
            rule=CreditRule.LINK,
            window_days=30,
        ),
    )
