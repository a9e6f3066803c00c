"""Manage → Rewards → Fulfilment queue: one redemption at a time, many at once (ticked, or all
the filters match, after a confirmation that states the count), the CSV export, and tracking
numbers imported from a CSV file."""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.csv import csv_response
from portal.errors import PortalError
from portal.forms import form_text, ids
from portal.i18n import N_, gettext
from portal.people.access import current_user, staff_of_program
from portal.request_body import accepts_upload, list_mb
from portal.rewards import forms, service
from portal.rewards.models import Redemption, RedemptionStatus, RewardKind
from portal.rewards.service.bulk import (
    BulkAction,
    RowError,
    TrackingRefused,
    act_on_many,
    import_tracking,
    queue_ids,
)
from portal.trust import service as trust
from portal.web import db, flash, flash_outcome, redirect, render

# The queue's status filter: what needs work (the default), everything, or one status.
QUEUE_VIEWS = {
    "open": (N_("Needs work (requested, approved)"), service.NEEDS_WORK),
    "all": (N_("Any status"), None),
    "requested": (N_("Requested"), (RedemptionStatus.REQUESTED,)),
    "approved": (N_("Approved"), (RedemptionStatus.APPROVED,)),
    "fulfilled": (N_("Fulfilled"), (RedemptionStatus.FULFILLED,)),
    "rejected": (N_("Rejected"), (RedemptionStatus.REJECTED,)),
    "cancelled": (N_("Cancelled"), (RedemptionStatus.CANCELLED,)),
}


