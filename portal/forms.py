"""Form state for re-rendering: what the person typed, and a message per field that is wrong.
Every value goes through `portal.parsing`: a bad field is an error on that field (the page
answers 422 and keeps what was typed), never an exception from deeper down. Query strings and
fields of small action forms that re-render nothing are read with `query_*` and `form_text`, which
raise `InvalidInput` (400, naming the parameter)."""

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import QueryableAttribute
from starlette.datastructures import FormData, ImmutableMultiDict

from portal import i18n, parsing
from portal.i18n import N_, _
from portal.parsing import INT4_MAX, InvalidInput

FORM_ERROR = "__all__"
MAX_SEARCH = 100  # a search box or a filter's text
MAX_EMAIL = 320  # RFC 3696 as corrected; every email column is at least this long


@dataclass
class FormState:
    data: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, form: FormData, *names: str) -> "FormState":
        """The named text fields, trimmed, without control characters (a field that had any gets
        an error). Passwords are never echoed back: see `secret`."""
        state = cls()
        for name in names:
            state.data[name] = state.take(form, name)
        return state

    def take(self, form: FormData, name: str) -> str:
        value = form.get(name, "")
        raw = value.strip() if isinstance(value, str) else ""
        if parsing.has_control(raw):
            self.add_error(name, _("Remove the control characters from this field."))
        return parsing.clean(raw)

    def keep_hidden(self, form: FormData, name: str) -> str:
        """A hidden field the page sends back (a `next` target, a request key): a value with
        control characters (no browser sends them) is dropped, not made an error nobody would
        see."""
        value = form.get(name, "")
        raw = value.strip() if isinstance(value, str) else ""
        self.data[name] = "" if parsing.has_control(raw) else raw
        return self.data[name]

    def value(self, name: str) -> str:
        return self.data.get(name, "")

    def add_error(self, name: str | None, message: str) -> None:
        self.errors.setdefault(name or FORM_ERROR, message)

    @property
    def form_error(self) -> str | None:
        return self.errors.get(FORM_ERROR)

    @property
    def ok(self) -> bool:
        return not self.errors

    def require(self, *names: str, message: str = N_("This field is required.")) -> None:
        for name in names:
            if not self.value(name):
                self.add_error(name, _(message))

    def check_length(self, name: str, maximum: int) -> None:
        if len(self.value(name)) > maximum:
            self.add_error(
                name, _("Use at most %(count)s characters.") % {"count": i18n.number(maximum)}
            )

    def check_fits(self, name: str, column: QueryableAttribute[Any]) -> None:
        """At most the column's declared length (`String(120)`)."""
        self.check_length(name, parsing.column_length(column))

    def check_email(self, name: str = "email") -> None:
        value = self.value(name)
        if not value:
            self.add_error(name, _("Enter your email address."))
            return
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            self.add_error(name, _("Enter a valid email address, like name@company.com."))
        else:
            self.check_length(name, MAX_EMAIL)

    def _parsed(self, name: str, parse: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return parse(self.value(name), *args, **kwargs)
        except InvalidInput as error:
            self.add_error(name, error.message)
            return None

    def number(
        self,
        name: str,
        *,
        minimum: int,
        maximum: int = INT4_MAX,
        message: str | None = None,
        optional: bool = False,
    ) -> int | None:
        """A whole number within bounds (ASCII digits; "1,000" reads as 1000). Empty is None
        when optional, an error otherwise."""
        if not self.value(name):
            if not optional:
                self.add_error(name, message or _("Enter a whole number."))
            return None
        number: int | None = self._parsed(
            name, parsing.whole_number, minimum=minimum, maximum=maximum, message=message
        )
        return number

    def moment(self, name: str, *, zone: tzinfo, message: str | None = None) -> datetime | None:
        """A `datetime-local` value typed in `zone` (the person's), as a UTC instant; empty is
        None."""
        if not self.value(name):
            return None
        kwargs = {"message": message} if message else {}
        moment: datetime | None = self._parsed(name, parsing.moment, zone=zone, **kwargs)
        return moment

    def url(self, name: str, *, max_length: int) -> str | None:
        url: str | None = self._parsed(name, parsing.web_url, max_length=max_length)
        return url


def secret(form: FormData, name: str) -> str:
    """A password field, as typed (passwords are not trimmed and never re-rendered)."""
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def ids(form: FormData, name: str) -> frozenset[int]:
    """Ids from checkboxes or a multi-select; anything that is not a valid id is ignored (the
    service then checks each id names something the person may choose)."""
    chosen = set()
    for value in form.getlist(name):
        if isinstance(value, str) and parsing.WHOLE.fullmatch(value):
            number = int(value) if len(value) <= 10 else 0
            if 0 < number <= INT4_MAX:
                chosen.add(number)
    return frozenset(chosen)


def _named(name: str, error: InvalidInput) -> InvalidInput:
    return InvalidInput(f"“{name}”: {error.message}")


def form_text(form: FormData, name: str, *, max_length: int) -> str:
    """A text field of an action form (a reason, a note): trimmed and bounded, or 400."""
    value = form.get(name, "")
    try:
        return parsing.text(value.strip() if isinstance(value, str) else "", max_length=max_length)
    except InvalidInput as error:
        raise _named(name, error) from None


def query_text(params: ImmutableMultiDict[str, str], name: str, *, max_length: int) -> str:
    """A text parameter of a query string (a search, a filter), trimmed and bounded, or 400."""
    try:
        return parsing.text(params.get(name, "").strip(), max_length=max_length)
    except InvalidInput as error:
        raise _named(name, error) from None


def query_number(
    params: ImmutableMultiDict[str, str], name: str, *, minimum: int, maximum: int = INT4_MAX
) -> int | None:
    """A whole-number parameter (an id, a page, a number of days): None when absent, or 400."""
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return parsing.whole_number(raw, minimum=minimum, maximum=maximum)
    except InvalidInput as error:
        raise _named(name, error) from None
