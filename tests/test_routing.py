"""Every page answers with and without its trailing slash: the other form redirects to the
canonical one, whichever mount or route it lives under."""

import re

import httpx
import pytest
from starlette.routing import BaseRoute, Mount, Route

from portal import routing

PARAM = re.compile(r"{(\w+)(?::(\w+))?}")


def _sample(match: re.Match[str]) -> str:
    return "1" if match.group(2) == "int" else "sample"


def _get_paths(routes: list[BaseRoute], prefix: str = "") -> list[str]:
    paths = []
    for route in routes:
        if isinstance(route, Mount) and route.routes and route.name != "static":
            paths += _get_paths(list(route.routes), prefix + route.path)
        elif isinstance(route, Route) and "GET" in (route.methods or ()):
            paths.append(PARAM.sub(_sample, prefix + route.path))
    return paths


PAGES = sorted(set(_get_paths(routing.routes())) - {"/"})


def test_the_walk_finds_the_pages_the_issue_names() -> None:
    named = {"/rewards/", "/challenges/", "/content/", "/referrals/", "/leaderboard/"}
    named |= {"/points/", "/pipeline/", "/notifications/", "/manage/people/"}
    assert named | {"/manage/approvals/", "/login", "/profile"} <= set(PAGES)


@pytest.mark.parametrize("path", PAGES)
async def test_the_other_form_of_every_page_redirects_to_the_canonical_one(
    client: httpx.AsyncClient, path: str
) -> None:
    other = path.removesuffix("/") if path.endswith("/") else path + "/"
    response = await client.get(other + "?keep=1")
    assert response.status_code in (307, 308), f"{other} answers {response.status_code}"
    assert response.headers["location"] == f"http://portal.test{path}?keep=1"
