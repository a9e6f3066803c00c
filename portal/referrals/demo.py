"""Demo referrals in every stage, for several advocates, moved by the demo sales rep through the
real services (so points, events, notifications and emails are all real). A prospect already
present is skipped, so seeding again adds nothing. Two older ones come from the CRM, imported
as history; one is a web shop's sale reported by referral code alone, and one a prospect phoned
in with an advocate's personal code."""

from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.people.models import User
from portal.referrals import service
from portal.referrals.models import CloseReason, Referral, Source, Stage
from portal.referrals.service import importing

# (referrer, prospect name, email, company, job title, note, [(days ago, stage)], close reason)
REFERRALS: list[
    tuple[str, str, str, str, str, str, list[tuple[int, Stage]], CloseReason | None]
] = [
    (
        "priya.raman@northwind.example",
        "Marcus Webb",
        "marcus.webb@bluewater-shipping.example",
        "Bluewater Shipping",
        "COO",
        "Runs a fleet of 40 trucks and still plans routes in spreadsheets.",
        [
            (48, Stage.SUBMITTED),
            (45, Stage.CONTACTED),
            (38, Stage.QUALIFIED),
            (27, Stage.OPPORTUNITY),
            (12, Stage.WON),
        ],
        None,
    ),
    (
        "jonas.berg@fjordtech.example",
        "Ingrid Solberg",
        "ingrid.solberg@nordlys.example",
        "Nordlys Energi",
        "Head of IT",
        "We talked at the Oslo meetup; they are replacing their ticketing tool this year.",
        [
            (30, Stage.SUBMITTED),
            (26, Stage.CONTACTED),
            (18, Stage.QUALIFIED),
            (6, Stage.OPPORTUNITY),
        ],
        None,
    ),
    (
        "lucia.moreno@solaria.example",
        "Carlos Vega",
        "carlos.vega@helios-grid.example",
        "Helios Grid",
        "IT Manager",
        "",
        [(20, Stage.SUBMITTED), (15, Stage.CONTACTED), (4, Stage.QUALIFIED)],
        None,
    ),
    (
        "daniel.kim@brightpath.example",
        "Rachel Green",
        "rachel.green@clearview-clinics.example",
        "Clearview Clinics",
        "CTO",
        "Their platform team asked me how we automate onboarding.",
        [(9, Stage.SUBMITTED), (5, Stage.CONTACTED)],
        None,
    ),
    (
        "amara.nwosu@kelvin.example",
        "Tunde Bakare",
        "tunde.bakare@lagoon-capital.example",
        "Lagoon Capital",
        "CFO",
        "",
        [(2, Stage.SUBMITTED)],
        None,
    ),
    (
        "tom.fischer@alpenbank.example",
        "Julia Hartmann",
        "julia.hartmann@rheinversicherung.example",
        "Rhein Versicherung",
        "CISO",
        "Security-minded; send the white paper first.",
        [(1, Stage.SUBMITTED)],
        None,
    ),
    (
        "grace.liu@harborview.example",
        "Kevin Park",
        "kevin.park@harborview.example",
        "Harborview Retail",
        "Store Operations Lead",
        "My colleague in another division.",
        [(3, Stage.SUBMITTED)],
        None,
    ),
    (
        "omar.haddad@dunecloud.example",
        "Layla Mansour",
        "layla.mansour@gmail.com",
        "",
        "Freelance consultant",
        "",
        [(7, Stage.SUBMITTED)],
        None,
    ),
    (
        "sofia.rossi@vitaverde.example",
        "Luca Moretti",
        "luca.moretti@mailinator.com",
        "",
        "",
        "Asked about pricing at a trade fair.",
        [(2, Stage.SUBMITTED)],
        None,
    ),
    (
        "priya.raman@northwind.example",
        "Hugo Laurent",
        "hugo.laurent@transalpes.example",
        "TransAlpes Fret",
        "Logistics Director",
        "",
        [(35, Stage.SUBMITTED), (31, Stage.CONTACTED), (22, Stage.QUALIFIED), (10, Stage.LOST)],
        CloseReason.NOT_A_FIT,
    ),
    (
        "sofia.rossi@vitaverde.example",
        "Paolo Bianchi",
        "paolo.bianchi@ortofresco.example",
        "Ortofresco",
        "Buyer",
        "",
        [(16, Stage.SUBMITTED), (14, Stage.REJECTED)],
        CloseReason.INVALID,
    ),
    # Sofia's other leads were made up: three more rejected as invalid (her trust score says so).
    (
        "sofia.rossi@vitaverde.example",
        "Marco Verdi",
        "marco.verdi@verdimercati.example",
        "Verdi Mercati",
        "Owner",
        "",
        [(12, Stage.SUBMITTED), (11, Stage.REJECTED)],
        CloseReason.INVALID,
    ),
    (
        "sofia.rossi@vitaverde.example",
        "Carla Ferri",
        "carla.ferri@ferrivini.example",
        "Ferri Vini",
        "Sommelier",
        "",
        [(10, Stage.SUBMITTED), (9, Stage.REJECTED)],
        CloseReason.INVALID,
    ),
    (
        "sofia.rossi@vitaverde.example",
        "Giulia Neri",
        "giulia.neri@nerifoods.example",
        "Neri Foods",
        "Buyer",
        "",
        [(9, Stage.SUBMITTED), (8, Stage.REJECTED)],
        CloseReason.INVALID,
    ),
    (
        "jonas.berg@fjordtech.example",
        "Erik Dahl",
        "erik.dahl@polarsoft.example",
        "PolarSoft",
        "VP Engineering",
        "",
        [
            (55, Stage.SUBMITTED),
            (52, Stage.CONTACTED),
            (44, Stage.QUALIFIED),
            (33, Stage.OPPORTUNITY),
            (25, Stage.WON),
        ],
        None,
    ),
]


