"""Finding 9 of issue 13: bad input is a 4xx naming the field, never a 5xx.

The demo program is loaded, then an admin (who reaches everything) and an advocate each crawl
the portal: every GET page of the route table, and every link and form on those pages. The forms
found there (their action, fields and the values a page filled in; one form of each shape) are
then posted with the review's cases in every field, one field at a time on an otherwise valid
form, and with bodies hypothesis generates (derandomized, a fixed number per form); every GET
page gets the cases and generated values in its query parameters, and every path id is tried
beyond int4. No answer may be a 5xx. Runs on both engines.

Hypothesis generates the bodies up front (a synchronous `@given` that records them): the requests
go through the async client afterwards, so a failure names the request, not a shrunk example.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from portal.demo import DEMO_PASSWORD
from tests.factories import CSRF_META
from tests.test_security import ROUTES, AppRoute

# The review's cases: a Unicode digit (str.isdigit() is true), past int64, NUL, far past any
# column, negative, a float, empty, whitespace.
CASES = ["²", str(2**63), "a\x00b", "x" * 10_000, "-1", "1e9", "", "   "]
HUGE_ID = "99999999999999999999"
# What reaches the database when the rest of a form is valid: tried in each field on its own.
DEEP_CASES = ["²", str(2**63), "a\x00b", "x" * 10_000]
EXAMPLES_PER_FORM = 4
# Routes that end the signed-in session; they are posted last, once.
ENDS_SESSION = ("/logout", "/profile/sessions/end")
# Posted after the others: they remove what the other forms need.
DESTRUCTIVE = re.compile(r"/(delete|remove|archive|suspend|decline|cancel|reject)$")


@dataclass
class Form:
    """A form as a page renders it: where it goes, its fields and the values the page gave."""

    method: str
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)

    def baseline(self) -> dict[str, str | list[str]]:
        return {name: values[0] if values else "" for name, values in self.fields.items()}


class FormFinder(HTMLParser):
    """Links and forms (with `action` or `hx-post`/`hx-get`) on a page."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for attribute in ("href", "hx-get", "hx-post", "action", "src"):
            if a.get(attribute, "").startswith("/"):
                self.links.append(a[attribute])
        if tag == "form":
            method = "post" if "hx-post" in a else a.get("method", "get").lower()
            action = a.get("hx-post") or a.get("hx-get") or a.get("action") or self.page
            self._form = Form(method, action)
            self.forms.append(self._form)
        elif self._form is not None and "name" in a:
            name = a["name"]
            values = self._form.fields.setdefault(name, [])
            if tag == "input" and a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    values.insert(0, a.get("value", "on"))
                else:
                    values.append(a.get("value", "on"))
            elif tag in ("input", "button"):
                values.append(a.get("value", ""))
            elif tag == "select":
                self._select = name
            elif tag == "textarea":
                self._textarea = name
                values.append("")
        elif self._form is not None and tag == "option" and self._select:
            options = self._form.fields[self._select]
            options.insert(0, a.get("value", "")) if "selected" in a else options.append(
                a.get("value", "")
            )

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form.fields[self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _pattern(route: AppRoute) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", route.path)
    return re.compile(
        "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts if p) + "$"
    )


PATTERNS = [(route, _pattern(route)) for route in ROUTES]


def route_of(path: str) -> AppRoute | None:
    return next((route for route, pattern in PATTERNS if pattern.match(path)), None)


@dataclass
class Site:
    """What a role's crawl found: one URL per GET route, the forms per action path, and the query
    parameter names each GET path was seen with."""

    pages: dict[str, str] = field(default_factory=dict)  # route path -> a concrete URL
    forms: dict[str, list[Form]] = field(default_factory=dict)  # action path -> forms
    queries: dict[str, set[str]] = field(default_factory=dict)  # route path -> parameter names


class Visitor:
    def __init__(self, client: httpx.AsyncClient, email: str) -> None:
        self.client = client
        self.email = email
        self.token = ""
        self.failures: list[str] = []

    async def sign_in(self) -> None:
        self.client.cookies.clear()
        page = await self.client.get("/login")
        token = CSRF_META.search(page.text)
        assert token
        response = await self.client.post(
            "/login",
            data={"csrf_token": token.group(1), "email": self.email, "password": DEMO_PASSWORD},
        )
        assert response.status_code == 303, response.text
        # Followed: an admin held at the two-factor setup (a fuzzed setting may require it) is
        # sent there, a page with the layout's token too.
        page = await self.client.get("/profile", follow_redirects=True)
        match = CSRF_META.search(page.text)
        assert match, page.url
        self.token = match.group(1)

    async def send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = await self.client.request(method, url, **kwargs)
        label = f"{self.email} {method} {url[:200]!r} {_short(kwargs)}"
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {label}")
        signed_out = response.headers.get("location", "") + response.headers.get("hx-redirect", "")
        if signed_out.startswith(("/login", "http://portal.test/login")):
            await self.sign_in()
        return response

    async def post(self, url: str, data: dict[str, Any]) -> httpx.Response:
        return await self.send("POST", url, data={"csrf_token": self.token, **data})

    async def crawl(self) -> Site:
        site = Site()
        queue = [r.path for r in ROUTES if "GET" in r.methods and not r.convertors]
        seen: set[str] = set()
        while queue:
            url = queue.pop(0)
            path = urlsplit(url).path
            route = route_of(path)
            if route is None or "GET" not in route.methods or path in seen:
                continue
            site.queries.setdefault(route.path, set()).update(
                name for name, _ in parse_qsl(urlsplit(url).query)
            )
            if route.path in site.pages:
                continue
            seen.add(path)
            response = await self.send("GET", url)
            site.pages[route.path] = path
            if "text/html" not in response.headers.get("content-type", ""):
                continue
            finder = FormFinder(path)
            finder.feed(response.text)
            queue.extend(finder.links)
            for form in finder.forms:
                action = urlsplit(form.action).path
                form.fields.pop("csrf_token", None)
                if form.method == "get":
                    site.queries.setdefault(getattr(route_of(action), "path", ""), set()).update(
                        form.fields
                    )
                else:
                    site.forms.setdefault(action, []).append(form)
        return site


def _short(kwargs: dict[str, Any]) -> str:
    values = {**kwargs.get("params", {}), **kwargs.get("data", {})}
    data = {
        k: (v[:40] + "…" if isinstance(v, str) and len(v) > 40 else v)
        for k, v in values.items()
        if k != "csrf_token"
    }
    return repr(data)[:400]


NASTY = st.one_of(
    st.sampled_from(CASES),
    st.text(max_size=30),
    st.integers().map(str),
    st.text(alphabet=st.characters(categories=["Nd", "No", "Cc"]), min_size=1, max_size=12),
    st.datetimes().map(lambda moment: moment.isoformat()),
)


def generated_bodies(form: Form) -> list[dict[str, Any]]:
    """EXAMPLES_PER_FORM bodies, each field either a value the page offered or a nasty one."""
    bodies: list[dict[str, Any]] = []
    fields = {
        name: st.one_of(st.sampled_from(values or [""]), NASTY)
        for name, values in sorted(form.fields.items())
    }

    @hypothesis_settings(
        max_examples=EXAMPLES_PER_FORM,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.fixed_dictionaries(fields))
    def collect(body: dict[str, Any]) -> None:
        bodies.append(body)

    collect()
    return bodies


def case_bodies(form: Form) -> Iterator[dict[str, Any]]:
    """Every case in every field at once, then the deep cases in one field of the page's
    values (so the service, and the database, get them)."""
    for case in CASES:
        yield dict.fromkeys(form.fields, case)
    baseline = form.baseline()
    for name in form.fields:
        for case in DEEP_CASES:
            yield {**baseline, name: case}


def ordered(forms: dict[str, list[Form]]) -> list[tuple[str, Form]]:
    """One form of each shape (its route and field names): every row of a table posts the same
    form to its own id, and one of them reaches the handler as well as all would."""
    shapes: dict[tuple[str, frozenset[str]], tuple[str, Form]] = {}
    for action in sorted(forms):
        route = route_of(action)
        for form in forms[action]:
            shape = (route.path if route else action, frozenset(form.fields))
            shapes.setdefault(shape, (action, form))
    return sorted(
        shapes.values(),
        key=lambda pair: (pair[0] in ENDS_SESSION, bool(DESTRUCTIVE.search(pair[0])), pair[0]),
    )


async def fuzz(visitor: Visitor, site: Site) -> None:
    for route_path, url in sorted(site.pages.items()):
        names = site.queries.get(route_path, set()) | {"page"}
        for case in CASES:
            # httpx refuses a query past 64 KiB: the long case goes one parameter at a time.
            groups = [{n} for n in names] if len(case) > 1000 else [names]
            for group in groups:
                await visitor.send("GET", url, params=dict.fromkeys(group, case))
        for body in generated_bodies(Form("get", url, {n: [] for n in sorted(names)})):
            await visitor.send("GET", url, params=body)
    for route in ROUTES:
        for name in route.convertors:
            path = re.sub(r"\{" + name + r"(:[a-z]+)?\}", HUGE_ID, route.path)
            path = re.sub(r"\{(\w+)(:[a-z]+)?\}", "1", path)
            for method in sorted(route.methods - {"HEAD"}):
                await visitor.send(method, path, data={"csrf_token": visitor.token})
    for action, form in ordered(site.forms):
        for body in [*case_bodies(form), *generated_bodies(form)]:
            await visitor.post(action, body)


@pytest.mark.parametrize("email", ["admin@acme.example", "priya.raman@northwind.example"])
async def test_no_input_makes_a_5xx(app: Starlette, session: AsyncSession, email: str) -> None:

    async def flush_test_session(request: httpx.Request) -> None:
        await session.flush()

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://portal.test",
        event_hooks={"request": [flush_test_session]},
    ) as client:
        visitor = Visitor(client, email)
        await visitor.sign_in()
        site = await visitor.crawl()
        assert len(site.pages) > 20
        assert site.forms
        await fuzz(visitor, site)
    assert visitor.failures == [], "\n".join(visitor.failures[:80])
