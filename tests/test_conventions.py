"""House conventions (STYLE.md §2, §6, §7) enforced by parsing the code, after Zulip's
`custom_check.py`: a convention is real only when a tool fails on it. Each checker also runs on
its own good and bad examples, so a checker that stops catching anything fails too.

No database here: these tests run once, not once per backend.
"""

import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PORTAL = ROOT / "portal"
TEMPLATES = ROOT / "templates"
PROJECT_DIRS = ("portal", "alembic", "scripts", "bench", "tests")
THIS_FILE = "tests/test_conventions.py"  # its bad examples are strings, but say what they match

Violation = tuple[int, str]  # (line number, what is wrong)
Checker = Callable[[str], list[Violation]]


# --- finding files ----------------------------------------------------------------------------


def python_files(*dirs: str) -> list[Path]:
    return sorted(path for name in dirs for path in (ROOT / name).rglob("*.py"))


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def is_route_module(path: Path) -> bool:
    return path.name == "routes.py" or path.name.endswith("_routes.py")


def is_service_module(path: Path) -> bool:
    """`portal/<domain>/service.py`, or a module of a `portal/<domain>/service/` package."""
    return path.name == "service.py" or path.parent.name == "service"


PORTAL_FILES = python_files("portal")
PROJECT_FILES = python_files(*PROJECT_DIRS)
ROUTE_MODULES = [path for path in PORTAL_FILES if is_route_module(path)]
SERVICE_MODULES = [path for path in PORTAL_FILES if is_service_module(path)]


def violations_in(paths: list[Path], check: Checker) -> list[str]:
    return [
        f"{rel(path)}:{line}: {message}"
        for path in paths
        for line, message in check(path.read_text(encoding="utf-8"))
    ]


def assert_examples(check: Checker, good: list[str], bad: list[str]) -> None:
    assert [example for example in bad if not check(example)] == [], "bad examples not flagged"
    assert [example for example in good if check(example)] == [], "good examples flagged"


def test_the_checks_find_the_files_they_check() -> None:
    assert {"portal/auth/routes.py", "portal/auth/manage_routes.py"} <= {
        rel(path) for path in ROUTE_MODULES
    }
    assert {"portal/audit/service.py", "portal/auth/service/accounts.py"} <= {
        rel(path) for path in SERVICE_MODULES
    }
    assert THIS_FILE in {rel(path) for path in PROJECT_FILES}
    assert list(TEMPLATES.rglob("*.html"))


# --- imports ----------------------------------------------------------------------------------


def imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def imports_of(package: str) -> Checker:
    def check(source: str) -> list[Violation]:
        return [
            (line, f"imports {module}")
            for line, module in imported_modules(ast.parse(source))
            if module == package or module.startswith(package + ".")
        ]

    return check


imports_sqlalchemy = imports_of("sqlalchemy")
imports_starlette = imports_of("starlette")
imports_bleach = imports_of("bleach")


def test_import_checks_on_their_examples() -> None:
    assert_examples(
        imports_sqlalchemy,
        good=[
            "from portal.web import db, render",
            "from portal.auth import service",
            "import portal.sqlalchemy_helpers",
            "from . import sqlalchemy",
        ],
        bad=[
            "from sqlalchemy import select",
            "import sqlalchemy as sa",
            "from sqlalchemy.ext.asyncio import AsyncSession",
            "def f():\n    import sqlalchemy.orm\n",
        ],
    )
    assert_examples(
        imports_starlette,
        good=["from portal.errors import NotFound", "from portal.jobs import enqueue"],
        bad=[
            "from starlette.requests import Request",
            "import starlette",
            "import starlette.responses",
        ],
    )
    assert_examples(
        imports_bleach,
        good=["from portal.sanitize import clean_html", "import bleachers"],
        bad=["import bleach", "from bleach.sanitizer import Cleaner", "from bleach import clean"],
    )


def test_route_modules_do_not_import_sqlalchemy() -> None:
    assert violations_in(ROUTE_MODULES, imports_sqlalchemy) == []