async def steps(session: AsyncSession, people: dict[str, User]) -> list[clock.At]:
    """Each referral submitted on its first day, assigned to the rep, and moved stage by stage
    on the days of its path (points and notifications as they happened)."""
    rep = await service.access_rep(session, people["sales@acme.example"].id)
    existing = set(await session.scalars(select(Referral.prospect_email)))
    made: list[clock.At] = []
    for n, (email, name, prospect_email, company, title, note, path, reason) in enumerate(
        REFERRALS
    ):
        if prospect_email in existing:
            continue
        first_day = path[0][0]
        prospect = service.Prospect(
            name=name, email=prospect_email, company=company, job_title=title
        )
        made.append(
            clock.At(
                timedelta(days=first_day, hours=n + 1),
                _submit(session, people[email], prospect, note),
            )
        )
        if len(path) > 1 or n % 3 == 0:
            made.append(
                clock.At(timedelta(days=first_day, hours=n), _assign(session, prospect, rep))
            )
        for days_ago, stage in path[1:]:
            move = _move(session, prospect, rep, stage, reason if stage.is_closed else None)
            made.append(clock.At(timedelta(days=days_ago, hours=n), move))
        # The rep enters a deal value when a referral becomes an opportunity (reports value a
        # won referral at its deal).
        for days_ago, stage in path:
            if stage == Stage.OPPORTUNITY:
                value = 48_000 if path[-1][1] == Stage.OPPORTUNITY else 18_000 + 4_000 * n
                deal = _deal_value(session, prospect, rep, value)
                made.append(clock.At(timedelta(days=days_ago, minutes=n * 60 - 30), deal))
    ingrid = "ingrid.solberg@nordlys.example"
    if ingrid not in existing:
        made.append(clock.At(timedelta(days=5), _note(session, ingrid, rep)))
    if "rosa.martin@cobalt-labs.example" not in existing:
        made.append(clock.At(timedelta(days=58), _import_history(session, rep)))
    if await session.scalar(select(Referral.id).where(Referral.order_id == SHOP_ORDER)) is None:
        buyer = people["jonas.berg@fjordtech.example"]
        made.append(clock.At(timedelta(days=3), _shop_sale(session, buyer)))
    if PHONED_IN.email not in existing:
        priya = people["priya.raman@northwind.example"]
        made.append(clock.At(timedelta(days=2, hours=3), _phoned_in(session, priya)))
        made.append(clock.At(timedelta(days=2, hours=2), _assign(session, PHONED_IN, rep)))
    return made


# A prospect phoned the sales team with the personal code Priya gave her at a trade fair; the rep
# entered it (in lower case, as people type) on the new-referral form.
PHONED_IN = service.Prospect(
    name="Elena Duarte",
    email="elena.duarte@altamar.example",
    company="Altamar Logística",
    job_title="Operations Director",
)


