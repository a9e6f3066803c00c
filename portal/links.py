"""Links to the portal's own pages, from anywhere: emails, jobs, notifications (and later API
responses). They are built from the app's route table by route name, so a path is written in
one place only, and a link to a route that doesn't exist fails instead of going out broken.

The wiring installs the route table once per process: `create_app` for the web app, the worker's
startup for jobs, the demo for its seeding."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.routing import Router

from portal.config import Settings


class LinksNotInstalled(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "No route table for links yet: the app, the worker or the script must call "
            "portal.links.install(router, settings) before anything makes a link."
        )


@dataclass(frozen=True)
class _Installed:
    router: Router
    base_url: str


_installed: _Installed | None = None


def install(router: Router, settings: Settings) -> None:
    global _installed
    _installed = _Installed(router, settings.base_url.rstrip("/"))


def _current() -> _Installed:
    if _installed is None:
        raise LinksNotInstalled()
    return _installed


def path_for(route_name: str, **params: str | int) -> str:
    """The path of a named route (`pipeline:detail`, referral_id=3 → `/pipeline/3`), for links
    inside the portal such as a notification's. Starlette's NoMatchFound for an unknown name or
    missing parameters."""
    return str(_current().router.url_path_for(route_name, **params))


def absolute_url(route_name: str, **params: str | int) -> str:
    """The full address of a named route on `settings.base_url`, for links that leave the
    portal: emails, and what a job or an API response hands out."""
    installed = _current()
    return installed.base_url + str(installed.router.url_path_for(route_name, **params))


def host() -> str:
    """The portal's host name (for Message-IDs and the like)."""
    return urlsplit(_current().base_url).hostname or "localhost"
