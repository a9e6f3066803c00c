"""Form state for re-rendering: what the person typed, and a message per field that is wrong."""

from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from starlette.datastructures import FormData

FORM_ERROR = "__all__"


@dataclass
class FormState:
    data: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, form: FormData, *names: str) -> "FormState":
        """The named text fields, trimmed (passwords are never echoed back: see `secret`)."""
        data = {}
        for name in names:
            value = form.get(name, "")
            data[name] = value.strip() if isinstance(value, str) else ""
        return cls(data=data)

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

    def require(self, *names: str, message: str = "This field is required.") -> None:
        for name in names:
            if not self.value(name):
                self.add_error(name, message)

    def check_length(self, name: str, maximum: int) -> None:
        if len(self.value(name)) > maximum:
            self.add_error(name, f"Use at most {maximum} characters.")

    def check_email(self, name: str = "email") -> None:
        value = self.value(name)
        if not value:
            self.add_error(name, "Enter your email address.")
            return
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            self.add_error(name, "Enter a valid email address, like name@company.com.")


def secret(form: FormData, name: str) -> str:
    """A password field, as typed (passwords are not trimmed and never re-rendered)."""
    value = form.get(name, "")
    return value if isinstance(value, str) else ""
