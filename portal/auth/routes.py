"""Signing in and out, invitations, password resets and open sign-up (the profile page:
`profile_routes`)."""

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.auth import forms, profile_routes, service
from portal.auth.service import sso_providers
from portal.auth.two_factor_routes import continue_sign_in
from portal.errors import PortalError
from portal.forms import FormState, query_text
from portal.guard.models import PublicForm
from portal.guard.web import guard_fields, screen_post
from portal.i18n import _
from portal.parsing import MAX_PATH_TEXT
from portal.people import fields
from portal.people.access import (
    public,
    sign_out,
    signed_in_during_setup,
)
from portal.people.codes import PERSONAL_CODE_LENGTH
from portal.program.service import SignupMode
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
    *profile_routes.routes,
]
