"""The referral funnel against known answers: five referrals moved through the real services
on known days (whole days apart, so the medians are exact), on both engines, and as people use
the page: its tables, the filter and the CSV downloads."""

import csv
import io
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest_asyncio
from bs4 import BeautifulSoup
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.people.models import Group, GroupMember, User
from portal.referrals import service as referrals
from portal.referrals.models import CloseReason, Source, Stage
from portal.referrals.service.campaigns import program_today
from portal.reports.funnel import NO_CAMPAIGN, NO_EMAIL, NOBODY, funnel
from portal.reports.periods import Span, period_of
from tests.factories import login_as, make_advocate, make_marketer, make_sales
from tests.reports.conftest import days_ago


@dataclass
class Pipeline:
    marketer: User
    group: Group


async def _refer(
    session: AsyncSession,
    referrer: User,
    email: str,
    source: Source = Source.FORM,
    origin: referrals.Origin | None = None,
) -> int:
    referral = await referrals.submit_referral(
        session,
        referrer=referrer,
        prospect=referrals.Prospect(name="Pat Prospect", email=email, company=""),
        source=source,
        origin=origin or referrals.Origin(),
    )
    return referral.id


async def _move(session: AsyncSession, referral_id: int, to: Stage, actor: User, **kw) -> None:
    referral = await referrals.access_referral(session, referral_id)
    await referrals.move_referral(session, referral, to=to, actor=actor, **kw)


@pytest_asyncio.fixture
async def pipeline(session: AsyncSession) -> Pipeline:
    marketer = await make_marketer(session)
    sam = await make_sales(session, name="Sam Sales")
    sue = await make_sales(session, name="Sue Sales")
    ann = await make_advocate(session, name="Ann Referrer")
    bob = await make_advocate(session, name="Bob Builder")
    spring = referrals.Origin(
        campaign=await referrals.create_campaign(
            session,
            actor=marketer,
            plan=referrals.CampaignPlan(
                name="Spring launch",
                starts_on=program_today() - timedelta(days=30),
                ends_on=None,
                bonus_points={},
                questions="",
            ),
        )
    )
    with days_ago(20):  # before the period: not in the funnel
        await _refer(session, ann, "old@globex.example")
    with days_ago(6):
        one = await _refer(session, ann, "one@globex.example", origin=spring)
        two = await _refer(session, ann, "two@globex.example", Source.LINK)
    for referral_id, owner in ((one, sam), (two, sam)):
        referral = await referrals.access_referral(session, referral_id)
        await referrals.assign_referral(session, referral, owner=owner, actor=owner)
    with days_ago(5):
        three = await _refer(session, bob, "three@initech.example")
        await _move(session, one, Stage.CONTACTED, sam)
    with days_ago(4):
        await _move(session, two, Stage.CONTACTED, sam)
        await _move(session, three, Stage.REJECTED, sam, reason=CloseReason.DUPLICATE)
    with days_ago(3):
        await _move(session, one, Stage.QUALIFIED, sam)
    with days_ago(2):
        await _move(session, two, Stage.LOST, sam, reason=CloseReason.NOT_A_FIT)
        four = await _refer(session, bob, "four@initech.example", Source.API, spring)
    referral = await referrals.access_referral(session, four)
    await referrals.assign_referral(session, referral, owner=sue, actor=sue)
    with days_ago(1):
        referral = await referrals.access_referral(session, one)
        await referrals.set_deal_value(session, referral, value=5_000, actor=sam)
        await _move(session, one, Stage.WON, sam)
        await _move(session, four, Stage.QUALIFIED, sue)
    group = Group(name="Bob's team")
    session.add(group)
    await session.flush()
    session.add(GroupMember(group_id=group.id, user_id=bob.id))
    await session.flush()
    return Pipeline(marketer, group)


def _rows(breakdown: list) -> list[tuple]:
    return [(b.label, b.submitted, b.qualified, b.won, b.won_value) for b in breakdown]


async def test_every_stage_conversion_median_and_breakdown(
    session: AsyncSession, pipeline: Pipeline
) -> None:
    report = await funnel(session, period=period_of(Span.DAYS_7, utcnow().date()), group_id=None)
    assert [(r.stage, r.reached, r.conversion, r.median_days) for r in report.stages] == [
        (Stage.SUBMITTED, 4, None, 1.0),  # stays of 1, 2, 1 and 1 days
        (Stage.CONTACTED, 3, 0.75, 2.0),  # four was moved straight to qualified: it counts
        (Stage.QUALIFIED, 2, 2 / 3, 2.0),  # one stayed 2 days; four is still there
        (Stage.OPPORTUNITY, 1, 0.5, None),  # one skipped it on its way to won
        (Stage.WON, 1, 1.0, None),
    ]
    assert report.total == 4
    assert report.won_value == 5_000
    assert _rows(report.breakdowns["referrer"]) == [
        ("Ann Referrer", 2, 1, 1, 5_000),
        ("Bob Builder", 2, 1, 0, 0),
    ]
    assert _rows(report.breakdowns["source"]) == [
        ("form", 2, 1, 1, 5_000),
        ("api", 1, 1, 0, 0),
        ("link", 1, 0, 0, 0),
    ]
    assert _rows(report.breakdowns["campaign"]) == [
        ("Spring launch", 2, 2, 1, 5_000),
        (NO_CAMPAIGN, 2, 0, 0, 0),
    ]
    assert _rows(report.breakdowns["owner"]) == [
        ("Sam Sales", 2, 1, 1, 5_000),
        (NOBODY, 1, 0, 0, 0),
        ("Sue Sales", 1, 1, 0, 0),
    ]
    assert _rows(report.breakdowns["domain"]) == [
        ("globex.example", 2, 1, 1, 5_000),
        ("initech.example", 2, 1, 0, 0),
    ]
    assert report.breakdowns["referrer"][0].win_rate == 0.5
    assert [(c.stage, c.reason, c.count) for c in report.closed] == [
        (Stage.LOST, "Not a fit", 1),
        (Stage.REJECTED, "Duplicate", 1),
    ]


