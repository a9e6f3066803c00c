"""The People table's bulk actions: a confirmation that states the count, then the action,
in the request for a few people and as a run of jobs with a progress page for many."""

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.directory import audience, bulk, bulk_runs, forms, message
from portal.directory.models import BulkRunStatus
from portal.errors import NotFound
from portal.groups import service as groups
from portal.people import service as people
from portal.people.access import current_user, staff_of_program
from portal.web import db, flash, redirect, redirect_to, render


def table_url(request: Request, view: str) -> str:
    base = str(request.url_for("people:list"))
    return f"{base}?{view}" if view else base


async def _bulk_request(
    request: Request, form: forms.BulkForm
) -> tuple[bulk.BulkRequest | None, bulk.Targets]:
    """What the form asks for, the query of the ids it targets and how many they are, or None
    with errors on the form. The ids stay a query: a filtered set can be everyone."""
    session = db(request)
    group = None
    if form.group_id is not None:
        try:
            group = await groups.access_group(session, form.group_id)
        except NotFound:
            form.state.add_error("group", "Choose a group.")
    targets = await bulk.targets(
        session,
        everyone=form.everyone,
        chosen=audience.filter_of(form.view),
        user_ids=form.user_ids,
    )
    if not targets.count and form.state.ok:
        form.state.add_error(None, "Nobody matches: there is nobody to act on.")
    if not form.state.ok or form.action is None:
        return None, targets
    reason = form.state.value("reason")
    return bulk.BulkRequest(form.action, group, form.points, reason), targets


def _confirm_page(
    request: Request, form: forms.BulkForm, extra: Mapping[str, object], *, status_code: int
) -> Response:
    context = {
        "form": form.state,
        "bulk": form,
        "actions": list(bulk.BulkAction),
        "back": table_url(request, form.view),
        "question": None,
        "count": 0,
        **extra,
    }
    return render(request, "directory/bulk_confirm.html", context, status_code=status_code)


@staff_of_program
async def bulk_confirm(request: Request) -> Response:
    """Step one: says what will happen to how many people, and asks to confirm (a message is
    written on its own page, which states the count)."""
    form = forms.bulk_form(await request.form())
    if form.action is bulk.BulkAction.SEND_MESSAGE and form.state.ok:
        chosen = audience.ChosenPeople(
            "all" if form.everyone else "selected", form.view, tuple(form.user_ids)
        )
        return await message.compose_page(request, message.blank_form(), chosen)
    wanted, targets = await _bulk_request(request, form)
    groups_list = await people.list_groups(db(request))
    if wanted is None:
        return _confirm_page(request, form, {"groups": groups_list}, status_code=422)
    form.state.data["action_key"] = bulk.new_action_key()
    count = targets.count
    extra = {"groups": groups_list, "question": wanted.describe(count), "count": count}
    return _confirm_page(request, form, extra, status_code=200)


@staff_of_program
async def bulk_run(request: Request) -> Response:
    """Step two: does it, once per person however often it is confirmed: here for a few
    people, by jobs for more (then the run's page follows it)."""
    form = forms.bulk_form(await request.form())
    key = forms.confirmed_key(form)
    if key is None:
        form.state.add_error(None, "Confirm the action on its confirmation page.")
    if form.action is bulk.BulkAction.SEND_MESSAGE:
        form.state.add_error("action", "Write the message on its own page.")
    wanted, targets = await _bulk_request(request, form)
    if wanted is None or key is None:
        groups_list = await people.list_groups(db(request))
        return _confirm_page(request, form, {"groups": groups_list}, status_code=422)
    staff = current_user(request)
    if targets.count > bulk_runs.INLINE_LIMIT:
        run = await bulk_runs.start_run(
            db(request),
            staff=staff,
            request=wanted,
            people=targets.ids,
            action_key=key,
            view=form.view,
        )
        return redirect(request, "people:bulk_progress", run_id=run.id)
    user_ids = await targets.listed(db(request))
    outcome = await bulk.run_bulk(
        db(request), staff=staff, request=wanted, user_ids=user_ids, action_key=key
    )
    flash(request, outcome.summary(), "success" if outcome.done else "error")
    return redirect_to(request, table_url(request, form.view))


@staff_of_program
async def bulk_progress(request: Request) -> Response:
    run = await bulk_runs.access_run(db(request), request.path_params["run_id"])
    context = {
        "run": run,
        "outcome": bulk_runs.outcome_of(run),
        "running": run.status == BulkRunStatus.RUNNING,
        "back": table_url(request, run.view),
        "label": bulk.BulkAction(run.action).label,
    }
    return render(
        request, "directory/bulk_progress.html", context, partial="directory/_bulk_run.html"
    )


routes = [
    Route("/bulk", bulk_confirm, methods=["POST"], name="bulk"),
    Route("/bulk/run", bulk_run, methods=["POST"], name="bulk_run"),
    Route("/bulk/runs/{run_id:int}", bulk_progress, methods=["GET"], name="bulk_progress"),
]
