"""Errors that carry their HTTP status and a message a person can read, in the language of
whoever reads it: a message is translated when the error is raised (inside the request or the
email it is for)."""

from portal.i18n import N_, gettext


class PortalError(Exception):
    status_code = 400
    message = N_("That did not work.")

    def __init__(self, message: str | None = None) -> None:
        self.message = gettext(message if message is not None else self.message)
        super().__init__(self.message)


class NotFound(PortalError):
    status_code = 404
    message = N_("We could not find that page.")


class Forbidden(PortalError):
    status_code = 403
    message = N_("You don't have access to this page.")


class Conflict(PortalError):
    status_code = 409
    message = N_("That conflicts with what is already there.")


class TooManyRequests(PortalError):
    status_code = 429
    message = N_("Too many attempts. Please wait and try again.")


def error_title(status_code: int) -> str:
    return gettext(ERROR_TITLES.get(status_code, FALLBACK_TITLE))


FALLBACK_TITLE = N_("Something went wrong")
ERROR_TITLES = {
    400: N_("Something is not right"),
    403: N_("You don't have access"),
    404: N_("Page not found"),
    405: N_("Not allowed"),
    409: N_("That did not work"),
    410: N_("This link no longer works"),
    413: N_("Too large"),
    422: N_("Please check the form"),
    429: N_("Please wait"),
}
