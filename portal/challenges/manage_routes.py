"""Manage → Challenges (create, edit, duplicate, archive, preview, results with CSV) and
Manage → Approvals (the queue of pending entries, one by one or in bulk)."""

import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import translations
from portal.challenges import forms, service, share
from portal.challenges.models import ChallengeStatus, ChallengeType, Submission
from portal.challenges.routes import personal_link
from portal.content import service as content
from portal.content.models import AssetKind
from portal.csv import csv_response
from portal.errors import NotFound, PortalError
from portal.files.web import file_response, storage
from portal.forms import FormState, form_text, ids, query_number
from portal.i18n import gettext
from portal.people import service as people
from portal.people.access import current_user, staff_of_program
from portal.templating import request_zone
from portal.trust import service as trust
from portal.web import db, flash, flash_outcome, redirect, render


@staff_of_program
async def challenge_list(request: Request) -> Response:
    raw = request.query_params.get("status", "")
    status = ChallengeStatus(raw) if raw in set(ChallengeStatus) else None
    rows = await service.list_for_staff(db(request), status=status)
    context = {"rows": rows, "status": raw if status else "", "statuses": list(ChallengeStatus)}
    return render(request, "challenges/manage_list.html", context)


async def _edit_page(
    request: Request,
    form: forms.ChallengeForm,
    *,
    challenge_id: int | None,
    status_code: int = 200,
    only_type_fields: bool = False,
) -> Response:
    """The whole form; for htmx after the type changed, only that type's fields."""
    context = {
        "form": form.state,
        "questions": form.questions,
        "question_kinds": forms.QUESTION_KINDS,
        "challenge_id": challenge_id,
        "type_options": [(t.value, t.label) for t in ChallengeType],
        "groups": await people.list_groups(db(request)),
        "assets": await _asset_choices(request),
        "translated_fields": forms.TRANSLATED,
        "translation_languages": translations.targets(request.state.program.language_code),
    }
    partial = "challenges/_type_fields.html" if only_type_fields else None
    return render(
        request, "challenges/manage_edit.html", context, partial=partial, status_code=status_code
    )


async def _asset_choices(request: Request) -> list[forms.AssetChoice]:
    """Published content items, for watch_video and download_asset challenges."""
    return [
        forms.AssetChoice(id=a.id, title=a.title, is_video=a.kind == AssetKind.VIDEO)
        for a in await content.list_assets_for_staff(db(request))
        if a.is_published
    ]


@staff_of_program
async def new_challenge(request: Request) -> Response:
    """Step one chooses the type (a GET form: it works without JavaScript); step two is the
    form with that type's fields."""
    kind = request.query_params.get("type", "")
    if kind not in set(ChallengeType):
        context = {"types": list(ChallengeType), "hints": forms.TYPE_HINTS}
        return render(request, "challenges/manage_new_type.html", context)
    return await _edit_page(request, forms.new_form(ChallengeType(kind)), challenge_id=None)


@staff_of_program
async def edit_challenge(request: Request) -> Response:
    challenge = await service.access_challenge_for_staff(
        db(request), request.path_params["challenge_id"]
    )
    return await _edit_page(
        request, forms.form_of(challenge, request_zone(request)), challenge_id=challenge.id
    )


@staff_of_program
async def save_challenge(request: Request) -> Response:
    challenge_id = request.path_params.get("challenge_id")
    if challenge_id is not None:
        await service.access_challenge_for_staff(db(request), challenge_id)
    form = forms.challenge_form(
        await request.form(),
        await _asset_choices(request),
        zone=request_zone(request),
        language=request.state.program.language_code,
    )
    if form.editing_questions or form.changing_type:
        return await _edit_page(
            request, form, challenge_id=challenge_id, only_type_fields=form.changing_type
        )
    if form.values is None:
        return await _edit_page(request, form, challenge_id=challenge_id, status_code=422)
    challenge = await service.save_challenge(
        db(request), staff=current_user(request), values=form.values, challenge_id=challenge_id
    )
    flash(
        request,
        gettext("%(title)s saved (%(status)s).")
        % {"title": challenge.title, "status": challenge.status},
    )
    return redirect(request, "manage_challenges:edit", challenge_id=challenge.id)


@staff_of_program
async def duplicate(request: Request) -> Response:
    copy = await service.duplicate_challenge(
        db(request), staff=current_user(request), challenge_id=request.path_params["challenge_id"]
    )
    flash(request, gettext("Duplicated as a draft: adjust it and publish when ready."))
    return redirect(request, "manage_challenges:edit", challenge_id=copy.id)


@staff_of_program
async def archive(request: Request) -> Response:
    challenge = await service.archive_challenge(
        db(request), staff=current_user(request), challenge_id=request.path_params["challenge_id"]
    )
    flash(
        request,
        gettext("%(title)s is archived: nobody can enter it any more.")
        % {"title": challenge.title},
    )
    return redirect(request, "manage_challenges:list")


@staff_of_program
async def preview(request: Request) -> Response:
    view = await service.preview_challenge(
        db(request), staff=current_user(request), challenge_id=request.path_params["challenge_id"]
    )
    context = {
        "view": view,
        "form": FormState(data={"key": ""}),
        "result": "",
        "link": personal_link(request),
        "networks": share.LABELS,
        "preview": True,
    }
    return render(request, "challenges/detail.html", context)


@staff_of_program
async def results(request: Request) -> Response:
    challenge = await service.access_challenge_for_staff(
        db(request), request.path_params["challenge_id"]
    )
    stats = (await service.stats_by_challenge(db(request), [challenge.id])).get(
        challenge.id, service.Stats()
    )
    submissions = await service.submissions_of(db(request), challenge)
    context = {"challenge": challenge, "stats": stats, "submissions": submissions}
    return render(request, "challenges/results.html", context)


