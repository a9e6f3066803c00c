"""Manage → Reports (marketers and admins; anyone else gets a 404)."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.clock import utcnow
from portal.csv import csv_response
from portal.errors import NotFound
from portal.people.access import current_user, signed_in
from portal.reports import periods, service
from portal.web import db, render


def _percent(fraction: float | None) -> float | str:
    """A number (a negative change must stay a number, not text behind the formula guard)."""
    return "" if fraction is None else round(fraction * 100, 1)


@signed_in
async def overview(request: Request) -> Response:
    form, choice = periods.parse(request.query_params, today=utcnow().date())
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
    _, choice = periods.parse(request.query_params, today=utcnow().date())
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
    form, choice = periods.parse(request.query_params, today=utcnow().date())
    page = await service.funnel_page(db(request), current_user(request), choice)
    context = {
        "form": form,
        "choice": choice,
        "page": page,
        "spans": list(periods.Span),
        "breakdowns": service.BREAKDOWNS,
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
    _, choice = periods.parse(request.query_params, today=utcnow().date())
    page = await service.funnel_page(db(request), current_user(request), choice)
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


routes = [
    Route("/", overview, methods=["GET"], name="overview"),
    Route("/overview/{table:str}.csv", export_overview, methods=["GET"], name="overview_csv"),
    Route("/funnel", funnel, methods=["GET"], name="funnel"),
    Route("/funnel/{table:str}.csv", export_funnel, methods=["GET"], name="funnel_csv"),
]