def _phoned_in(session: AsyncSession, advocate: User) -> Callable[[], Awaitable[object]]:
    async def phoned_in() -> None:
        typed = (advocate.personal_code or "").lower()
        referrer = await service.access_advocate_for_personal_code(session, typed)
        await service.submit_referral(
            session,
            referrer=referrer,
            prospect=PHONED_IN,
            note="Met Priya at the logistics fair in Madrid, who gave her this code.",
            source=Source.CODE,
        )

    return phoned_in


# The web shop reported a sale by an advocate's referral code alone (a code typed at checkout:
# the shop passes no email), through the conversion postback.
SHOP_ORDER = "SHOP-1042"


def _shop_sale(session: AsyncSession, advocate: User) -> Callable[[], Awaitable[object]]:
    return lambda: service.record_conversion(
        session,
        order_id=SHOP_ORDER,
        prospect=service.Prospect(name="", email=""),
        referral_code=advocate.referral_code,
        deal_value=1_200,
    )


# Referrals the CRM held before the portal: the rep imported them as history (no points).
CRM_EXPORT = "\n".join(
    [
        "Record ID,Contact,Email,Account Name,Deal Stage,Amount,Referred by",
        'CRM-0042,Rosa Martin,rosa.martin@cobalt-labs.example,Cobalt Labs,won,"36,000",'
        "priya.raman@northwind.example",
        "CRM-0057,Kenji Mori,kenji.mori@tsuru.example,Tsuru Logistics,opportunity,,"
        "hana.sato@kumo.example",
    ]
)


def _import_history(session: AsyncSession, rep: User) -> Callable[[], Awaitable[object]]:
    async def import_history() -> None:
        table = importing.read_table(CRM_EXPORT)
        rows = await importing.check_rows(session, table, importing.guess_mapping(table.header))
        await importing.import_rows(session, rows, actor=rep, history=True, only_valid=False)

    return import_history


async def _referral(session: AsyncSession, prospect_email: str) -> Referral:
    referral_id = await session.scalar(
        select(Referral.id).where(Referral.prospect_email == prospect_email)
    )
    assert referral_id is not None  # noqa: S101 (submitted by an earlier step)
    return await service.access_referral(session, referral_id)


def _submit(
    session: AsyncSession, referrer: User, prospect: service.Prospect, note: str
) -> Callable[[], Awaitable[object]]:
    return lambda: service.submit_referral(session, referrer=referrer, prospect=prospect, note=note)


def _assign(
    session: AsyncSession, prospect: service.Prospect, rep: User
) -> Callable[[], Awaitable[object]]:
    async def assign() -> None:
        loaded = await _referral(session, prospect.email)
        await service.assign_referral(session, loaded, owner=rep, actor=rep)

    return assign


def _move(
    session: AsyncSession,
    prospect: service.Prospect,
    rep: User,
    stage: Stage,
    reason: CloseReason | None,
) -> Callable[[], Awaitable[object]]:
    async def move() -> None:
        loaded = await _referral(session, prospect.email)
        await service.move_referral(session, loaded, to=stage, actor=rep, reason=reason)

    return move


def _deal_value(
    session: AsyncSession, prospect: service.Prospect, rep: User, value: int
) -> Callable[[], Awaitable[object]]:
    async def deal_value() -> None:
        loaded = await _referral(session, prospect.email)
        await service.set_deal_value(session, loaded, value=value, actor=rep)

    return deal_value


def _note(session: AsyncSession, prospect_email: str, rep: User) -> Callable[[], Awaitable[object]]:
    async def note() -> None:
        ingrid = await _referral(session, prospect_email)
        await service.add_note(
            session,
            ingrid,
            author=rep,
            body="Budget confirmed for Q1; decision meeting on the 12th.",
        )

    return note


# A CRM's own stage names, as a Salesforce-like pipeline spells them (scripts/crm_sync.py uses
# them against the demo).
CRM_STAGE_NAMES = [
    ("Prospecting", Stage.CONTACTED),
    ("Discovery", Stage.QUALIFIED),
    ("Proposal/Price Quote", Stage.OPPORTUNITY),
    ("Closed Won", Stage.WON),
]


async def map_crm_stage_names(session: AsyncSession, admin: User) -> None:
    known = {mapping.name for mapping in await service.list_stage_names(session)}
    for name, stage in CRM_STAGE_NAMES:
        if name not in known:
            await service.add_stage_name(session, actor=admin, name=name, stage=stage)