def test_service_modules_do_not_import_starlette() -> None:
    assert violations_in(SERVICE_MODULES, imports_starlette) == []


def test_only_the_sanitizer_imports_bleach() -> None:
    allowed = {"portal/sanitize.py"}  # may not exist yet
    others = [path for path in PROJECT_FILES if rel(path) not in allowed | {THIS_FILE}]
    assert violations_in(others, imports_bleach) == []


# --- the session: handlers hand it over, services never commit ------------------------------

SESSION_NAMES = frozenset({"session", "db", "db_session"})


def _is_session(node: ast.expr) -> bool:
    """`session`, `db`, or `db(request)`; not `request.session` (the signed cookie)."""
    if isinstance(node, ast.Name):
        return node.id in SESSION_NAMES
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "db"


def session_use_in_handler(source: str) -> list[Violation]:
    """A handler never touches the session except to hand it to a service (STYLE §2, §4)."""
    return [
        (node.lineno, f"calls {ast.unparse(node.func)}(...) in a route module")
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and _is_session(node.func.value)
    ]


def commits(source: str) -> list[Violation]:
    return [
        (node.lineno, f"calls {ast.unparse(node.func)}(): services flush, the request commits")
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
    ]


def test_session_checks_on_their_examples() -> None:
    assert_examples(
        session_use_in_handler,
        good=[
            "await service.update_profile(db(request), user=user)",
            "session = db(request)\nawait service.access_user(session, 1)",
            "request.session.get('next')",
            "request.session.clear()",
            "state.add_error('email', 'Enter your email.')",
        ],
        bad=[
            "session.add(user)",
            "db(request).add(user)",
            "await session.execute(select(User))",
            "await db(request).scalar(select(User))",
            "await session.delete(user)",
            "await session.commit()",
        ],
    )
    assert_examples(
        commits,
        good=[
            "await session.flush()",
            "async with session.begin_nested():\n    pass",
            "committed = True",
        ],
        bad=["await session.commit()", "await db.commit()", "await self.session.commit()"],
    )


def test_route_modules_do_not_use_the_session() -> None:
    assert violations_in(ROUTE_MODULES, session_use_in_handler) == []


def test_services_never_commit() -> None:
    assert violations_in(SERVICE_MODULES, commits) == []


# --- the ledger (STYLE §6): only portal/points/service.py writes points ----------------------

LEDGER_MODELS = frozenset({"Balance", "LedgerEntry"})
LEDGER_TABLES = frozenset({"points_ledger", "points_balances"})
# The ledger module of the points service is the one door; migrations create the tables (and
# the zero balances of people who existed before the points engine).
LEDGER_WRITERS = frozenset(
    {
        "portal/points/service/ledger.py",
        # moves a balance row's last_active_at on a visit; never points
        "portal/points/service/activity.py",
        # sets a balance row's floor level (a marketer's decision); never points
        "portal/points/service/tiers.py",
        # advances a balance row's streak, in the award's transaction; never points
        "portal/points/service/streaks.py",
        # the bulk loader of benchmark data: a million rows through the service take an hour
        "portal/benchdata.py",
        # makes drift on purpose, to prove the nightly reconciliation reports it
        "tests/points/test_jobs.py",
        # writes a ledger row into a database at 0028, for migration 0036 to rekey
        "tests/zones/test_migration.py",
        # writes ledger rows into a database at 0044, for migration 0047 to replay as streaks
        "tests/points/test_streaks.py",
    }
)
MIGRATIONS = "alembic/versions/"
WRITE_FUNCTION = re.compile(r"(?:^|_)(?:insert|update|delete|upsert)$", re.IGNORECASE)
ADDERS = frozenset({"add", "add_all", "merge"})
RAW_SQL_WRITE = re.compile(
    r"\b(?:into|update|delete\s+from)\s+[\"'`\[]?(points_ledger|points_balances)\b",
    re.IGNORECASE,
)


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _mentions_ledger(node: ast.AST) -> bool:
    for child in ast.walk(node):
        if isinstance(child, ast.Name | ast.Attribute) and _name(child) in (
            LEDGER_MODELS | LEDGER_TABLES
        ):
            return True
        if isinstance(child, ast.Constant) and child.value in LEDGER_TABLES:
            return True
    return False


