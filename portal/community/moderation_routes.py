"""Moderation from the community's pages: editing a post (and reading its history), flagging a
post, and staff pinning, locking, hiding and moving a topic."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.community import forms, service
from portal.forms import FormState, form_text
from portal.i18n import N_, _
from portal.parsing import INT4_MAX
from portal.people.access import current_user, signed_in, staff_of_program
from portal.web import db, flash, redirect_to, render

# What the moderator reads after acting on a topic (the audit log keeps service.DONE).
DONE = {
    service.TopicAction.PIN: N_("Topic pinned."),
    service.TopicAction.UNPIN: N_("Topic unpinned."),
    service.TopicAction.LOCK: N_("Topic locked."),
    service.TopicAction.UNLOCK: N_("Topic unlocked."),
    service.TopicAction.HIDE: N_("Topic hidden."),
    service.TopicAction.SHOW: N_("Topic shown again."),
    service.TopicAction.MOVE: N_("Topic moved."),
}


def _to_post(request: Request, post_id: int) -> Response:
    return redirect_to(request, str(request.url_for("community:post", post_id=post_id)))


async def _edit_page(
    request: Request, form: FormState | None = None, status: int = 200
) -> Response:
    post = await service.access_post(
        db(request), viewer=current_user(request), post_id=request.path_params["post_id"]
    )
    if not service.may_edit(current_user(request), post):
        return _to_post(request, post.id)
    context = {"post": post, "form": form or FormState(data={"body": post.body_html})}
    return render(request, "community/edit.html", context, status_code=status)


@signed_in
async def edit(request: Request) -> Response:
    return await _edit_page(request)


@signed_in
async def save_edit(request: Request) -> Response:
    state = forms.edit_form(await request.form())
    if not state.ok:
        return await _edit_page(request, state, 422)
    try:
        post = await service.edit_post(
            db(request),
            editor=current_user(request),
            post_id=request.path_params["post_id"],
            body=state.value("body"),
        )
    except service.EmptyPost as error:
        state.add_error("body", error.message)
        return await _edit_page(request, state, 422)
    except service.TopicLocked as error:
        state.add_error(None, error.message)
        return await _edit_page(request, state, 409)
    flash(request, _("Post saved."))
    return _to_post(request, post.id)


@signed_in
async def history(request: Request) -> Response:
    post, revisions = await service.post_history(
        db(request), viewer=current_user(request), post_id=request.path_params["post_id"]
    )
    return render(request, "community/history.html", {"post": post, "revisions": revisions})


async def _flag_page(
    request: Request, form: FormState | None = None, status: int = 200
) -> Response:
    post = await service.access_post(
        db(request), viewer=current_user(request), post_id=request.path_params["post_id"]
    )
    context = {"post": post, "form": form or FormState()}
    return render(request, "community/flag.html", context, status_code=status)


@signed_in
async def flag(request: Request) -> Response:
    return await _flag_page(request)


@signed_in
async def save_flag(request: Request) -> Response:
    state = forms.flag_form(await request.form())
    if not state.ok:
        return await _flag_page(request, state, 422)
    post_id = request.path_params["post_id"]
    try:
        await service.flag_post(
            db(request), viewer=current_user(request), post_id=post_id, reason=state.value("reason")
        )
    except (service.AlreadyFlagged, service.OwnPostFlag) as error:
        state.add_error(None, error.message)
        return await _flag_page(request, state, 409)
    flash(request, _("Thanks: the program team will look at this post."))
    return _to_post(request, post_id)


@staff_of_program
async def moderate(request: Request) -> Response:
    form = await request.form()
    raw = form_text(form, "action", max_length=10)
    if raw not in set(service.TopicAction):
        flash(request, _("Choose what to do with the topic."), "error")
        action = None
    else:
        action = service.TopicAction(raw)
    topic_id = request.path_params["topic_id"]
    if action is not None:
        category = form_text(form, "category", max_length=10)
        await service.moderate_topic(
            db(request),
            staff=current_user(request),
            topic_id=topic_id,
            action=action,
            category_id=int(category) if category.isdigit() and int(category) <= INT4_MAX else None,
        )
        flash(request, _(DONE[action]))
    return redirect_to(request, str(request.url_for("community:topic", topic_id=topic_id)))


routes = [
    Route("/p/{post_id:int}/edit", edit, methods=["GET"], name="edit"),
    Route("/p/{post_id:int}/edit", save_edit, methods=["POST"], name="save_edit"),
    Route("/p/{post_id:int}/history", history, methods=["GET"], name="history"),
    Route("/p/{post_id:int}/flag", flag, methods=["GET"], name="flag"),
    Route("/p/{post_id:int}/flag", save_flag, methods=["POST"], name="save_flag"),
    Route("/t/{topic_id:int}/moderate", moderate, methods=["POST"], name="moderate"),
]
