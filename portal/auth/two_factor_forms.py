"""Parsing the code fields of two-factor sign-in (codes are secrets: never typed back)."""

from starlette.datastructures import FormData

from portal.forms import FormState, secret
from portal.i18n import gettext

MAX_CODE = 40  # a 6-digit code or a recovery code, with the spaces and dashes people copy


def code_form(form: FormData, name: str = "code") -> tuple[FormState, str]:
    state = FormState()
    code = secret(form, name).strip()
    if not code:
        state.add_error(name, gettext("Enter the 6-digit code from your authenticator app."))
    elif len(code) > MAX_CODE:
        state.add_error(name, gettext("That is not a code: enter the 6 digits your app shows."))
    return state, code


def setup_form(form: FormData) -> tuple[FormState, str, str]:
    """The code that proves the app has the key, and the key as the setup page sent it."""
    state, code = code_form(form)
    return state, code, secret(form, "setup")
