"""The sales pipeline: a kanban board and a table with filters (and their CSV export), and one
referral's page where a rep claims or assigns it, moves its stage, sets the deal value and
keeps internal notes. Moving a won referral back first asks for confirmation and a reason.
Marketers see the board, the table, the timelines and the export read-only: only sales reps
and admins act, and only they read the internal notes."""

from collections.abc import Mapping

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import i18n
from portal.clock import utcnow
from portal.csv import csv_response
from portal.errors import PortalError
from portal.forms import MAX_SEARCH, FormState, query_number, query_text
from portal.i18n import N_, gettext, ngettext
from portal.people.access import current_user, requires
from portal.people.models import Role
from portal.referrals import forms, service
from portal.referrals.models import PIPELINE, CloseReason, Referral, Stage
from portal.trust import service as trust
from portal.web import db, flash, is_htmx, redirect, redirect_to, render, safe_next

sales_staff = requires(Role.SALES, Role.ADMIN)
pipeline_readers = requires(Role.SALES, Role.ADMIN, Role.MARKETER)
OWNERS = [("anyone", N_("Anyone")), ("mine", N_("Mine")), ("unassigned", N_("Unassigned"))]
AGES = [
    ("", N_("Any age")),
    ("7", N_("Last 7 days")),
    ("30", N_("Last 30 days")),
    ("90", N_("Last 90 days")),
]
QUIET = ["7", "14", "30"]


def _quiet_options(chosen: str) -> list[tuple[str, str]]:
    """Quiet spans to filter on; a link from Home may bring the program's own."""
    days = sorted({*QUIET, chosen} - {""}, key=int)
    return [
        ("", N_("Any activity")),
        *[(d, gettext("Quiet %(days)s+ days") % {"days": d}) for d in days],
    ]


def _filters(params: QueryParams) -> tuple[service.PipelineFilter, dict[str, str]]:
    raw = {
        name: params.get(name, "").strip()
        for name in ("stage", "owner", "age", "referrer", "q", "flagged", "view", "quiet")
    }
    stage = Stage(raw["stage"]) if raw["stage"] in set(Stage) else None
    quiet = query_number(params, "quiet", minimum=1, maximum=3650)
    raw["quiet"] = str(quiet or "")
    owner = raw["owner"] if raw["owner"] in {"mine", "unassigned"} else "anyone"
    age = query_number(params, "age", minimum=1, maximum=3650)
    referrer = query_number(params, "referrer", minimum=1)
    raw["q"] = query_text(params, "q", max_length=MAX_SEARCH)
    raw["view"] = "table" if raw["view"] == "table" else "board"
    raw["owner"] = owner
    filters = service.PipelineFilter(
        stage=stage,
        owner=owner,
        max_age_days=age,
        referrer_id=referrer,
        search=raw["q"][:100],
        flagged=raw["flagged"] == "1",
        open_only=raw["stage"] == "open",
        quiet_days=quiet,
    )
    return filters, raw


def _move_context(referral: Referral, form: FormState | None = None) -> dict[str, object]:
    return {
        "referral": referral,
        "move_form": form or FormState(data={"stage": referral.stage}),
        "stages": list(Stage),
        "reasons": list(CloseReason),
    }


async def _card_context(request: Request) -> dict[str, object]:
    """What every card on the board needs besides its referral: the time to count ages from
    and the days after which an open referral is flagged as quiet."""
    config = await service.load_settings(db(request))
    return {"now": utcnow(), "quiet_after": config.stale_after_days}


