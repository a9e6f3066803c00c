"""The example configuration in deploy/ is checked by the tools that run it: `systemd-analyze
verify` for the units, `caddy validate` for the site; and it agrees with the portal (the port,
the readiness path, every setting named)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from portal.config import Settings
from portal.routing import routes
from tests.conftest import unavailable

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
CADDYFILE = DEPLOY / "caddy" / "Caddyfile"
INSTALLED_PORTAL = "/opt/portal/.venv/bin/portal"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        unavailable(name, "not installed (make deploy-validators installs it)")
    return str(path)


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_each_systemd_unit_passes_systemd_analyze_verify(unit: Path, tmp_path: Path) -> None:
    analyze = tool("systemd-analyze")
    # verify checks that ExecStart's program exists: this checkout's stands in for /opt/portal.
    copy = tmp_path / unit.name
    copy.write_text(unit.read_text().replace(INSTALLED_PORTAL, str(ROOT / ".venv/bin/portal")))
    result = subprocess.run(  # noqa: S603 (a fixed tool on our own file)
        [analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr  # warnings too (an unknown key is one)


def test_the_caddy_site_passes_caddy_validate_and_is_formatted() -> None:
    caddy = tool("caddy")
    result = subprocess.run(  # noqa: S603
        [caddy, "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Valid configuration" in result.stdout + result.stderr
    formatted = subprocess.run(  # noqa: S603
        [caddy, "fmt", str(CADDYFILE)], capture_output=True, text=True, timeout=60
    )
    assert formatted.stdout == CADDYFILE.read_text()


def test_caddy_sends_traffic_to_the_port_the_web_unit_listens_on_and_asks_readyz() -> None:
    web = (DEPLOY / "systemd" / "portal-web.service").read_text()
    listen = re.search(r"--host (\S+) --port (\d+)", web)
    assert listen is not None
    site = CADDYFILE.read_text()
    assert f"reverse_proxy {listen.group(1)}:{listen.group(2)}" in site
    health = re.search(r"health_uri (\S+)", site)
    assert health is not None
    assert health.group(1) in {getattr(route, "path", "") for route in routes()}


def example_settings() -> dict[str, str]:
    lines = (DEPLOY / "portal.env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_the_example_environment_names_only_real_settings_and_loads_for_production() -> None:
    values = example_settings()
    known = {name.upper() for name in Settings.model_fields}
    assert set(values) - known == set()
    settings = Settings(**{key.lower(): value for key, value in values.items()})
    assert settings.portal_env == "production"
    assert settings.https
    assert settings.log_format == "json"
