"""Signing in and out, invitations, password resets, open sign-up and the profile page."""

from datetime import timedelta

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import i18n
from portal.auth import forms, service
from portal.auth.service import sso_providers
from portal.auth.two_factor_routes import continue_sign_in
from portal.errors import PortalError
from portal.files.storage import iterate_file
from portal.files.web import file_response, storage
from portal.forms import FormState, form_text, query_text
from portal.guard.models import PublicForm
from portal.guard.web import guard_fields, screen_post
from portal.i18n import _
from portal.parsing import MAX_PATH_TEXT
from portal.people import fields
from portal.people.access import (
    current_session,
    current_user,
    public,
    request_language,
    session_policy,
    sign_in,
    sign_out,
    signed_in,
    signed_in_during_setup,
)
from portal.people.codes import PERSONAL_CODE_LENGTH
from portal.program.service import SignupMode
from portal.request_body import accepts_upload, image_mb
from portal.web import client_address, db, flash, redirect, redirect_to, render, safe_next, settings


@public
async def login(request: Request) -> Response:
    if request.state.user is not None:
        return redirect_to(request, safe_next(request.query_params.get("next")))
    state = FormState(data={"next": safe_next(request.query_params.get("next"), "")})
    return await login_page(request, state)


@public
async def login_submit(request: Request) -> Response:
    state, password = forms.login_form(await request.form())
    if not state.ok:
        return await login_page(request, state, status_code=422)
    config = settings(request)
    try:
        user = await service.authenticate(
            db(request),
            email=state.value("email"),
            password=password,
            client_address=client_address(request),
            secret=config.secret_key.get_secret_value(),
            max_failures=config.login_max_failures,
            window=timedelta(minutes=config.login_window_minutes),
        )
    except PortalError as error:
        state.add_error(None, error.message)
        return await login_page(request, state, status_code=error.status_code)
    return await continue_sign_in(request, user, safe_next(state.value("next")))


async def login_page(request: Request, state: FormState, *, status_code: int = 200) -> Response:
    """The sign-in page, with a button for each single sign-on provider that is turned on."""
    providers = await sso_providers.enabled_providers(db(request))
    return render(
        request, "auth/login.html", {"form": state, "providers": providers}, status_code=status_code
    )


@signed_in_during_setup
async def logout(request: Request) -> Response:
    await sign_out(request)
    flash(request, _("You are signed out."))
    return redirect(request, "auth:login")


@public
async def forgot_password(request: Request) -> Response:
    return render(request, "auth/forgot.html", {"form": FormState(), "sent": False})


@public
async def forgot_password_submit(request: Request) -> Response:
    state = forms.email_form(await request.form())
    if not state.ok:
        return render(request, "auth/forgot.html", {"form": state, "sent": False}, status_code=422)
    service.queue_password_reset(db(request), email=state.value("email"))
    return render(request, "auth/forgot.html", {"form": state, "sent": True})


