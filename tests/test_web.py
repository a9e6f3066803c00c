"""Redirect targets from a `next` parameter stay on this site and are always safe in a header."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from portal.web import safe_next
from tests.factories import PASSWORD, csrf_token, make_advocate


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/profile", "/profile"),
        ("/rewards?kind=physical&page=2", "/rewards?kind=physical&page=2"),
        ("/pipeline/3#history", "/pipeline/3#history"),
        ("/caf\N{LATIN SMALL LETTER E WITH ACUTE}", "/caf%C3%A9"),
        ("/\N{IDEOGRAPHIC FULL STOP}evil.example", "/%E3%80%82evil.example"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("/\x0bvertical", "/"),
        ("/ spaced", "/"),
        ("", "/"),
        (None, "/"),
        ("profile", "/"),
    ],
)
def test_next_targets_stay_on_the_site_and_are_header_safe(target: str | None, safe: str) -> None:
    assert safe_next(target) == safe
    safe.encode("ascii")  # a header value can carry it


@pytest.mark.parametrize("target", ["/\N{IDEOGRAPHIC FULL STOP}evil.example", "/x\x0by"])
async def test_signing_in_with_an_unusual_next_redirects_htmx_without_an_error(
    client: httpx.AsyncClient, session: AsyncSession, target: str
) -> None:
    user = await make_advocate(session)
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={"csrf_token": token, "email": user.email, "password": PASSWORD, "next": target},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] in ("/%E3%80%82evil.example", "/")
