"""Email bodies from `templates/emails/<kind>.txt` and `.html`: HTML escapes, text does not."""

import jinja2

from portal.config import ROOT
from portal.templating import date_filter, datetime_filter, plural

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(ROOT / "templates" / "emails"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_environment.filters.update(plural=plural, date=date_filter, datetime=datetime_filter)


def render_email(kind: str, context: dict[str, object]) -> tuple[str, str]:
    """The text and HTML bodies of one email kind."""
    text = _environment.get_template(f"{kind}.txt").render(context)
    html = _environment.get_template(f"{kind}.html").render(context)
    return text, html