async def test_a_page_keeps_the_first_rows_of_each_breakdown_and_counts_them_all(
    session: AsyncSession, pipeline: Pipeline
) -> None:
    period = period_of(Span.DAYS_7, utcnow().date())
    every = await funnel(session, period=period, group_id=None)
    first_two = await funnel(session, period=period, group_id=None, rows=2)
    for key, rows in every.breakdowns.items():
        assert first_two.breakdowns[key] == rows[:2]
        assert first_two.sizes[key] == every.sizes[key] == len(rows)
    assert _rows(first_two.breakdowns["owner"]) == [  # ties broken by name
        ("Sam Sales", 2, 1, 1, 5_000),
        (NOBODY, 1, 0, 0, 0),
    ]
    assert first_two.sizes == {"referrer": 2, "source": 3, "campaign": 2, "owner": 3, "domain": 2}


async def test_one_group_follows_only_its_members_referrals(
    session: AsyncSession, pipeline: Pipeline
) -> None:
    report = await funnel(
        session, period=period_of(Span.DAYS_7, utcnow().date()), group_id=pipeline.group.id
    )
    assert [r.reached for r in report.stages] == [2, 1, 1, 0, 0]
    assert report.won_value == 0
    assert [(c.stage, c.reason) for c in report.closed] == [(Stage.REJECTED, "Duplicate")]


async def test_the_page_its_filter_and_its_csv(
    client: httpx.AsyncClient, session: AsyncSession, pipeline: Pipeline, htmx: dict[str, str]
) -> None:
    await login_as(client, pipeline.marketer)
    overview = await client.get("/manage/reports/?span=30d")
    link = BeautifulSoup(overview.text, "html.parser").find("a", string="Referral funnel")
    assert link["href"].endswith("/manage/reports/funnel?span=30d")
    response = await client.get("/manage/reports/funnel?span=7d", headers=htmx)
    assert response.status_code == 200
    assert ("<html" in response.text) is (not htmx)
    page = BeautifulSoup(response.text, "html.parser")
    cells = [c.get_text() for c in page.select("#stages-table tbody tr")[2].select("th, td")]
    assert cells == ["Qualified", "2", "66.7%", "2.0"]
    assert page.select_one("#funnel-won-value .stat-value").get_text() == "5,000"
    grouped = await client.get(f"/manage/reports/funnel?span=7d&group={pipeline.group.id}")
    rows = BeautifulSoup(grouped.text, "html.parser").select("#referrer-table tbody tr")
    assert [r.th.get_text() for r in rows] == ["Bob Builder"]
    bad = await client.get("/manage/reports/funnel?span=never")
    assert bad.status_code == 422
    download = await client.get("/manage/reports/funnel/stages.csv?span=7d")
    assert download.status_code == 200
    table = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))
    assert table[0] == ["stage", "reached", "conversion_percent", "median_days_in_stage"]
    assert table[1:3] == [["submitted", "4", "", "1.0"], ["contacted", "3", "75.0", "2.0"]]
    owners = await client.get("/manage/reports/funnel/owner.csv?span=7d")
    assert list(csv.reader(io.StringIO(owners.text.lstrip("\ufeff"))))[1] == [
        "Sam Sales",
        "2",
        "1",
        "1",
        "50.0",
        "5000",
    ]
    closed = await client.get("/manage/reports/funnel/closed.csv?span=7d")
    assert "lost,Not a fit,1" in closed.text
    assert (await client.get("/manage/reports/funnel/nothing.csv")).status_code == 404


async def test_sales_reported_by_referral_code_alone_are_their_own_domain_row(
    session: AsyncSession,
) -> None:
    """Two shop sales without an email: both counted (no address dedupe), won, one row."""
    ada = await make_advocate(session)
    for order in ("shop-1", "shop-2"):
        await referrals.record_conversion(
            session,
            order_id=order,
            prospect=referrals.Prospect(name="", email=""),
            referral_code=ada.referral_code,
            deal_value=100,
        )
    report = await funnel(session, period=period_of(Span.DAYS_7, utcnow().date()), group_id=None)
    assert _rows(report.breakdowns["domain"]) == [(NO_EMAIL, 2, 2, 2, 200)]
