"""The profile page: details, picture, password, time zone, linked sign-ins and sessions."""

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import i18n
from portal.auth import forms, service
from portal.errors import PortalError
from portal.files.storage import iterate_file
from portal.files.web import file_response, storage
from portal.forms import FormState, form_text
from portal.i18n import _
from portal.people import fields
from portal.people.access import (
    current_session,
    current_user,
    request_language,
    session_policy,
    sign_in,
    sign_out,
    signed_in,
)
from portal.request_body import accepts_upload, image_mb
from portal.web import db, flash, redirect, render, settings


async def _profile_page(
    request: Request,
    *,
    form: FormState | None = None,
    password_form: FormState | None = None,
    partial: str | None = None,
    status_code: int = 200,
) -> Response:
    """The profile page: details, picture, password, linked sign-ins and the sessions."""
    user = current_user(request)
    profile_fields = await fields.fields_shown(db(request), on_profile=True)
    if form is None:
        answers = await fields.answers_of(db(request), user)
        form = FormState(
            data={
                "display_name": user.display_name,
                "company": user.company,
                "job_title": user.job_title,
                "show_in_feed": "on" if user.show_in_feed else "",
                "hide_from_boards": "on" if user.hide_from_boards else "",
                "time_zone": user.time_zone,
                "language": i18n.match(user.language) or "",
                **{fields.form_name(f): answers.get(f.id, "") for f in profile_fields},
            }
        )
    devices = await service.list_sessions(
        db(request), user=user, policy=session_policy(settings(request))
    )
    context = {
        "form": form,
        "profile_fields": profile_fields,
        "password_form": password_form or FormState(),
        "devices": devices,
        "this_device": current_session(request).id,
        "two_factor": await service.two_factor_status(db(request), user=user),
        "sso_identities": await service.identities_of(db(request), user),
    }
    return render(request, "auth/profile.html", context, partial=partial, status_code=status_code)


@signed_in
async def profile(request: Request) -> Response:
    return await _profile_page(request)


@signed_in
async def profile_submit(request: Request) -> Response:
    form = await request.form()
    state = forms.profile_form(form)
    profile_fields = await fields.fields_shown(db(request), on_profile=True)
    answers = fields.read_answers(form, profile_fields, state)
    if not state.ok:
        return await _profile_page(
            request, form=state, partial="auth/_profile_form.html", status_code=422
        )
    await service.update_profile(
        db(request),
        user=current_user(request),
        display_name=state.value("display_name"),
        company=state.value("company"),
        job_title=state.value("job_title"),
        show_in_feed=bool(state.value("show_in_feed")),
        hide_from_boards=bool(state.value("hide_from_boards")),
        answers=answers,
        # A form without the field (an older page) keeps the zone.
        time_zone=state.value("time_zone") if "time_zone" in form else None,
        language=(i18n.match(state.value("language")) or "") if "language" in form else None,
    )
    i18n.activate(request_language(request))  # the saved language speaks from here on
    flash(request, _("Your profile is saved."))
    return redirect(request, "auth:profile")


@signed_in
async def time_zone_submit(request: Request) -> Response:
    """The first-sign-in question on Home: which zone the person reads times in."""
    form = await request.form()
    try:
        await service.set_time_zone(
            db(request),
            user=current_user(request),
            time_zone=form_text(form, "time_zone", max_length=60),
        )
    except PortalError as error:
        flash(request, error.message, "error")
        return redirect(request, "home")
    flash(
        request, _("Times are now shown in %(zone)s.") % {"zone": current_user(request).time_zone}
    )
    return redirect(request, "home")


@signed_in
async def password_submit(request: Request) -> Response:
    user = current_user(request)
    state, current, new = forms.password_change_form(await request.form())
    if state.ok:
        try:
            await service.change_password(
                db(request), user=user, current_password=current, new_password=new
            )
        except service.WrongPassword as error:
            state.add_error("current_password", error.message)
        except service.WeakPassword as error:
            state.add_error("new_password", error.message)
        else:
            await sign_in(request, user)
            flash(request, _("Your password is changed. Other devices have been signed out."))
            return redirect(request, "auth:profile")
    return await _profile_page(
        request, password_form=state, partial="auth/_password_form.html", status_code=422
    )


@signed_in
async def end_session(request: Request) -> Response:
    """Signs out one device from the profile's list (this one too, if chosen)."""
    session_id = request.path_params["session_id"]
    if session_id == current_session(request).id:
        await sign_out(request)
        flash(request, _("You are signed out."))
        return redirect(request, "auth:login")
    ended = await service.revoke_session(
        db(request), user=current_user(request), session_id=session_id
    )
    flash(
        request, _("That device is signed out.") if ended else _("That session had already ended.")
    )
    return redirect(request, "auth:profile")


@signed_in
async def sign_out_everywhere(request: Request) -> Response:
    await service.revoke_sessions(db(request), user=current_user(request))
    await sign_out(request)
    flash(request, _("You are signed out on every device, this one included."))
    return redirect(request, "auth:login")


@signed_in
@accepts_upload(image_mb)
async def avatar_submit(request: Request) -> Response:
    form = await request.form()
    upload = form.get("avatar")
    chosen = isinstance(upload, UploadFile) and bool(upload.filename)
    if not chosen and not form.get("remove"):
        flash(request, _("Choose a picture first."), "error")
        return redirect(request, "auth:profile")
    try:
        await service.set_avatar(
            db(request),
            user=current_user(request),
            storage=storage(request),
            chunks=iterate_file(upload) if isinstance(upload, UploadFile) and chosen else None,
            filename=upload.filename or "" if isinstance(upload, UploadFile) else "",
            max_bytes=settings(request).max_image_mb * 1024 * 1024,
        )
    except PortalError as error:
        flash(request, error.message, "error")
        return redirect(request, "auth:profile")
    flash(request, _("Your picture is saved.") if chosen else _("Your picture is removed."))
    return redirect(request, "auth:profile")


@signed_in
async def avatar(request: Request) -> Response:
    user = await service.avatar_of(db(request), request.path_params["user_id"])
    assert user.avatar_name is not None  # noqa: S101 (avatar_of checks it)
    return await file_response(
        request,
        storage(request),
        name=user.avatar_name,
        content_type=user.avatar_type,
        filename=f"avatar-{user.id}",
        inline=True,
    )


routes = [
    Route("/profile", profile, methods=["GET"], name="profile"),
    Route("/profile", profile_submit, methods=["POST"], name="profile_submit"),
    Route("/profile/time-zone", time_zone_submit, methods=["POST"], name="time_zone_submit"),
    Route("/profile/password", password_submit, methods=["POST"], name="password_submit"),
    Route("/profile/sessions/{session_id}/end", end_session, methods=["POST"], name="end_session"),
    Route("/profile/sessions/end", sign_out_everywhere, methods=["POST"], name="end_sessions"),
    Route("/profile/avatar", avatar_submit, methods=["POST"], name="avatar_submit"),
    Route("/people/{user_id:int}/avatar", avatar, methods=["GET"], name="avatar"),
]
