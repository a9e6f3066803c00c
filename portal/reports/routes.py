"""Manage → Reports (marketers and admins; anyone else gets a 404)."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.clock import utcnow
from portal.csv import csv_response
from portal.errors import NotFound
from portal.forms import FormState
from portal.i18n import gettext
from portal.people.access import current_user, signed_in
from portal.reports import periods, service
from portal.templating import request_zone
from portal.web import db, flash, redirect, render

MAX_VALUE = 10_000_000  # money per act


def _percent(fraction: float | None) -> float | str:
    """A number (a negative change must stay a number, not text behind the formula guard)."""
    return "" if fraction is None else round(fraction * 100, 1)


@signed_in
async def overview(request: Request) -> Response:
    form, choice = periods.parse(request.query_params, now=utcnow(), zone=request_zone(request))
    page = await service.overview_page(db(request), current_user(request), choice)
    context = {"form": form, "choice": choice, "page": page, "spans": list(periods.Span)}
    return render(
        request,
        "reports/overview.html",
        context,
        partial="reports/_overview.html",
        status_code=200 if form.ok else 422,
    )


@signed_in
async def export_overview(request: Request) -> Response:
    """The overview's tables as CSV, for the same period and group as the page."""
    _, choice = periods.parse(request.query_params, now=utcnow(), zone=request_zone(request))
    page = await service.overview_page(db(request), current_user(request), choice)
    report = page.overview
    if request.path_params["table"] == "figures":
        header = ["figure", "unit", "this_period", "previous_period", "change_percent"]
        rows = [
            [f.label, f.unit.value, f.value, f.previous, _percent(f.change)] for f in report.figures
        ]
    elif request.path_params["table"] == "sources":
        header = ["source", "points_this_period", "points_previous_period"]
        rows = [list(row) for row in report.by_source]
    else:
        raise NotFound()
    name = f"overview-{request.path_params['table']}-{report.period.first}-{report.period.last}"
    return csv_response(f"{name}.csv", header, rows)


@signed_in
async def funnel(request: Request) -> Response:
    form, choice = periods.parse(request.query_params, now=utcnow(), zone=request_zone(request))
    page = await service.funnel_page(db(request), current_user(request), choice)
    context = {
        "form": form,
        "choice": choice,
        "page": page,
        "spans": list(periods.Span),
        "breakdowns": service.BREAKDOWNS,
        "shown": service.FUNNEL_SHOWN,
    }
    return render(
        request,
        "reports/funnel.html",
        context,
        partial="reports/_funnel.html",
        status_code=200 if form.ok else 422,
    )


@signed_in
async def export_funnel(request: Request) -> Response:
    """One of the funnel's tables as CSV, for the same period and group as the page."""
    _, choice = periods.parse(request.query_params, now=utcnow(), zone=request_zone(request))
    page = await service.funnel_page(db(request), current_user(request), choice, every_row=True)
    report, table = page.funnel, request.path_params["table"]
    header: list[str]
    rows: list[list[object]]
    if table == "stages":
        header = ["stage", "reached", "conversion_percent", "median_days_in_stage"]
        rows = [
            [row.stage.value, row.reached, _percent(row.conversion), row.median_days or ""]
            for row in report.stages
        ]
    elif table == "closed":
        header = ["stage", "reason", "referrals"]
        rows = [[row.stage.value, row.reason, row.count] for row in report.closed]
    elif table in report.breakdowns:
        header = [table, "submitted", "qualified", "won", "win_rate_percent", "won_value"]
        rows = [
            [b.label, b.submitted, b.qualified, b.won, _percent(b.win_rate), b.won_value]
            for b in report.breakdowns[table]
        ]
    else:
        raise NotFound()
    name = f"funnel-{table}-{report.period.first}-{report.period.last}"
    return csv_response(f"{name}.csv", header, rows)


async def _report(request: Request, name: str, page: object, **extra: object) -> Response:
    """A report page (or, for htmx, its section) for the filter in the query string."""
    form, choice = periods.parse(request.query_params, now=utcnow(), zone=request_zone(request))
    context = {"form": form, "choice": choice, "page": page, "spans": list(periods.Span)}
    return render(
        request,
        f"reports/{name}.html",
        context | extra,
        partial=f"reports/_{name}.html",
        status_code=200 if form.ok else 422,
    )


