"""/metrics: who may scrape it, what it counts (requests by route template, job runs and
failures, the outbox's and the webhooks' backlogs, points awarded), read back with
prometheus_client's own parser as Prometheus would."""

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from portal.app import create_app
from portal.config import Settings
from portal.jobs import PendingJob
from portal.outbox import service as outbox
from portal.webhooks.service import deliveries, endpoints
from tests.conftest import joined_sessionmaker
from tests.factories import give_points, make_admin, make_advocate

TOKEN = "scrape-token-for-tests"


def sample(text: str, name: str, **labels: str) -> float:
    """One sample's value in a scrape; 0 when the series has not been seen yet."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return float(found.value)
    return 0.0


@pytest.fixture
def scraped_app(settings: Settings, connection: object) -> Starlette:
    with_token = settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    return create_app(with_token, sessionmaker=joined_sessionmaker(connection))  # type: ignore[arg-type]


@pytest.fixture
async def scraper(scraped_app: Starlette, session: AsyncSession) -> httpx.AsyncClient:
    async def flush(request: httpx.Request) -> None:
        await session.flush()

    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=scraped_app),
        base_url="http://portal.test",
        event_hooks={"request": [flush]},
    )


async def scrape(client: httpx.AsyncClient) -> str:
    response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return response.text


async def test_metrics_are_off_until_a_token_or_a_network_is_set(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 404
    assert "METRICS_TOKEN" in response.json()["error"]


async def test_a_scraper_without_the_right_token_is_refused(scraper: httpx.AsyncClient) -> None:
    assert (await scraper.get("/metrics")).status_code == 401
    wrong = await scraper.get("/metrics", headers={"Authorization": "Bearer not-it"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == 'Bearer realm="metrics"'
    assert "portal_http_requests_total" not in wrong.text


@pytest.mark.parametrize(("networks", "status"), [("10.0.0.0/8", 401), ("127.0.0.0/8", 200)])
async def test_an_allowed_network_scrapes_without_a_token(
    settings: Settings, connection: object, networks: str, status: int
) -> None:
    open_to = settings.model_copy(update={"metrics_allow_networks": networks})
    app = create_app(open_to, sessionmaker=joined_sessionmaker(connection))  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as client:
        assert (await client.get("/metrics")).status_code == status


def test_a_network_setting_that_is_not_a_network_is_refused_at_startup(settings: Settings) -> None:
    with pytest.raises(ValueError, match="METRICS_ALLOW_NETWORKS: 'intranet'"):
        Settings(**{**settings.model_dump(), "metrics_allow_networks": "10.0.0.0/8, intranet"})


async def test_requests_are_counted_by_route_template_never_by_path(
    scraper: httpx.AsyncClient, session: AsyncSession
) -> None:
    before = await scrape(scraper)
    await scraper.get("/login")
    await scraper.get("/login")
    await scraper.get("/content/987654")  # signed out: redirected to the login page
    await scraper.get("/no/such/page/42")
    after = await scrape(scraper)

    def grew(**labels: str) -> float:
        name = "portal_http_requests_total"
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew(route="/login", method="GET", status="200") == 2
    assert grew(route="/content/{asset_id:int}", method="GET", status="303") == 1
    assert grew(route="unmatched", method="GET", status="404") == 1
    assert "987654" not in after
    assert "/no/such/page" not in after
    assert (
        sample(after, "portal_http_request_duration_seconds_count", route="/login", method="GET")
        - sample(before, "portal_http_request_duration_seconds_count", route="/login", method="GET")
        == 2
    )


async def test_job_runs_and_failures_are_counted_by_job(
    scraper: httpx.AsyncClient, scraped_app: Starlette
) -> None:
    before = await scrape(scraper)
    queue = scraped_app.state.job_context["job_queue"]
    await queue.send([PendingJob("send_email", {"email_id": 1})])  # no SMTP: done at once
    await queue.send([PendingJob("send_email", {})])  # no email_id: the run raises
    after = await scrape(scraper)

    def grew(name: str) -> float:
        return sample(after, name, job="send_email") - sample(before, name, job="send_email")

    assert grew("portal_job_runs_total") == 2
    assert grew("portal_job_failures_total") == 1
    assert grew("portal_job_duration_seconds_count") == 2


async def test_backlogs_and_points_come_from_the_database(
    scraper: httpx.AsyncClient, session: AsyncSession
) -> None:
    before = await scrape(scraper)
    admin = await make_admin(session)
    advocate = await make_advocate(session)
    await give_points(session, advocate, 70)
    for number in range(3):
        await outbox.queue_email(
            session,
            to=f"person{number}@example.com",
            kind="signup_approved",
            subject="Welcome",
            context={"name": "Ada", "link": "http://portal.test/login"},
        )
    endpoint = await endpoints.create_endpoint(
        session,
        actor=admin,
        fields=endpoints.EndpointFields(
            url="http://127.0.0.1:9/hooks", description="CRM", event_types=[], enabled=True
        ),
        allow_loopback=True,
    )
    await deliveries.record_test_event(session, endpoint)
    after = await scrape(scraper)

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("portal_outbox_emails", status="pending") == 3
    assert sample(after, "portal_outbox_emails", status="failed") == 0
    assert sample(after, "portal_outbox_oldest_pending_seconds") >= 0
    assert grew("portal_webhook_deliveries", status="pending") == 1
    assert grew("portal_points_awarded_total") == 70


async def test_points_awarded_reads_only_the_ledger_rows_after_the_settled_ones(
    scraper: httpx.AsyncClient, scraped_app: Starlette, session: AsyncSession
) -> None:
    from datetime import timedelta

    from sqlalchemy import func, select

    from portal import clock
    from portal.points.models import LedgerEntry

    async def ledger_awards() -> float:
        total = await session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.delta), 0)).where(
                LedgerEntry.kind == "award", LedgerEntry.state == "posted"
            )
        )
        return float(total or 0)

    advocate = await make_advocate(session)
    await give_points(session, advocate, 40)
    with clock.shifted(timedelta(minutes=11)):  # those rows are settled now
        settled = sample(await scrape(scraper), "portal_points_awarded_total")
        folded = scraped_app.state.points_awarded
        assert folded.upto_id > 0
        assert settled == await ledger_awards()
        await give_points(session, advocate, 25)  # a recent row, after the settled ones
        assert sample(await scrape(scraper), "portal_points_awarded_total") == settled + 25
        assert sample(await scrape(scraper), "portal_points_awarded_total") == settled + 25
    assert await ledger_awards() == settled + 25