def ledger_writes(source: str) -> list[Violation]:
    """`insert(`/`update(`/`delete(` of a ledger model or table, a `Balance(...)` or
    `LedgerEntry(...)`, `session.add` of one, or raw SQL that writes either table."""
    found: list[Violation] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if match := RAW_SQL_WRITE.search(node.value):
                found.append((node.lineno, f"SQL writes {match.group(1)}"))
            continue
        if not isinstance(node, ast.Call):
            continue
        callee = _name(node.func)
        if callee in LEDGER_MODELS:
            found.append((node.lineno, f"creates a {callee}"))
            continue
        arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
        if callee and WRITE_FUNCTION.search(callee):
            receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
            if any(_mentions_ledger(arg) for arg in arguments) or (
                receiver is not None and _mentions_ledger(receiver)
            ):
                found.append((node.lineno, f"{callee}() on the points ledger"))
        elif callee in ADDERS and any(_mentions_ledger(arg) for arg in arguments):
            found.append((node.lineno, f"{callee}() of a ledger row"))
    return found


LEDGER_GOOD = [
    "await points.award(session, advocate, points=50, reason='Review', key='s:7')",
    "balance = await session.scalar(select(Balance.points).where(Balance.advocate_id == 1))",
    "rows = await session.scalars(select(LedgerEntry).order_by(LedgerEntry.created_at))",
    "entry = await session.get(LedgerEntry, 1)",
    "isinstance(entry, LedgerEntry)",
    "session.add(Challenge(title='Write a review', points=50))",
    "await session.execute(update(Challenge).values(points=Challenge.points + 10))",
    "counts.update(balances=3)",
    "op.create_table('points_ledger', sa.Column('id', sa.Integer(), primary_key=True))",
    "op.drop_table('points_balances')",
    "text('SELECT advocate_id, SUM(delta) FROM points_ledger GROUP BY advocate_id')",
    "relationship('LedgerEntry', lazy='raise')",
    "'The only code that writes points_ledger or points_balances.'",
]
LEDGER_BAD = [
    "session.add(Balance(advocate_id=advocate.id, points=0))",
    "session.add(models.LedgerEntry(advocate_id=1, delta=5, reason='x', idempotency_key='k'))",
    "session.add_all([LedgerEntry(advocate_id=1, delta=5)])",
    "await session.merge(Balance(advocate_id=1, points=5))",
    "await session.execute(update(Balance).values(points=Balance.points + 10))",
    "await session.execute(sa.update(points_models.Balance).values(points=0))",
    "await session.execute(insert(LedgerEntry).values(delta=5))",
    "await session.execute(delete(LedgerEntry).where(LedgerEntry.id == 1))",
    "await session.execute(pg_insert(Balance).values(advocate_id=1).on_conflict_do_nothing())",
    "await session.execute(Balance.__table__.update().values(points=0))",
    "await session.execute(table('points_balances', column('points')).delete())",
    "await session.execute(text('UPDATE points_balances SET points = 0'))",
    "op.execute('INSERT INTO points_ledger (advocate_id, delta) VALUES (1, 5)')",
    "op.execute(f'DELETE FROM points_ledger WHERE advocate_id = {advocate_id}')",
    "op.bulk_insert(points_balances, [{'advocate_id': 1, 'points': 5}])",
]


def test_ledger_check_on_its_examples() -> None:
    assert_examples(ledger_writes, LEDGER_GOOD, LEDGER_BAD)


def test_only_the_points_service_writes_the_ledger() -> None:
    others = [
        path
        for path in PROJECT_FILES
        if rel(path) not in LEDGER_WRITERS | {THIS_FILE} and not rel(path).startswith(MIGRATIONS)
    ]
    assert violations_in(others, ledger_writes) == []


# --- templates (STYLE §7) ---------------------------------------------------------------------

