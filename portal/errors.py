"""Errors that carry their HTTP status and a message a person can read."""


class PortalError(Exception):
    status_code = 400
    message = "That did not work."

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(self.message)


class NotFound(PortalError):
    status_code = 404
    message = "We could not find that page."


class Forbidden(PortalError):
    status_code = 403
    message = "You don't have access to this page."


class Conflict(PortalError):
    status_code = 409
    message = "That conflicts with what is already there."


class TooManyRequests(PortalError):
    status_code = 429
    message = "Too many attempts. Please wait and try again."


def error_title(status_code: int) -> str:
    return {
        400: "Something is not right",
        403: "You don't have access",
        404: "Page not found",
        405: "Not allowed",
        409: "That did not work",
        410: "This link no longer works",
        413: "Too large",
        422: "Please check the form",
        429: "Please wait",
    }.get(status_code, "Something went wrong")
