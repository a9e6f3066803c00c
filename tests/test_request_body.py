"""Request bodies are read whole, within the route's limit, before the request's transaction
begins: a slow or huge body holds no database lock and no pooled connection (issue 13, findings
2 and 3)."""

import asyncio
from collections.abc import AsyncIterator

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from portal.app import create_app
from portal.config import Settings
from portal.db import create_engine, create_sessionmaker
from portal.people.models import User
from tests.factories import csrf_token, login_as, make_advocate

SLOW_CLIENTS = 16  # one more than the default pool (5 + 10 overflow)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def _signed_in(app: object, user: User) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://portal.test",
    )
    await login_as(client, user)
    return client, await csrf_token(client, "/profile")


async def test_slow_bodies_hold_no_lock_and_no_connection(
    committed_engine: AsyncEngine, settings: Settings
) -> None:
    # The default pool, not the race fixture's large one: 16 trickling clients used to take
    # every PostgreSQL connection, and one took SQLite's write lock.
    engine = create_engine(committed_engine.url.render_as_string(hide_password=False))
    app = create_app(settings, sessionmaker=create_sessionmaker(engine))
    async with create_sessionmaker(committed_engine)() as session:
        slow_people = [await make_advocate(session) for _ in range(SLOW_CLIENTS)]
        writer = await make_advocate(session, name="Quick Quinn")
        await session.commit()
    clients = [await _signed_in(app, person) for person in [*slow_people, writer]]
    waiting = 0
    all_waiting = asyncio.Event()
    release = asyncio.Event()

    async def trickle() -> AsyncIterator[bytes]:
        nonlocal waiting
        yield b"display_name=Slow+Sam&company="
        waiting += 1
        if waiting == SLOW_CLIENTS:
            all_waiting.set()
        await release.wait()
        yield b"Late+Ltd"

    slow = [
        asyncio.create_task(
            client.post("/profile", content=trickle(), headers={**FORM, "X-CSRF-Token": token})
        )
        for client, token in clients[:SLOW_CLIENTS]
    ]
    try:
        await asyncio.wait_for(all_waiting.wait(), timeout=60)
        quick_client, quick_token = clients[-1]
        quick = await quick_client.post(
            "/profile",
            data={"csrf_token": quick_token, "display_name": "Quick Quinn", "company": "Fast"},
        )
        home = await quick_client.get("/")
        assert quick.status_code == 303, quick.text
        assert home.status_code == 200
        assert not any(task.done() for task in slow)  # they were all still trickling
    finally:
        release.set()
        answers = await asyncio.gather(*slow)
        for client, _ in clients:
            await client.aclose()
        await engine.dispose()
    assert [answer.status_code for answer in answers] == [303] * SLOW_CLIENTS
    async with create_sessionmaker(committed_engine)() as session:
        companies = await session.scalars(
            select(User.company).where(User.id.in_([p.id for p in slow_people]))
        )
        assert set(companies) == {"Late Ltd"}


async def test_a_form_over_the_small_form_limit_is_refused_and_nothing_changes(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    ada = await make_advocate(session, name="Ada Byron")
    await login_as(client, ada)
    token = await csrf_token(client, "/profile")
    refused = await client.post(
        "/profile",
        data={"csrf_token": token, "display_name": "Ada", "company": "x" * 70_000},
        headers=htmx,
    )
    assert refused.status_code == 413
    assert "larger than a form can be (64 KB). Nothing was saved." in refused.text
    await session.refresh(ada)
    assert (ada.display_name, ada.company) == ("Ada Byron", "")


async def test_many_fields_sent_with_the_header_token_are_refused_while_they_stream(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_advocate(session))
    token = await csrf_token(client, "/profile")
    sent = 0

    async def many_fields() -> AsyncIterator[bytes]:
        nonlocal sent
        for number in range(600):  # 600 fields of 1 KB: far past the limit, no length given
            sent += 1
            yield f"f{number}={'x' * 1024}&".encode()

    refused = await client.post(
        "/profile", content=many_fields(), headers={**FORM, "X-CSRF-Token": token}
    )
    assert refused.status_code == 413
    assert sent < 600  # refused as it passed the limit, not after reading it all


async def test_an_oversized_avatar_is_refused_from_its_length_before_it_is_read(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    settings.max_image_mb = 1
    await login_as(client, await make_advocate(session))
    token = await csrf_token(client, "/profile")
    refused = await client.post(
        "/profile/avatar",
        data={"csrf_token": token},
        files={"avatar": ("me.png", b"\x89PNG" + b"0" * (3 * 1024 * 1024), "image/png")},
    )
    assert refused.status_code == 413
    page = BeautifulSoup(refused.text, "html.parser")
    assert "larger than the limit of 1 MB" in page.get_text()


async def test_a_page_that_only_reads_neither_waits_for_nor_takes_the_write_lock(
    committed_engine: AsyncEngine, settings: Settings
) -> None:
    """Another transaction holds an uncommitted change to the viewer's own row (on SQLite its
    transaction holds the write lock) while the viewer opens pages: they answer, and the writer
    still finishes after them."""
    app = create_app(settings, sessionmaker=create_sessionmaker(committed_engine))
    async with create_sessionmaker(committed_engine)() as session:
        reader = await make_advocate(session, name="Rita Reader")
        await session.commit()
    client, _ = await _signed_in(app, reader)
    try:
        async with committed_engine.connect() as writer:
            await writer.execute(
                update(User).where(User.id == reader.id).values(company="Locked Ltd")
            )
            pages = [await client.get(path) for path in ("/", "/rewards/", "/points/")]
            assert [page.status_code for page in pages] == [200, 200, 200]
            await writer.commit()
    finally:
        await client.aclose()
