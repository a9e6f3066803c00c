"""Browser tests: the real `portal` command serves a fresh SQLite database on a free port, and
Debian's chromium drives it through Playwright (async API). No Redis and no SMTP: emails stay
in the outbox, where the tests read them like an admin would."""

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, async_playwright
from playwright.async_api import Error as PlaywrightError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.config import Settings
from portal.db import create_engine, create_sessionmaker
from tests.browser.pages import HomePage, LoginPage
from tests.conftest import free_port, unavailable

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PORTAL = Path(sys.executable).parent / "portal"
STARTUP_SECONDS = 60.0
ACTION_TIMEOUT_MS = 10_000
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)

OpenPage = Callable[..., Awaitable[Page]]


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    admin_email: str
    admin_name: str
    admin_password: str
    log: Path
    database_url: str

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session on the server's own database, to set a scene through the real services
        (committed when the block ends)."""
        engine = create_engine(self.database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                yield session
                await session.commit()
        finally:
            await engine.dispose()


def _portal_env(var_dir: Path, base_url: str) -> dict[str, str]:
    """The environment for `portal`: ours, minus every portal setting (REDIS_URL and SMTP_URL
    above all), plus the test server's own."""
    settings = {name.upper() for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.upper() not in settings}
    env.update(
        VAR_DIR=str(var_dir),
        DATABASE_URL=f"sqlite:///{var_dir / 'portal.sqlite3'}",
        BASE_URL=base_url,
        SECRET_KEY=secrets.token_urlsafe(48),
        # Playwright fills a public form faster than a person (tests/guard covers the check).
        PUBLIC_FORM_MIN_SECONDS="0",
    )
    return env


def _portal(*args: str, env: dict[str, str], stdin: str = "") -> None:
    result = subprocess.run(  # noqa: S603 (our own console script, fixed arguments)
        [str(PORTAL), *args], env=env, input=stdin, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        pytest.fail(f"`portal {' '.join(args)}` failed:\n{result.stdout}\n{result.stderr}")


def _wait_until_healthy(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"`portal run` exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    pytest.fail(
        f"`portal run` did not answer /healthz within {STARTUP_SECONDS}s:\n{log.read_text()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`portal migrate`, `portal create-admin` and `portal run`, as an operator would."""
    var_dir = tmp_path_factory.mktemp("live-server")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = _portal_env(var_dir, base_url)
    server = LiveServer(
        base_url=base_url,
        admin_email="admin@example.com",
        admin_name="Alex Admin",
        admin_password="a-strong-admin-password",
        log=var_dir / "portal.log",
        database_url=f"sqlite+aiosqlite:///{var_dir / 'portal.sqlite3'}",
    )
    _portal("migrate", env=env)
    _portal(
        "create-admin",
        "--email",
        server.admin_email,
        "--name",
        server.admin_name,
        env=env,
        stdin=f"{server.admin_password}\n",
    )
    with _running(port, env, server.log):
        yield server


@contextlib.contextmanager
def _running(port: int, env: dict[str, str], log_path: Path) -> Iterator[None]:
    """`portal run` on `port` until the block ends."""
    base_url = env["BASE_URL"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own console script, fixed arguments)
            [str(PORTAL), "run", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as a whole
        )
    try:
        _wait_until_healthy(process, base_url, log_path)
        yield
    finally:
        _stop(process)


@dataclass(frozen=True)
class DemoServer:
    base_url: str
    log: Path


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """`portal migrate`, `portal seed-demo` and `portal run`: the demo's people and history."""
    var_dir = tmp_path_factory.mktemp("demo-server")
    port = free_port()
    env = _portal_env(var_dir, f"http://127.0.0.1:{port}")
    server = DemoServer(base_url=env["BASE_URL"], log=var_dir / "portal.log")
    _portal("migrate", env=env)
    _portal("seed-demo", env=env)
    with _running(port, env, server.log):
        yield server


@pytest_asyncio.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        unavailable("Chromium", f"{CHROMIUM} is missing (make chromium installs it)")
    playwright = await async_playwright().start()
    try:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()
    finally:
        await playwright.stop()


_failed = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remembers whether the test itself failed, so its pages can be kept as screenshots."""
    report = yield
    if call.when == "call":
        item.stash[_failed] = report.failed
    return report


@pytest_asyncio.fixture
async def open_page(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[OpenPage]:
    """A new page in a browser context of its own (its own cookies, so its own person);
    `viewport` defaults to a desktop window. A failing test leaves screenshots in tmp_path."""
    contexts: list[BrowserContext] = []

    async def open_(viewport: ViewportSize = DESKTOP) -> Page:
        context = await browser.new_context(base_url=live_server.base_url, viewport=viewport)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        return await context.new_page()

    yield open_
    if request.node.stash.get(_failed, False):
        for number, context in enumerate(contexts):
            for page in context.pages:
                with contextlib.suppress(PlaywrightError):  # never hide the test's own failure
                    await page.screenshot(path=tmp_path / f"failure-{number}.png", full_page=True)
    for context in contexts:
        await context.close()


@pytest_asyncio.fixture
async def page(open_page: OpenPage) -> Page:
    return await open_page()


async def sign_in_as_admin(page: Page, server: LiveServer) -> HomePage:
    login = await LoginPage(page).open()
    home = await login.sign_in_expecting_home(server.admin_email, server.admin_password)
    await home.expect_signed_in_as(server.admin_name)
    return home


@pytest_asyncio.fixture
async def admin_page(page: Page, live_server: LiveServer) -> Page:
    """A desktop page signed in as the admin that `portal create-admin` made."""
    await sign_in_as_admin(page, live_server)
    return page
