"""Every link on each role's Home (the demo program's) opens for that person."""

import httpx
import pytest

from portal.demo import DEMO_PASSWORD, STAFF
from tests.home.test_staff_homes import _page


@pytest.mark.parametrize(
    "email", [*(email for email, *_ in STAFF), "priya.raman@northwind.example"]
)
async def test_every_link_on_each_roles_home_opens_for_them(
    client: httpx.AsyncClient, email: str
) -> None:
    token = (await client.get("/login")).text.split('name="csrf-token" content="')[1].split('"')[0]
    signed_in = await client.post(
        "/login", data={"csrf_token": token, "email": email, "password": DEMO_PASSWORD}
    )
    assert signed_in.status_code == 303
    pages = ["/"]
    home = _page(await client.get("/"))
    if switch := home.select_one("#advocate-home"):
        pages.append(str(switch["href"]))
    links: set[str] = set()
    for path in pages:
        page = _page(await client.get(path))
        links |= {str(a["href"]) for a in page.select("main a[href], header a[href]")}
    assert len(links) > 8
    for link in sorted(links):
        if link.startswith("#"):
            continue
        response = await client.get(link)
        assert response.status_code == 200, f"{email}: {link} answers {response.status_code}"