@pipeline_readers
async def board(request: Request) -> Response:
    filters, raw = _filters(request.query_params)
    session = db(request)
    board = await service.pipeline_board(session, viewer=current_user(request), filters=filters)
    referrals = board.referrals

    def column(stage: Stage) -> tuple[Stage, list[Referral]]:
        return stage, [r for r in referrals if r.stage == stage]

    context = {
        **await _card_context(request),
        "referrals": referrals,
        "columns": [column(stage) for stage in PIPELINE if filters.shows(stage)],
        # Closed referrals need no work: their columns are folded under the board, with counts.
        "closed_columns": [
            column(stage) for stage in (Stage.LOST, Stage.REJECTED) if filters.shows(stage)
        ],
        "filters": raw,
        "stages": list(Stage),
        "reasons": list(CloseReason),
        "owners": OWNERS,
        "ages": AGES,
        "quiet": _quiet_options(raw["quiet"]),
        "referrers": board.referrers,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    return render(request, "pipeline/board.html", context, partial="pipeline/_results.html")


async def _detail_context(request: Request, referral: Referral) -> dict[str, object]:
    session = db(request)
    sales = current_user(request).has_role(Role.SALES, Role.ADMIN)
    return {
        **_move_context(referral),
        "notes": await service.list_notes(session, referral) if sales else [],
        "referrer_trust": await trust.score_of(session, referral.referrer_id),
        "origin": await service.load_origin(session, referral.id),
        "reps": await service.list_reps(session),
        "note_form": FormState(),
        "deal_form": FormState(
            data={"deal_value": "" if referral.deal_value is None else str(referral.deal_value)}
        ),
    }


@pipeline_readers
async def detail(request: Request) -> Response:
    referral = await service.access_referral(db(request), request.path_params["referral_id"])
    return render(request, "pipeline/detail.html", await _detail_context(request, referral))


EXPORT_HEADER = [
    "Prospect",
    "Email",
    "Company",
    "Job title",
    "Stage",
    "Referrer",
    "Referrer email",
    "Owner",
    "Deal value",
    "Submitted",
    "Last change",
    "Flags",
]


@pipeline_readers
async def export(request: Request) -> Response:
    """The referrals the filters select, as the board or table shows them, in a CSV."""
    filters, _ = _filters(request.query_params)
    referrals = await service.list_pipeline(
        db(request), viewer=current_user(request), filters=filters
    )
    rows = [
        [
            r.prospect_name,
            r.prospect_email,
            r.prospect_company,
            r.prospect_job_title,
            r.stage_label,
            r.referrer.display_name,
            r.referrer.email,
            r.owner.display_name if r.owner else "",
            "" if r.deal_value is None else r.deal_value,
            r.created_at.isoformat(),
            r.updated_at.isoformat(),
            " ".join(flag.label for flag in r.flag_list),
        ]
        for r in referrals
    ]
    return csv_response("referrals.csv", EXPORT_HEADER, rows)


def _back(request: Request, referral: Referral, target: str) -> Response:
    default = str(request.url_for("pipeline:detail", referral_id=referral.id).path)
    return redirect_to(request, safe_next(target, default))


@sales_staff
async def move(request: Request) -> Response:
    session = db(request)
    referral = await service.access_referral(session, request.path_params["referral_id"])
    form = await request.form()
    state, stage, reason = forms.move_form(form)
    target = FormState.of(form, "next").value("next")
    status = 422
    if stage is not None and state.ok:
        try:
            event = await service.move_referral(
                session,
                referral,
                to=stage,
                actor=current_user(request),
                reason=reason,
                note=state.value("note"),
            )
        except service.ReopenReasonRequired as error:
            # The first answer asks; only a confirmation sent without a reason is an error.
            asked = bool(form.get("confirm"))
            if asked:
                state.add_error("note", error.message)
            context = {**_move_context(referral, state), "here": target, "to": stage}
            return render(
                request,
                "pipeline/reopen.html",
                context,
                partial="pipeline/_reopen.html",
                status_code=422 if asked else 200,
            )
        except PortalError as error:
            state.add_error("stage", error.message)
            status = error.status_code
        else:
            message = gettext("%(name)s moved to %(stage)s.") % {
                "name": referral.prospect_name,
                "stage": gettext(stage.label),
            }
            if event.points:
                earned = ngettext(
                    "The advocate earned %(num)s point.",
                    "The advocate earned %(num)s points.",
                    event.points,
                )
                message += " " + earned % {"num": i18n.number(event.points)}
            if is_htmx(request) and target:
                context = {
                    **_move_context(referral),
                    **await _card_context(request),
                    "message": message,
                    "here": target,
                }
                return render(
                    request,
                    "pipeline/_card.html",
                    context,
                    trigger="pipeline-changed",
                )
            flash(request, message)
            return _back(request, referral, target)
    if is_htmx(request) and target:
        context = {**_move_context(referral, state), **await _card_context(request), "here": target}
        return render(request, "pipeline/_card.html", context, status_code=status)
    context = await _detail_context(request, referral)
    context["move_form"] = state
    return render(request, "pipeline/detail.html", context, status_code=status)


@sales_staff
async def claim(request: Request) -> Response:
    session = db(request)
    referral = await service.access_referral(session, request.path_params["referral_id"])
    me = current_user(request)
    rep = await service.access_rep(session, me.id)
    await service.assign_referral(session, referral, owner=rep, actor=me)
    target = FormState.of(await request.form(), "next").value("next")
    flash(
        request, gettext("%(prospect_name)s is yours.") % {"prospect_name": referral.prospect_name}
    )
    return _back(request, referral, target)


@sales_staff
async def assign(request: Request) -> Response:
    session = db(request)
    referral = await service.access_referral(session, request.path_params["referral_id"])
    _, owner_id = forms.owner_form(await request.form())
    owner = await service.access_rep(session, owner_id) if owner_id is not None else None
    try:
        await service.assign_referral(
            session,
            referral,
            owner=owner,
            actor=current_user(request),
        )
    except service.NotASalesRep as error:
        flash(request, error.message, "error")
        context = await _detail_context(request, referral)
        return render(request, "pipeline/detail.html", context, status_code=422)
    who = owner.display_name if owner else gettext("nobody")
    flash(
        request,
        gettext("%(prospect_name)s now belongs to %(who)s.")
        % {"prospect_name": referral.prospect_name, "who": who},
    )
    return redirect(request, "pipeline:detail", referral_id=referral.id)


@sales_staff
async def deal(request: Request) -> Response:
    session = db(request)
    referral = await service.access_referral(session, request.path_params["referral_id"])
    state, value = forms.deal_form(await request.form())
    if not state.ok:
        context = await _detail_context(request, referral)
        context["deal_form"] = state
        return render(request, "pipeline/detail.html", context, status_code=422)
    await service.set_deal_value(session, referral, value=value, actor=current_user(request))
    flash(request, gettext("Deal value saved."))
    return redirect(request, "pipeline:detail", referral_id=referral.id)


@sales_staff
async def add_note(request: Request) -> Response:
    session = db(request)
    referral = await service.access_referral(session, request.path_params["referral_id"])
    state = forms.note_form(await request.form())
    if state.ok:
        await service.add_note(
            session, referral, author=current_user(request), body=state.value("body")
        )
        if not is_htmx(request):
            flash(request, gettext("Note added."))
            return redirect(request, "pipeline:detail", referral_id=referral.id)
    context: Mapping[str, object] = {
        "referral": referral,
        "notes": await service.list_notes(session, referral),
        "note_form": state if not state.ok else FormState(),
    }
    if is_htmx(request):
        return render(
            request, "pipeline/_notes.html", context, status_code=200 if state.ok else 422
        )
    full = await _detail_context(request, referral)
    full["note_form"] = state
    return render(request, "pipeline/detail.html", full, status_code=422)


@sales_staff
async def clear_flags(request: Request) -> Response:
    session = db(request)
    referral = await service.access_referral(session, request.path_params["referral_id"])
    try:
        released = await service.clear_flags(session, referral, actor=current_user(request))
    except service.NotFlagged as error:
        flash(request, error.message, "error")
    else:
        message = gettext("Flags cleared on %(name)s.") % {"name": referral.prospect_name}
        if released:
            paid = ngettext(
                "The advocate's %(num)s pending point is paid.",
                "The advocate's %(num)s pending points are paid.",
                released,
            )
            message += " " + paid % {"num": i18n.number(released)}
        flash(request, message)
    return redirect(request, "pipeline:detail", referral_id=referral.id)


routes = [
    Route("/", board, methods=["GET"], name="board"),
    Route("/export.csv", export, methods=["GET"], name="export"),
    Route("/{referral_id:int}", detail, methods=["GET"], name="detail"),
    Route("/{referral_id:int}/move", move, methods=["POST"], name="move"),
    Route("/{referral_id:int}/claim", claim, methods=["POST"], name="claim"),
    Route("/{referral_id:int}/assign", assign, methods=["POST"], name="assign"),
    Route("/{referral_id:int}/deal", deal, methods=["POST"], name="deal"),
    Route("/{referral_id:int}/notes", add_note, methods=["POST"], name="add_note"),
    Route("/{referral_id:int}/clear-flags", clear_flags, methods=["POST"], name="clear_flags"),
]