SAFE_FILTER = re.compile(r"\|\s*safe\b")
ESCAPING_OFF = re.compile(r"\{%[-+]?\s*(?:filter\s+safe|autoescape\s+false)\b")
OPERAND = re.compile(r"[\w.\[\]'\"]+$")
EXTENDS = re.compile(r"\{%[-+]?\s*extends\b")


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def unsafe_safe_filters(text: str) -> list[Violation]:
    """`|safe` only right after a variable whose name ends in `_html`, which is the sanitizer's
    output; no `{% filter safe %}` or `{% autoescape false %}` either."""
    found = [(_line(text, m.start()), "escaping turned off") for m in ESCAPING_OFF.finditer(text)]
    for match in SAFE_FILTER.finditer(text):
        operand = OPERAND.search(text[: match.start()].rstrip())
        names = re.findall(r"\w+", operand.group()) if operand else []
        literal = operand is not None and operand.group().endswith(("'", '"'))
        if literal or not names or not names[-1].endswith("_html"):
            shown = operand.group() if operand else "an expression"
            found.append((_line(text, match.start()), f"|safe on {shown}, not a *_html name"))
    return found


def extends_anything(text: str) -> list[Violation]:
    return [(_line(text, m.start()), "a partial extends a layout") for m in EXTENDS.finditer(text)]


def test_safe_filter_check_on_its_examples() -> None:
    assert_examples(
        unsafe_safe_filters,
        good=[
            "{{ entry.body_html|safe }}",
            "{{ entry.body_html | safe }}",
            "<div>{{ challenge['description_html']|safe }}</div>",
            "{{ bio_html|safe }}",
            "{{ entry.body }}",
            "{{ note|striptags }}",
            "{{ safe_word }} and {{ safety }}",
        ],
        bad=[
            "{{ entry.body|safe }}",
            "{{ bio | safe }}",
            "{{ entry.body_html_raw|safe }}",
            "{{ (entry.title ~ entry.body_html)|safe }}",
            "{{ entry.body_html|default('')|safe }}",
            "{{ '<b>hi</b>'|safe }}",
            "{{ 'trusted_html'|safe }}",
            "{% set body_html = entry.body|safe %}",
            "{% filter safe %}{{ entry.body }}{% endfilter %}",
            "{% autoescape false %}{{ entry.body }}{% endautoescape %}",
            "line one\n{{ ok_html|safe }}\n{{ not_ok|safe }}",
        ],
    )
    assert unsafe_safe_filters("one\n{{ ok_html|safe }}\n{{ not_ok|safe }}") == [
        (3, "|safe on not_ok, not a *_html name")
    ]


def test_templates_mark_only_sanitized_html_safe() -> None:
    found = [
        f"{path.relative_to(ROOT).as_posix()}:{line}: {message}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for line, message in unsafe_safe_filters(path.read_text(encoding="utf-8"))
    ]
    assert found == []


CSRF_MACRO = TEMPLATES / "components" / "forms.html"  # the one place the input is written
CSRF_INPUT = re.compile(
    r"<input\b"
    r"(?:[^>{]|\{\{[^}]*\}\}|\{%[^%]*%\}|\{(?![{%]))*?"  # attributes; a `>` inside {{ }} or {% %}
    r"(?:\bname\s*=\s*[\"']?csrf_token\b|\{\{\s*csrf_token\s*\}\})",
    re.IGNORECASE,
)


def hand_written_csrf_inputs(text: str) -> list[Violation]:
    """The CSRF field is `{{ forms.csrf() }}`, so its name and value are written once."""
    return [
        (_line(text, m.start()), "a hand-written csrf input: use forms.csrf()")
        for m in CSRF_INPUT.finditer(text)
    ]


