"""Content kept in an S3-compatible store (moto in server mode): uploads go to the bucket, and
downloads stream through the portal with HTTP Range, or redirect to a short-lived link of the
store when STORAGE_REDIRECT_DOWNLOADS says so. /readyz checks the bucket."""

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from portal.app import create_app
from portal.config import Settings
from portal.files.backends import storage_of
from tests.conftest import S3Server, joined_sessionmaker
from tests.factories import login_as, make_advocate, make_asset, make_marketer

DATA = bytes(range(256)) * 400  # not a PDF the sniffer would refuse: a plain document below


def in_bucket(settings: Settings, server: S3Server, bucket: str, **more: object) -> Settings:
    options = server.client_options()
    return settings.model_copy(
        update={
            "storage_url": f"s3://{bucket}/portal",
            "s3_endpoint_url": options["endpoint_url"],
            "s3_region": options["region_name"],
            "s3_access_key_id": options["aws_access_key_id"],
            "s3_secret_access_key": SecretStr(options["aws_secret_access_key"]),
            **more,
        }
    )


@pytest_asyncio.fixture
async def s3_client(
    request: pytest.FixtureRequest,
    settings: Settings,
    s3_server: S3Server,
    connection: AsyncConnection,
    session: AsyncSession,
) -> AsyncIterator[tuple[httpx.AsyncClient, Settings]]:
    redirect = getattr(request, "param", False)
    config = in_bucket(
        settings, s3_server, s3_server.new_bucket(), storage_redirect_downloads=redirect
    )
    app = create_app(config, sessionmaker=joined_sessionmaker(connection))

    async def flush(_: httpx.Request) -> None:
        await session.flush()

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://portal.test",
        event_hooks={"request": [flush]},
    ) as client:
        yield client, config


async def an_asset(session: AsyncSession, config: Settings) -> int:
    from portal.content import samples

    marketer = await make_marketer(session)
    asset = await make_asset(
        session, storage_of(config), actor=marketer, data=samples.pdf("Fact sheet") + DATA
    )
    return int(asset.id)


async def test_a_download_streams_from_the_bucket_whole_and_by_range(
    s3_client: tuple[httpx.AsyncClient, Settings], session: AsyncSession
) -> None:
    client, config = s3_client
    asset_id = await an_asset(session, config)
    await login_as(client, await make_advocate(session))
    whole = await client.get(f"/content/{asset_id}/download")
    assert whole.status_code == 200
    assert whole.content.endswith(DATA)
    assert whole.headers["x-content-type-options"] == "nosniff"
    part = await client.get(f"/content/{asset_id}/download", headers={"Range": "bytes=-1000"})
    assert part.status_code == 206
    assert part.content == DATA[-1000:]
    assert part.headers["content-range"].endswith(f"/{len(whole.content)}")


@pytest.mark.parametrize("s3_client", [True], indirect=True)
async def test_with_redirects_a_download_is_a_short_lived_link_of_the_store(
    s3_client: tuple[httpx.AsyncClient, Settings], session: AsyncSession
) -> None:
    client, config = s3_client
    asset_id = await an_asset(session, config)
    await login_as(client, await make_advocate(session))
    response = await client.get(f"/content/{asset_id}/download")
    assert response.status_code == 307
    link = response.headers["location"]
    assert link.startswith(config.s3_endpoint_url or "")
    assert "Expires=" in link or "X-Amz-Expires=300" in link
    async with httpx.AsyncClient(timeout=10) as outside:  # the browser, following the link
        fetched = await outside.get(link)
    assert fetched.status_code == 200
    assert fetched.content.endswith(DATA)
    assert fetched.headers["content-disposition"].startswith("attachment;")
    assert fetched.headers["content-type"] == "application/pdf"


async def test_signed_out_a_download_redirects_to_sign_in_not_to_the_store(
    s3_client: tuple[httpx.AsyncClient, Settings], session: AsyncSession
) -> None:
    client, config = s3_client
    asset_id = await an_asset(session, config)
    response = await client.get(f"/content/{asset_id}/download")
    assert response.status_code == 303
    assert "/login" in response.headers["location"]


async def test_readyz_checks_the_bucket(
    s3_client: tuple[httpx.AsyncClient, Settings],
    settings: Settings,
    s3_server: S3Server,
    connection: AsyncConnection,
) -> None:
    client, _ = s3_client
    assert (await client.get("/readyz")).json()["checks"]["storage"] == "ok"
    missing = in_bucket(settings, s3_server, "no-such-bucket")
    app = create_app(missing, sessionmaker=joined_sessionmaker(connection))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://portal.test"
    ) as other:
        body = (await other.get("/readyz")).json()
    assert body["failed"] == ["storage"]


@pytest.mark.parametrize("s3_client", [True], indirect=True)
async def test_with_redirects_a_file_gone_from_the_store_is_our_404_not_the_stores(
    s3_client: tuple[httpx.AsyncClient, Settings], session: AsyncSession
) -> None:
    from portal.content.models import Asset

    client, config = s3_client
    asset_id = await an_asset(session, config)
    asset = await session.get(Asset, asset_id)
    assert asset is not None
    assert asset.storage_name
    await storage_of(config).delete(asset.storage_name)
    await login_as(client, await make_advocate(session))
    response = await client.get(f"/content/{asset_id}/download")
    assert response.status_code == 404
    assert "The file for this item is missing" in response.text