def proof_text(response: dict[str, object]) -> str:
    """An entry's proof as one line of text (the CSV, and the queue's summary)."""
    if "answers" in response and isinstance(response["answers"], list):
        parts = []
        for item in response["answers"]:
            answer = item.get("answer", "")
            shown = ", ".join(answer) if isinstance(answer, list) else str(answer)
            parts.append(f"{item.get('question', '')}: {shown}")
        return " | ".join(parts)
    if "image" in response:
        return f"image {response.get('filename', '')} {response.get('text', '')}".strip()
    if "asset_id" in response:
        return "watched" if response.get("watched") else "downloaded"
    for key in ("proof_url", "text", "network", "company"):
        if response.get(key):
            return str(response[key])
    return "RSVP" if response.get("rsvp") else ""


@staff_of_program
async def results_csv(request: Request) -> Response:
    challenge = await service.access_challenge_for_staff(
        db(request), request.path_params["challenge_id"]
    )
    submissions = await service.submissions_of(db(request), challenge)
    header = ["id", "submitted", "advocate", "email", "status", "points", "proof", "feedback"]
    rows = [
        [
            s.id,
            s.created_at.isoformat(timespec="minutes"),
            s.user.display_name,
            s.user.email,
            s.status,
            s.points if s.status == "approved" else 0,
            proof_text(s.response),
            s.feedback,
        ]
        for s in submissions
    ]
    return csv_response(f"challenge-{challenge.id}-submissions.csv", header, rows)


# --- the approval queue ----------------------------------------------------------------------


def _challenge_filter(request: Request) -> int | None:
    return query_number(request.query_params, "challenge", minimum=1)


@staff_of_program
async def queue(request: Request) -> Response:
    challenge_id = _challenge_filter(request)
    submissions = await service.approval_queue(db(request), challenge_id=challenge_id)
    context = {
        "submissions": submissions,
        "trust": await trust.scores_of(db(request), (s.user_id for s in submissions)),
        "pending_by_challenge": await service.challenges_with_pending(db(request)),
        "challenge_id": challenge_id,
        "proof_text": proof_text,
    }
    return render(request, "challenges/queue.html", context, partial="challenges/_queue.html")


@staff_of_program
async def proof_image(request: Request) -> Response:
    submission = await service.access_submission(db(request), request.path_params["submission_id"])
    image = submission.response.get("image")
    if not image:
        raise NotFound()
    return await file_response(
        request,
        storage(request),
        name=str(image),
        content_type=str(submission.response.get("content_type", "application/octet-stream")),
        filename=str(submission.response.get("filename", "proof")),
        inline=True,
    )


def _back(challenge: str) -> dict[str, str] | None:
    return {"challenge": challenge} if re.fullmatch(r"[0-9]{1,9}", challenge) else None


async def _decide(request: Request, decide: Callable[..., Awaitable[Submission]]) -> Response:
    """Approves or rejects one entry, tells the marketer how it went and goes back to the
    queue they came from."""
    form = await request.form()
    await flash_outcome(
        request,
        lambda: decide(
            db(request),
            staff=current_user(request),
            submission_id=request.path_params["submission_id"],
            feedback=form_text(form, "feedback", max_length=forms.MAX_FEEDBACK),
        ),
        lambda done: f"Entry #{done.id} is {done.status}.",
    )
    return redirect(request, "approvals:queue", query=_back(str(form.get("back", ""))))


@staff_of_program
async def approve(request: Request) -> Response:
    return await _decide(request, service.approve_submission)


@staff_of_program
async def reject(request: Request) -> Response:
    return await _decide(request, service.reject_submission)


@staff_of_program
async def bulk(request: Request) -> Response:
    form = await request.form()
    chosen = sorted(ids(form, "ids"))
    approve = form.get("action") == "approve"
    try:
        result = await service.decide_many(
            db(request),
            staff=current_user(request),
            submission_ids=chosen,
            approve=approve,
            feedback=form_text(form, "feedback", max_length=forms.MAX_FEEDBACK),
        )
    except PortalError as error:
        flash(request, error.message, "error")
    else:
        verb = "approved" if approve else "rejected"
        message = f"{result.done} entr{'y' if result.done == 1 else 'ies'} {verb}."
        if result.skipped:
            message += " Already decided, left as they were: " + ", ".join(result.skipped)
        flash(request, message)
    return redirect(request, "approvals:queue", query=_back(str(form.get("back", ""))))


routes = [
    Route("/", challenge_list, methods=["GET"], name="list"),
    Route("/new", new_challenge, methods=["GET"], name="new"),
    Route("/new", save_challenge, methods=["POST"], name="create"),
    Route("/{challenge_id:int}", edit_challenge, methods=["GET"], name="edit"),
    Route("/{challenge_id:int}", save_challenge, methods=["POST"], name="save"),
    Route("/{challenge_id:int}/duplicate", duplicate, methods=["POST"], name="duplicate"),
    Route("/{challenge_id:int}/archive", archive, methods=["POST"], name="archive"),
    Route("/{challenge_id:int}/preview", preview, methods=["GET"], name="preview"),
    Route("/{challenge_id:int}/results", results, methods=["GET"], name="results"),
    Route("/{challenge_id:int}/results.csv", results_csv, methods=["GET"], name="results_csv"),
]

approval_routes = [
    Route("/", queue, methods=["GET"], name="queue"),
    Route("/bulk", bulk, methods=["POST"], name="bulk"),
    Route("/{submission_id:int}/image", proof_image, methods=["GET"], name="image"),
    Route("/{submission_id:int}/approve", approve, methods=["POST"], name="approve"),
    Route("/{submission_id:int}/reject", reject, methods=["POST"], name="reject"),
]