def test_csrf_input_check_on_its_examples() -> None:
    assert_examples(
        hand_written_csrf_inputs,
        good=[
            '<form method="post">{{ forms.csrf() }}<button>Go</button></form>',
            '<meta name="csrf-token" content="{{ csrf_token }}">',
            '<input type="hidden" name="next" value="{{ here }}">',
            '<input type="hidden" name="csrf_token_hint" value="x">',
            "<p>The csrf_token keeps forms safe.</p>",
            '<input type="text" name="q"> <p>name="csrf_token"</p>',
        ],
        bad=[
            '<input type="hidden" name="csrf_token" value="{{ csrf_token }}">',
            "<input type=hidden name='csrf_token' value='{{ csrf_token }}'>",
            '<input name=csrf_token type=hidden value="{{ csrf_token }}">',
            '<INPUT TYPE="hidden" NAME="csrf_token">',
            '<input type="hidden"\n       name="csrf_token"\n       value="{{ csrf_token }}">',
            '<input type="hidden" name="token" value="{{ csrf_token }}">',
            '<input type="hidden" value="{{ "x" if a > b else "y" }}" name="csrf_token">',
            '<input type="hidden"{% if a > b %} hidden{% endif %} name="csrf_token">',
        ],
    )
    assert hand_written_csrf_inputs('ok\n<input name="csrf_token">') == [
        (2, "a hand-written csrf input: use forms.csrf()")
    ]


def test_templates_write_the_csrf_input_only_through_the_macro() -> None:
    assert hand_written_csrf_inputs(CSRF_MACRO.read_text(encoding="utf-8")), "the check sees it"
    others = [path for path in sorted(TEMPLATES.rglob("*.html")) if path != CSRF_MACRO]
    assert violations_in(others, hand_written_csrf_inputs) == []


def test_partials_check_on_its_examples() -> None:
    assert_examples(
        extends_anything,
        good=['<div id="points-badge">{% include "points/_badge.html" %}</div>', "extends"],
        bad=['{% extends "base.html" %}', '{%- extends "base.html" -%}', "{%extends layout %}"],
    )


@pytest.mark.parametrize(
    "template",
    sorted(TEMPLATES.rglob("_*.html")),
    ids=lambda path: path.relative_to(TEMPLATES).as_posix(),
)
def test_partials_never_extend_a_layout(template: Path) -> None:
    assert extends_anything(template.read_text(encoding="utf-8")) == []


# --- layers (issue 12): imports point down only, and no import cycles ------------------------

# Lowest first. A module may import its own layer or a lower one; within "domains" a package may
# not import a sibling, except the pairs declared below with their reason.
LAYERS: list[tuple[str, frozenset[str]]] = [
    (
        "kernel",
        frozenset(
            {
                "clock",
                "config",
                "csv",
                "db",
                "errors",
                "events",
                "forms",
                "i18n",
                "translations",
                "wording",
                "icons",
                "jobs",
                "links",
                "middleware",
                "money",
                "pagination",
                "parsing",
                "qr",
                "request_body",
                "sanitize",
                "templating",
                "tokens",
                "web",
                "zones",
            }
        ),
    ),
    ("files", frozenset({"files"})),
    ("people", frozenset({"people"})),
    (
        "platform",
        frozenset({"api_tokens", "audit", "guard", "notifications", "outbox", "program", "trust"}),
    ),
    ("points", frozenset({"points"})),
    (
        "domains",
        frozenset(
            {
                "advocacy",
                "auth",
                "challenges",
                "community",
                "content",
                "groups",
                "messages",
                "referrals",
                "rewards",
            }
        ),
    ),
    (
        "readers",
        frozenset(
            {
                "directory",
                "engagement",
                "home",
                "reports",
                "segments",
                "trust_scoring",
                "webhooks",
            }
        ),
    ),
    (
        "wiring",
        frozenset(
            {
                "",  # portal/__init__.py
                "api",  # the HTTP API: an adapter over many domains' services, like the routes
                "app",
                "benchactivity",
                "benchvisits",
                "benchdata",
                "backup",
                "cli",
                "demo",
                "error_pages",  # the friendly error pages show the layout, with the viewer
                "models",
                "navigation",
                "operations",  # health, metrics and logs look at every part of the portal
                "routing",
                "subscriptions",
                "worker",
            }
        ),
    ),
]
SIDEWAYS = {  # declared exceptions to "never a sibling domain"
    # A watch_video or download_asset challenge links a content item: the challenge form offers
    # the library's items and the challenge page shows the linked one.
    ("challenges", "content"): "challenges link content items",
    # An event type reported through the API completes the challenge it names.
    ("advocacy", "challenges"): "event types complete challenges",
}
LAYER_OF = {unit: index for index, (_, units) in enumerate(LAYERS) for unit in units}