def _choice(request: Request) -> periods.Choice:
    return periods.parse(request.query_params, now=utcnow(), zone=request_zone(request))[1]


@signed_in
async def engagement(request: Request) -> Response:
    page = await service.engagement_page(db(request), current_user(request), _choice(request))
    return await _report(request, "engagement", page, quiet_days=service.QUIET_DAYS)


@signed_in
async def export_engagement(request: Request) -> Response:
    """One of the engagement tables as CSV, for the same period and group as the page."""
    choice, table = _choice(request), request.path_params["table"]
    viewer = current_user(request)
    header: list[str]
    rows: list[list[object]]
    if table == "quiet":
        header = ["advocate", "email", "last_active", "lifetime_points"]
        rows = [
            [q.name, q.email, q.last_active.date() if q.last_active else "", q.lifetime]
            for q in await service.quiet_list(db(request), viewer, choice)
        ]
        return csv_response(f"engagement-quiet-{utcnow().date()}.csv", header, rows)
    report = (await service.engagement_page(db(request), viewer, choice)).engagement
    if table == "days":
        header = ["day", "active", "engaged", *(f"points_{n.lower()}" for n in service.SOURCES)]
        rows = [
            [d.day, d.active, d.engaged, *(d.points[n] for n in service.SOURCES)]
            for d in report.days
        ]
    elif table == "challenges":
        header = ["challenge", "completions", "points", "approval_rate_percent"]
        rows = [
            [c.title, c.completions, c.points, _percent(c.approval_rate)] for c in report.challenges
        ]
    elif table == "content":
        header = ["content", "uses"]
        rows = [[c.title, c.uses] for c in report.content]
    elif table == "advocates":
        header = ["advocate", "points", "referrals_won", "value_created"]
        rows = [[a.name, a.points, a.referrals_won, a.value] for a in report.advocates]
    else:
        raise NotFound()
    name = f"engagement-{table}-{report.period.first}-{report.period.last}"
    return csv_response(f"{name}.csv", header, rows)


@signed_in
async def value(request: Request) -> Response:
    page = await service.value_page(db(request), current_user(request), _choice(request))
    return await _report(request, "value", page, shown_advocates=service.VALUE_SHOWN)


@signed_in
async def export_value(request: Request) -> Response:
    """The value tables as CSV, for the same period and group as the page."""
    choice, table = _choice(request), request.path_params["table"]
    report = (
        await service.value_page(db(request), current_user(request), choice, every_name=True)
    ).report
    header: list[str]
    rows: list[list[object]]
    if table == "kinds":
        header = ["kind", "acts", "value_each", "value"]
        rows = [
            [k.label, k.acts, "" if k.each is None else k.each, k.value] for k in report.by_kind
        ]
        rows.append(["Rewards redeemed (cost)", report.redeemed_points, "", -report.cost])
    elif table == "advocates":
        header = ["advocate", "acts", "value"]
        rows = [[a.name, a.acts, a.value] for a in report.by_advocate]
    else:
        raise NotFound()
    name = f"value-{table}-{report.period.first}-{report.period.last}"
    return csv_response(f"{name}.csv", header, rows)


def _settings_context(form: FormState) -> dict[str, object]:
    return {"form": form, "kinds": [(k, service.kind_label(k)) for k in service.SETTING_KINDS]}


@signed_in
async def edit_value_settings(request: Request) -> Response:
    current = await service.value_settings(db(request), current_user(request))
    form = FormState(data={k: str(current.of(k)) for k in service.SETTING_KINDS})
    return render(request, "reports/value_settings.html", _settings_context(form))