@public
async def reset_password(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        reset = await service.check_reset(db(request), token)
    except service.InvalidLink as error:
        return _invalid_link(request, error)
    return render(request, "auth/reset.html", {"form": FormState(), "email": reset.user.email})


@public
async def reset_password_submit(request: Request) -> Response:
    token = request.path_params["token"]
    state, password = forms.new_password_form(await request.form())
    try:
        reset = await service.check_reset(db(request), token)
        if state.ok:
            user = await service.reset_password(db(request), token=token, password=password)
            response = await continue_sign_in(request, user, str(request.url_for("home")))
            flash(request, _("Your password is changed. Other devices have been signed out."))
            return response
    except service.InvalidLink as error:
        return _invalid_link(request, error)
    except service.WeakPassword as error:
        state.add_error("password", error.message)
    return render(
        request, "auth/reset.html", {"form": state, "email": reset.user.email}, status_code=422
    )


@public
async def accept_invitation(request: Request) -> Response:
    try:
        invitation = await service.check_invitation(db(request), request.path_params["token"])
    except service.InvalidLink as error:
        return _invalid_link(request, error)
    state = FormState(data={"display_name": invitation.user.display_name})
    return render(request, "auth/accept.html", {"form": state, "invitation": invitation})


@public
async def accept_invitation_submit(request: Request) -> Response:
    token = request.path_params["token"]
    state, password = forms.new_password_form(await request.form(), with_name=True)
    try:
        invitation = await service.check_invitation(db(request), token)
        if state.ok:
            user = await service.accept_invitation(
                db(request),
                token=token,
                display_name=state.value("display_name"),
                password=password,
            )
            response = await continue_sign_in(request, user, str(request.url_for("home")))
            welcome = _("Welcome, %(name)s! Your account is ready.")
            flash(request, welcome % {"name": user.display_name})
            return response
    except service.InvalidLink as error:
        return _invalid_link(request, error)
    except service.WeakPassword as error:
        state.add_error("password", error.message)
    return render(
        request, "auth/accept.html", {"form": state, "invitation": invitation}, status_code=422
    )


def _invalid_link(request: Request, error: "service.InvalidLink") -> Response:
    return render(
        request,
        "auth/link_invalid.html",
        {"message": error.message, "what": error.what},
        status_code=error.status_code,
    )


@public
async def signup(request: Request) -> Response:
    code = query_text(request.query_params, "join", max_length=MAX_PATH_TEXT)
    via = query_text(request.query_params, "via", max_length=PERSONAL_CODE_LENGTH)
    if request.state.program.signup_mode == SignupMode.CLOSED and not via:
        raise service.SignupClosed()
    return await _signup_page(request, FormState(data={"join": code, "via": via}))


async def _signup_page(
    request: Request, state: FormState, *, status_code: int = 200, **shown: bool
) -> Response:
    context = {
        "form": state,
        "waiting": False,
        "guard": guard_fields(request),
        "profile_fields": await fields.fields_shown(db(request), on_signup=True),
        # A group's join link: the page says which group the person joins.
        "join_group": await service.get_group_for_join_code(db(request), state.value("join")),
        **shown,
    }
    return render(request, "auth/signup.html", context, status_code=status_code)


@public
async def join(request: Request) -> Response:
    """A group's join link: the sign-up page, carrying the code."""
    return redirect(request, "auth:signup", query={"join": request.path_params["code"]})


@public
async def invited_by(request: Request) -> Response:
    """An advocate's invitation link: the sign-up page, carrying their personal code (the page
    never says whose it is, so codes cannot be looked up through it)."""
    return redirect(request, "auth:signup", query={"via": request.path_params["code"]})


@public
async def signup_submit(request: Request) -> Response:
    data = await request.form()
    state, password = forms.signup_form(data)
    state.keep_hidden(data, "join")
    state.keep_hidden(data, "via")
    profile_fields = await fields.fields_shown(db(request), on_signup=True)
    answers = fields.read_answers(data, profile_fields, state)
    verdict = await screen_post(request, data, form=PublicForm.SIGNUP)
    if not verdict.goes_on and not verdict.looks_accepted:
        state.add_error(None, verdict.message)
        return await _signup_page(request, state, status_code=verdict.status_code)
    if state.ok:
        try:
            if not verdict.looks_accepted:
                await service.sign_up_through_link(
                    db(request),
                    join_code=state.value("join")[:MAX_PATH_TEXT],
                    email=state.value("email"),
                    display_name=state.value("display_name"),
                    password=password,
                    company=state.value("company"),
                    job_title=state.value("job_title"),
                    answers=answers,
                    recruiter_code=state.value("via")[:PERSONAL_CODE_LENGTH],
                )
        except service.WeakPassword as error:
            state.add_error("password", error.message)
        except service.DisposableEmail as error:
            state.add_error("email", error.message)
        else:
            # Every address gets the same page, new or known, and an email that explains (the
            # welcome with the sign-in link, or "you already have an account").
            waiting = service.waits_for_approval(
                request.state.program, state.value("email"), invited=bool(state.value("via"))
            )
            return await _signup_page(request, state, waiting=True, sent=not waiting)
    return await _signup_page(request, state, status_code=422)


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
    Route("/login", login, methods=["GET"], name="login"),
    Route("/login", login_submit, methods=["POST"], name="login_submit"),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route("/forgot-password", forgot_password, methods=["GET"], name="forgot"),
    Route("/forgot-password", forgot_password_submit, methods=["POST"], name="forgot_submit"),
    Route("/reset-password/{token}", reset_password, methods=["GET"], name="reset"),
    Route("/reset-password/{token}", reset_password_submit, methods=["POST"], name="reset_submit"),
    Route("/invitations/{token}", accept_invitation, methods=["GET"], name="accept"),
    Route("/invitations/{token}", accept_invitation_submit, methods=["POST"], name="accept_submit"),
    Route("/signup", signup, methods=["GET"], name="signup"),
    Route("/signup", signup_submit, methods=["POST"], name="signup_submit"),
    Route("/join/{code}", join, methods=["GET"], name="join"),
    Route("/invited-by/{code}", invited_by, methods=["GET"], name="invited_by"),
    Route("/profile", profile, methods=["GET"], name="profile"),
    Route("/profile", profile_submit, methods=["POST"], name="profile_submit"),
    Route("/profile/time-zone", time_zone_submit, methods=["POST"], name="time_zone_submit"),
    Route("/profile/password", password_submit, methods=["POST"], name="password_submit"),
    Route("/profile/sessions/{session_id}/end", end_session, methods=["POST"], name="end_session"),
    Route("/profile/sessions/end", sign_out_everywhere, methods=["POST"], name="end_sessions"),
    Route("/profile/avatar", avatar_submit, methods=["POST"], name="avatar_submit"),
    Route("/people/{user_id:int}/avatar", avatar, methods=["GET"], name="avatar"),
]
