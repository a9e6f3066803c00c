"""The advocate's Challenges: the tabs, a challenge's page with its entry form, sharing,
dismissing and restoring."""

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import links
from portal.challenges import calendar, forms, service, share
from portal.challenges.models import ChallengeType, Submission, SubmissionStatus
from portal.errors import NotFound
from portal.files.storage import iterate_file
from portal.files.uploads import Upload
from portal.files.web import storage
from portal.forms import FormState, form_text
from portal.i18n import _
from portal.people.access import current_user, signed_in
from portal.points import service as points
from portal.request_body import accepts_upload, image_mb
from portal.web import db, flash, is_htmx, redirect, redirect_to, render, settings


def _tab(request: Request) -> service.Tab:
    raw = request.query_params.get("tab", "")
    return service.Tab(raw) if raw in set(service.Tab) else service.Tab.AVAILABLE


@signed_in
async def list_challenges(request: Request) -> Response:
    tab = _tab(request)
    raw_type = request.query_params.get("type", "")
    kind = ChallengeType(raw_type) if raw_type in set(ChallengeType) else None
    cards = await service.cards(db(request), viewer=current_user(request), tab=tab, type=kind)
    context = {
        "cards": cards,
        "tab": tab,
        "tabs": list(service.Tab),
        "type": raw_type if kind else "",
        "types": list(ChallengeType),
    }
    return render(request, "challenges/list.html", context, partial="challenges/_list.html")


def personal_link(request: Request) -> str:
    return links.absolute_url("referrals:landing", code=current_user(request).referral_code)


async def _detail(
    request: Request,
    *,
    form: FormState | None = None,
    result: str = "",
    status_code: int = 200,
    view: service.ChallengeView | None = None,
) -> Response:
    if view is None:
        view = await service.access_challenge(
            db(request),
            viewer=current_user(request),
            challenge_id=request.path_params["challenge_id"],
        )
    context = {
        "view": view,
        "form": form or FormState(data={"key": forms.new_key()}),
        "result": result,
        "link": personal_link(request),
        "networks": share.LABELS,
        "preview": False,
    }
    return render(
        request,
        "challenges/detail.html",
        context,
        partial="challenges/_submission_form.html",
        status_code=status_code,
        trigger="points-changed" if points.earned_by(db(request), current_user(request)) else None,
    )


@signed_in
async def show_challenge(request: Request) -> Response:
    return await _detail(request)


@signed_in
async def event_calendar(request: Request) -> Response:
    """The event of an `attend_event` challenge the person may see, as an .ics download."""
    view = await service.access_challenge(
        db(request), viewer=current_user(request), challenge_id=request.path_params["challenge_id"]
    )
    ics = calendar.event_ics(view.challenge, host=links.host())
    if view.challenge.type != ChallengeType.ATTEND_EVENT or ics is None:
        raise NotFound()
    disposition = f'attachment; filename="{calendar.filename(view.challenge)}"'
    return Response(
        ics, media_type=calendar.MEDIA_TYPE, headers={"Content-Disposition": disposition}
    )


def result_message(request: Request, status: SubmissionStatus) -> str:
    """Everything the entry earned (its points, and any badge or level they brought), or that
    it waits for review."""
    if status == SubmissionStatus.APPROVED:
        return points.earned_by(db(request), current_user(request)).message or _("Done!")
    return _("Thanks! Your entry is waiting for review.")


@signed_in
@accepts_upload(image_mb)
async def submit_entry(request: Request) -> Response:
    user = current_user(request)
    challenge_id = request.path_params["challenge_id"]
    view = await service.access_challenge(db(request), viewer=user, challenge_id=challenge_id)
    form = await request.form()
    state, response = forms.entry_form(form, view.challenge)
    if response is None:
        return await _detail(request, form=state, status_code=422, view=view)
    try:
        if view.challenge.type == ChallengeType.UPLOAD_IMAGE:
            submission = await _submit_image(request, state.value("key"), response, form)
        else:
            submission = await service.submit_entry(
                db(request),
                user=user,
                challenge_id=challenge_id,
                key=state.value("key"),
                response=response,
            )
    except service.ImageRefused as error:
        state.add_error("image", error.message)
        return await _detail(request, form=state, status_code=422, view=view)
    except service.SubmitRefused as error:
        state.add_error(None, error.message)
        return await _detail(request, form=state, status_code=409, view=view)
    message = result_message(request, SubmissionStatus(submission.status))
    if is_htmx(request):
        return await _detail(request, result=message)
    flash(request, message)
    return redirect(request, "challenges:detail", challenge_id=challenge_id)