@signed_in
async def save_value_settings(request: Request) -> Response:
    viewer = current_user(request)
    await service.value_settings(db(request), viewer)  # a 404 before reading anything else
    form = FormState.of(await request.form(), *service.SETTING_KINDS)
    values = {
        kind: form.number(
            kind,
            minimum=0,
            maximum=MAX_VALUE,
            message=f"Enter a whole number from 0 to {MAX_VALUE:,}.",
        )
        for kind in service.SETTING_KINDS
    }
    if not form.ok:
        return render(
            request, "reports/value_settings.html", _settings_context(form), status_code=422
        )
    await service.save_value_settings(
        db(request), viewer, {k: v for k, v in values.items() if v is not None}
    )
    flash(request, gettext("Values saved."))
    return redirect(request, "reports:value")


@signed_in
async def cohorts(request: Request) -> Response:
    page = await service.cohorts_page(db(request), current_user(request), _choice(request))
    return await _report(request, "cohorts", page)


@signed_in
async def export_cohorts(request: Request) -> Response:
    """The triangle as CSV: one row per cohort, the share engaged in each month after joining."""
    report = (
        await service.cohorts_page(db(request), current_user(request), _choice(request))
    ).cohorts
    header = ["joined", "advocates", *(f"month_{n}_percent" for n in range(report.offsets))]
    rows = [
        [f"{c.month:%Y-%m}", c.size, *(round(share * 100, 1) for share in c.shares)]
        for c in report.cohorts
    ]
    name = f"cohorts-{report.months[0]:%Y-%m}-{report.months[-1]:%Y-%m}"
    return csv_response(f"{name}.csv", header, rows)


@signed_in
async def rewards(request: Request) -> Response:
    page = await service.rewards_page(db(request), current_user(request), _choice(request))
    return await _report(request, "rewards", page)


@signed_in
async def export_rewards(request: Request) -> Response:
    """One of the rewards tables as CSV, for the same period and group as the page."""
    choice, table = _choice(request), request.path_params["table"]
    report = (await service.rewards_page(db(request), current_user(request), choice)).report
    header: list[str]
    rows: list[list[object]]
    if table in ("status", "kind"):
        header = [table, "redemptions", "points_spent"]
        counts = report.by_status if table == "status" else report.by_kind
        rows = [[c.label, c.redemptions, c.points] for c in counts]
    elif table == "pools":
        header = ["reward", "active", "codes", "remaining"]
        rows = [
            [p.title, "yes" if p.is_active else "no", p.codes, p.remaining] for p in report.pools
        ]
    else:
        raise NotFound()
    name = f"rewards-{table}-{report.period.first}-{report.period.last}"
    return csv_response(f"{name}.csv", header, rows)


@signed_in
async def subscribe(request: Request) -> Response:
    """Switches the weekly summary email on or off for the viewer, back to the overview."""
    on = (await request.form()).get("subscribe") == "on"
    await service.subscribe_to_summary(db(request), current_user(request), on=on)
    flash(
        request, "You'll get the program summary every Monday." if on else "Summary emails stopped."
    )
    return redirect(request, "reports:overview")


routes = [
    Route("/", overview, methods=["GET"], name="overview"),
    Route("/overview/{table:str}.csv", export_overview, methods=["GET"], name="overview_csv"),
    Route("/funnel", funnel, methods=["GET"], name="funnel"),
    Route("/funnel/{table:str}.csv", export_funnel, methods=["GET"], name="funnel_csv"),
    Route("/engagement", engagement, methods=["GET"], name="engagement"),
    Route("/engagement/{table:str}.csv", export_engagement, methods=["GET"], name="engagement_csv"),
    Route("/value", value, methods=["GET"], name="value"),
    Route("/value/{table:str}.csv", export_value, methods=["GET"], name="value_csv"),
    Route("/cohorts", cohorts, methods=["GET"], name="cohorts"),
    Route("/cohorts.csv", export_cohorts, methods=["GET"], name="cohorts_csv"),
    Route("/rewards", rewards, methods=["GET"], name="rewards"),
    Route("/rewards/{table:str}.csv", export_rewards, methods=["GET"], name="rewards_csv"),
    Route("/summary", subscribe, methods=["POST"], name="subscribe"),
    Route("/value/settings", edit_value_settings, methods=["GET"], name="value_settings"),
    Route("/value/settings", save_value_settings, methods=["POST"], name="save_value_settings"),
]