def _queue_filters(request: Request, given: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """The status and kind filters, from the query string or (`given`) a posted form."""
    params = request.query_params if given is None else given
    status = str(params.get("status", ""))
    kind = str(params.get("kind", ""))
    return (
        status if status in QUEUE_VIEWS else "open",
        kind if kind in set(RewardKind) else "",
    )


async def _queue(request: Request) -> tuple[str, str, list[Redemption]]:
    status, kind = _queue_filters(request)
    redemptions = await service.fulfilment_queue(
        db(request),
        statuses=QUEUE_VIEWS[status][1],
        kind=RewardKind(kind) if kind else None,
    )
    return status, kind, redemptions


async def _matching_ids(request: Request, status: str, kind: str) -> list[int]:
    return await queue_ids(
        db(request), statuses=QUEUE_VIEWS[status][1], kind=RewardKind(kind) if kind else None
    )


async def _queue_context(request: Request) -> dict[str, object]:
    status, kind, redemptions = await _queue(request)
    return {
        "redemptions": redemptions,
        "trust": await trust.scores_of(db(request), (r.user_id for r in redemptions)),
        "status": status,
        "kind": kind,
        "statuses": [(key, label) for key, (label, _) in QUEUE_VIEWS.items()],
        "kinds": list(RewardKind),
        "actions": list(BulkAction),
        "matching": len(await _matching_ids(request, status, kind)),
    }


@staff_of_program
async def queue(request: Request) -> Response:
    context = await _queue_context(request)
    return render(request, "rewards/queue.html", context, partial="rewards/_queue_table.html")


@staff_of_program
async def queue_csv(request: Request) -> Response:
    _, _, redemptions = await _queue(request)
    header = [
        "id",
        "requested",
        "status",
        "reward",
        "kind",
        "cost",
        "advocate",
        "email",
        "ship to",
        "street",
        "city",
        "postal code",
        "country",
        "phone",
        "tracking",
    ]
    rows = [
        [
            r.id,
            r.created_at.isoformat(timespec="minutes"),
            r.status,
            r.reward.title,
            r.reward.kind,
            r.cost,
            r.user.display_name,
            r.user.email,
            *[(r.shipping or {}).get(k, "") for k in service.SHIPPING_FIELDS],
            r.tracking_note,
        ]
        for r in redemptions
    ]
    return csv_response("redemptions.csv", header, rows)


async def _decide(
    request: Request, decide: Callable[..., Awaitable[Redemption]], note_as: str | None = None
) -> Response:
    """Approves, rejects or fulfils one redemption (the note, when the decision takes one, goes
    in as `note_as`), tells the marketer how it went and goes back to the queue they came from."""
    form = await request.form()
    note = {note_as: form_text(form, "note", max_length=forms.MAX_NOTE)} if note_as else {}
    await flash_outcome(
        request,
        lambda: decide(
            db(request),
            staff=current_user(request),
            redemption_id=request.path_params["redemption_id"],
            **note,
        ),
        lambda done: f"Redemption #{done.id} is now {done.status}.",
    )
    return redirect(
        request,
        "manage_rewards:queue",
        query={"status": str(form.get("back", ""))} if form.get("back") else None,
    )


@staff_of_program
async def approve(request: Request) -> Response:
    return await _decide(request, service.approve_redemption)


@staff_of_program
async def reject(request: Request) -> Response:
    return await _decide(request, service.reject_redemption, note_as="reason")


@staff_of_program
async def fulfil(request: Request) -> Response:
    return await _decide(request, service.fulfil_redemption, note_as="tracking_note")


def _back_to_queue(request: Request, status: str, kind: str) -> Response:
    return redirect(
        request,
        "manage_rewards:queue",
        query={k: v for k, v in (("status", status), ("kind", kind)) if v},
    )


@staff_of_program
async def bulk(request: Request) -> Response:
    """Step one names the redemptions (ticked, or every one the filters match) and asks to
    confirm with the count; step two (`confirmed`) acts on exactly those."""
    form = await request.form()
    status, kind = _queue_filters(request, form)
    action = str(form.get("action", ""))
    note = form_text(form, "note", max_length=forms.MAX_NOTE)
    if action not in set(BulkAction):
        flash(request, gettext("Choose what to do with the redemptions."), "error")
        return _back_to_queue(request, status, kind)
    chosen = (
        await _matching_ids(request, status, kind)
        if form.get("scope") == "all"
        else sorted(ids(form, "ids"))
    )
    if not form.get("confirmed"):
        problem = (
            "Tick the redemptions to act on, or act on all shown."
            if not chosen
            else "Say why: the advocates see the reason."
            if action == BulkAction.DECLINE and not note
            else None
        )
        if problem:
            flash(request, problem, "error")
            return _back_to_queue(request, status, kind)
        context = {
            "action": BulkAction(action),
            "note": note,
            "chosen": chosen,
            "status": status,
            "kind": kind,
        }
        return render(request, "rewards/bulk_confirm.html", context)
    await flash_outcome(
        request,
        lambda: act_on_many(
            db(request),
            staff=current_user(request),
            redemption_ids=chosen,
            action=BulkAction(action),
            note=note,
        ),
        lambda done: (
            f"{done.done} {'redemption' if done.done == 1 else 'redemptions'} "
            f"{BulkAction(action).done}."
            + (
                f" Skipped, already handled: {', '.join(done.skipped[:20])}."
                if done.skipped
                else ""
            )
        ),
    )
    return _back_to_queue(request, status, kind)


def _tracking_refused(
    request: Request, problem: str, errors: list[RowError] | None = None
) -> Response:
    context = {"errors": errors or [], "problem": problem}
    return render(request, "rewards/tracking.html", context, status_code=422)


@staff_of_program
async def tracking_page(request: Request) -> Response:
    return render(request, "rewards/tracking.html", {"errors": [], "problem": None})


@staff_of_program
@accepts_upload(list_mb)
async def tracking_import(request: Request) -> Response:
    """All rows or none: a file with a bad row writes nothing and lists each row's problem."""
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _tracking_refused(request, "Choose a CSV file to import.")
    text = (await upload.read()).decode("utf-8", errors="replace")
    try:
        fulfilled = await import_tracking(db(request), staff=current_user(request), text=text)
    except TrackingRefused as refused:
        return _tracking_refused(request, refused.message, refused.errors)
    except PortalError as error:
        return _tracking_refused(request, error.message)
    flash(
        request,
        f"{fulfilled} {'redemption' if fulfilled == 1 else 'redemptions'} marked fulfilled "
        "with their tracking numbers; the advocates were told.",
    )
    return redirect(request, "manage_rewards:queue")


routes = [
    Route("/queue", queue, methods=["GET"], name="queue"),
    Route("/queue.csv", queue_csv, methods=["GET"], name="queue_csv"),
    Route("/queue/bulk", bulk, methods=["POST"], name="bulk"),
    Route("/queue/tracking", tracking_page, methods=["GET"], name="tracking"),
    Route("/queue/tracking", tracking_import, methods=["POST"], name="tracking_import"),
    Route("/queue/{redemption_id:int}/approve", approve, methods=["POST"], name="approve"),
    Route("/queue/{redemption_id:int}/reject", reject, methods=["POST"], name="reject"),
    Route("/queue/{redemption_id:int}/fulfil", fulfil, methods=["POST"], name="fulfil"),
]