async def _submit_image(
    request: Request, key: str, response: dict[str, str], form: FormData
) -> Submission:
    image = form.get("image")
    assert isinstance(image, UploadFile)  # noqa: S101 (entry_form checked it)
    return await service.submit_image_entry(
        db(request),
        user=current_user(request),
        challenge_id=request.path_params["challenge_id"],
        key=key,
        storage=storage(request),
        upload=Upload(iterate_file(image), image.filename or "image"),
        caption=response.get("text", ""),
        max_bytes=settings(request).max_image_mb * 1024 * 1024,
    )


@signed_in
async def share_challenge(request: Request) -> Response:
    """Records the share (the first one completes the challenge), then opens the network."""
    user = current_user(request)
    challenge_id = request.path_params["challenge_id"]
    form = await request.form()
    network = str(form.get("network", ""))
    if network not in share.LABELS:
        network = "copy"
    key = form_text(form, "key", max_length=forms.MAX_KEY) or forms.new_key()
    result = ""
    try:
        submission = await service.record_share(
            db(request), user=user, challenge_id=challenge_id, network=network, key=key
        )
    except service.SubmitRefused:
        pass  # sharing again is welcome; it just earns nothing more
    else:
        result = result_message(request, SubmissionStatus(submission.status))
    view = await service.access_challenge(db(request), viewer=user, challenge_id=challenge_id)
    if network == "copy":
        if is_htmx(request):
            return await _detail(request, result=result, view=view)
        flash(request, (result + " · " if result else "") + _("Your link is ready to copy."))
        return redirect(request, "challenges:detail", challenge_id=challenge_id)
    text = str(view.challenge.settings.get("share_text", ""))
    return redirect_to(
        request,
        share.share_url(
            network, link=personal_link(request), text=text, title=view.challenge.title
        ),
    )


@signed_in
async def entry(request: Request) -> Response:
    """Where a ledger row for a completed challenge links: the challenge's page."""
    submission = await service.access_own_submission(
        db(request),
        viewer=current_user(request),
        submission_id=request.path_params["submission_id"],
    )
    return redirect(request, "challenges:detail", challenge_id=submission.challenge_id)


@signed_in
async def dismiss(request: Request) -> Response:
    await service.dismiss_challenge(
        db(request), user=current_user(request), challenge_id=request.path_params["challenge_id"]
    )
    flash(request, _("Dismissed. You'll find it under Dismissed if you change your mind."))
    return redirect(request, "challenges:list")


@signed_in
async def restore(request: Request) -> Response:
    await service.restore_challenge(
        db(request), user=current_user(request), challenge_id=request.path_params["challenge_id"]
    )
    flash(request, _("Restored to your available challenges."))
    return redirect(request, "challenges:list", query={"tab": "dismissed"})


routes = [
    Route("/", list_challenges, methods=["GET"], name="list"),
    Route("/{challenge_id:int}", show_challenge, methods=["GET"], name="detail"),
    Route("/{challenge_id:int}/event.ics", event_calendar, methods=["GET"], name="calendar"),
    Route("/{challenge_id:int}/entries", submit_entry, methods=["POST"], name="submit"),
    Route("/{challenge_id:int}/share", share_challenge, methods=["POST"], name="share"),
    Route("/entries/{submission_id:int}", entry, methods=["GET"], name="entry"),
    Route("/{challenge_id:int}/dismiss", dismiss, methods=["POST"], name="dismiss"),
    Route("/{challenge_id:int}/restore", restore, methods=["POST"], name="restore"),
]
