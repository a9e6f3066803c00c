"""Email bodies from `templates/emails/<kind>.txt` and `.html`: HTML escapes, text does not."""

import jinja2

from portal.config import ROOT
from portal.i18n import in_sentence
from portal.templating import date_filter, datetime_filter, install_gettext, number, plural

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(ROOT / "templates" / "emails"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    extensions=["jinja2.ext.i18n"],
)
install_gettext(_environment)
_environment.filters.update(
    plural=plural,
    date=date_filter,
    datetime=datetime_filter,
    number=number,
    in_sentence=in_sentence,
)


def render_email(kind: str, context: dict[str, object]) -> tuple[str, str]:
    """The text and HTML bodies of one email kind, in the language in force (`i18n.using`)."""
    text = _environment.get_template(f"{kind}.txt").render(context)
    html = _environment.get_template(f"{kind}.html").render(context)
    return text, html