def unit_of(module: str) -> str:
    """`portal.people.access` → "people"; `portal.web` → "web"; `portal` → ""."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def portal_imports(module: str, source: str) -> Iterator[tuple[int, str]]:
    """Every `portal...` module a source imports (absolute or relative, at any depth)."""
    package = module if source.startswith("#package") else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            if name.startswith("portal."):
                yield node.lineno, name


def layer_violations(module: str, source: str) -> list[Violation]:
    own = unit_of(module)
    found = []
    seen = set()
    for line, imported in portal_imports(module, source):
        other = unit_of(imported)
        if (line, other) in seen:
            continue
        seen.add((line, other))
        if other == own:
            continue
        if other not in LAYER_OF or own not in LAYER_OF:
            found.append(
                (line, f"{imported}: add portal.{other if own in LAYER_OF else own} to LAYERS")
            )
            continue
        mine, theirs = LAYER_OF[own], LAYER_OF[other]
        if theirs > mine:
            found.append((line, f"imports {imported}, a layer above ({LAYERS[theirs][0]})"))
        elif theirs == mine and LAYERS[mine][0] == "domains" and (own, other) not in SIDEWAYS:
            found.append((line, f"imports {imported}, a sibling domain: raise an event"))
    return found


def test_layer_check_on_its_examples() -> None:
    good = [
        ("portal.challenges.service.submit", "from portal.content.models import Asset"),
        ("portal.rewards.service.catalog", "from portal.points import service as points"),
        ("portal.outbox.service", "from portal.program import service as program"),
        ("portal.home.service", "from portal.referrals import service as referrals"),
        ("portal.people.access", "from portal.web import db"),
        ("portal.app", "from portal.rewards import routes"),
        ("portal.content.service.usage", "from portal.content.models import Asset"),
        ("portal.content.service.usage", "from ..models import Asset"),
    ]
    bad = [
        ("portal.points.service.ledger", "from portal.rewards.models import Reward"),
        ("portal.content.service.usage", "from portal.referrals import service"),
        ("portal.content.service.usage", "from portal.challenges import service"),
        ("portal.web", "from portal.people.models import User"),
        ("portal.files.references", "def f():\n    import portal.content.models\n"),
        ("portal.people.service", "from portal.audit import service as audit"),
        ("portal.referrals.service.pipeline", "from ...challenges import service"),
        ("portal.rewards.service", "from portal.newthing import x"),
    ]
    assert [example for example in bad if not layer_violations(*example)] == []
    assert [example for example in good if layer_violations(*example)] == []


def test_imports_point_down_the_layers() -> None:
    units = {unit_of(module_name(path)) for path in PORTAL_FILES}
    assert units <= set(LAYER_OF), f"modules in no layer: {units - set(LAYER_OF)}"
    problems = [
        f"{rel(path)}:{line}: {message}"
        for path in PORTAL_FILES
        for line, message in layer_violations(
            module_name(path),
            ("#package\n" if path.name == "__init__.py" else "") + path.read_text(encoding="utf-8"),
        )
    ]
    assert problems == []


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_cycle_check_on_its_examples() -> None:
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles_among_portal_modules() -> None:
    modules = {module_name(path): path for path in PORTAL_FILES}

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        source = ("#package\n" if path.name == "__init__.py" else "") + path.read_text("utf-8")
        targets = set()
        for _, imported in portal_imports(module, source):
            target = resolve(imported)
            if target is not None and target != module and target != "portal":
                targets.add(target)
        graph[module] = targets
    assert import_cycles(graph) == []
