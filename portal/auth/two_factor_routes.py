"""Two-factor sign-in: the code step after the password, and Profile → Two-factor sign-in
(turn it on with an authenticator app, new recovery codes, turn it off).

Between the password and the code, the browser's signed session cookie holds who is signing in
for five minutes; it is not a session (`load_viewer` never reads it), so it grants nothing."""

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.auth import service, two_factor_forms
from portal.auth.reauth import PasswordAndCode
from portal.clock import utcnow
from portal.errors import PortalError
from portal.forms import FormState
from portal.i18n import gettext
from portal.people.access import (
    current_session,
    current_user,
    public,
    sign_in,
    signed_in,
    signed_in_during_setup,
)
from portal.people.models import User
from portal.qr import qr_code
from portal.web import client_address, db, flash, redirect, redirect_to, render, settings

PENDING_KEY = "two_factor_pending"
PENDING_FOR = timedelta(minutes=5)


def _attempt(request: Request) -> service.Attempt:
    return PasswordAndCode.from_settings(settings(request)).attempt_for(client_address(request))


def _secret(request: Request) -> str:
    return settings(request).secret_key.get_secret_value()


async def continue_sign_in(request: Request, user: User, next_url: str) -> Response:
    """After the first factor (a password, a reset link, an invitation): sign in, ask for the
    code, or sign in held at the setup page (an admin the program requires it of)."""
    step = await service.next_step(db(request), user=user)
    if step == service.SignInStep.CODE:
        until = (utcnow() + PENDING_FOR).timestamp()
        request.session[PENDING_KEY] = {"user": user.id, "until": until, "next": next_url}
        return redirect(request, "auth:login_code")
    await sign_in(request, user, two_factor_setup_due=step == service.SignInStep.SETUP)
    if step == service.SignInStep.SETUP:
        return redirect(request, "auth:two_factor")
    return redirect_to(request, next_url)


def _pending(request: Request) -> dict[str, object] | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("user"), int):
        return None
    until = pending.get("until")
    if not isinstance(until, int | float) or utcnow().timestamp() > until:
        return None
    return pending


def _start_again(request: Request) -> Response:
    request.session.pop(PENDING_KEY, None)
    flash(request, gettext(service.SignInExpired.message), "error")
    return redirect(request, "auth:login")


@public
async def login_code(request: Request) -> Response:
    if _pending(request) is None:
        return _start_again(request)
    return render(request, "auth/login_code.html", {"form": FormState()})


@public
async def login_code_submit(request: Request) -> Response:
    pending = _pending(request)
    if pending is None:
        return _start_again(request)
    state, code = two_factor_forms.code_form(await request.form())
    if state.ok:
        try:
            user = await service.verify_sign_in_code(
                db(request), user_id=int(str(pending["user"])), code=code, attempt=_attempt(request)
            )
        except service.SignInExpired:
            return _start_again(request)
        except PortalError as error:
            state.add_error("code", error.message)
            return render(
                request, "auth/login_code.html", {"form": state}, status_code=error.status_code
            )
        await sign_in(request, user)
        return redirect_to(request, str(pending.get("next") or "/"))
    return render(request, "auth/login_code.html", {"form": state}, status_code=422)


@signed_in_during_setup
async def two_factor(request: Request) -> Response:
    """Turned on: what there is to manage. Turned off: the setup, with a new key."""
    user = current_user(request)
    status = await service.two_factor_status(db(request), user=user)
    if status is not None:
        return _manage_page(request, status)
    setup = await service.start_setup(db(request), user=user, secret=_secret(request))
    return _setup_page(request, setup, FormState())


def _setup_page(
    request: Request, setup: service.Setup, state: FormState, *, status_code: int = 200
) -> Response:
    context = {
        "form": state,
        "setup": setup,
        "qr": qr_code(setup.uri),
        "held": current_session(request).two_factor_setup_due,
    }
    return render(request, "auth/two_factor_setup.html", context, status_code=status_code)


def _manage_page(
    request: Request,
    status: service.TwoFactorStatus,
    *,
    off_form: FormState | None = None,
    renew_form: FormState | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "status": status,
        "off_form": off_form or FormState(),
        "renew_form": renew_form or FormState(),
    }
    return render(request, "auth/two_factor.html", context, status_code=status_code)


@signed_in_during_setup
async def two_factor_submit(request: Request) -> Response:
    user = current_user(request)
    state, code, token = two_factor_forms.setup_form(await request.form())
    if state.ok:
        try:
            codes = await service.enable_two_factor(
                db(request), user=user, token=token, code=code, secret=_secret(request)
            )
        except service.TwoFactorAlreadyOn:
            return redirect(request, "auth:two_factor")
        except PortalError as error:
            state.add_error("code", error.message)
        else:
            return _recovery_codes_page(request, codes, first=True)
    setup = await service.resume_setup(db(request), user=user, token=token, secret=_secret(request))
    return _setup_page(request, setup, state, status_code=422)


def _recovery_codes_page(request: Request, codes: list[str], *, first: bool) -> Response:
    return render(request, "auth/recovery_codes.html", {"codes": codes, "first": first})


@signed_in
async def two_factor_off(request: Request) -> Response:
    user = current_user(request)
    state, code = two_factor_forms.code_form(await request.form(), "off_code")
    status_code = 422
    if state.ok:
        try:
            await service.disable_two_factor(
                db(request), user=user, code=code, attempt=_attempt(request)
            )
        except PortalError as error:
            state.add_error("off_code", error.message)
            status_code = error.status_code  # a wrong code: 200, so its failure is kept
        else:
            flash(request, gettext("Two-factor sign-in is off."))
            return redirect(request, "auth:profile")
    return await _manage_again(request, status_code, off_form=state)


@signed_in
async def recovery_codes_submit(request: Request) -> Response:
    user = current_user(request)
    state, code = two_factor_forms.code_form(await request.form(), "renew_code")
    status_code = 422
    if state.ok:
        try:
            codes = await service.renew_recovery_codes(
                db(request), user=user, code=code, attempt=_attempt(request)
            )
        except PortalError as error:
            state.add_error("renew_code", error.message)
            status_code = error.status_code
        else:
            return _recovery_codes_page(request, codes, first=False)
    return await _manage_again(request, status_code, renew_form=state)


async def _manage_again(
    request: Request,
    status_code: int,
    *,
    off_form: FormState | None = None,
    renew_form: FormState | None = None,
) -> Response:
    status = await service.two_factor_status(db(request), user=current_user(request))
    if status is None:
        return redirect(request, "auth:two_factor")
    return _manage_page(
        request, status, off_form=off_form, renew_form=renew_form, status_code=status_code
    )


routes = [
    Route("/login/code", login_code, methods=["GET"], name="login_code"),
    Route("/login/code", login_code_submit, methods=["POST"], name="login_code_submit"),
    Route("/profile/two-factor", two_factor, methods=["GET"], name="two_factor"),
    Route("/profile/two-factor", two_factor_submit, methods=["POST"], name="two_factor_submit"),
    Route("/profile/two-factor/off", two_factor_off, methods=["POST"], name="two_factor_off"),
    Route(
        "/profile/two-factor/recovery-codes",
        recovery_codes_submit,
        methods=["POST"],
        name="recovery_codes",
    ),
]
