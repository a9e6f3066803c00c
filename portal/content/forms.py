"""Parsing the asset form (multipart: the fields, and the file that streams in last)."""

from urllib.parse import urlsplit

from starlette.datastructures import FormData, UploadFile

from portal import translations
from portal.content.models import Asset, AssetTag
from portal.content.values import AssetInput
from portal.files.storage import iterate_file
from portal.files.uploads import Upload
from portal.forms import FormState, ids
from portal.i18n import N_, gettext
from portal.parsing import column_length

# What a marketer can write in the program's other languages.
TRANSLATED = (
    translations.Field("title", N_("Title"), 200),
    translations.Field("description", N_("Description"), 20_000, long=True),
)
FIELDS = ("title", "description", "category", "tags", "points", "source", "url")


def asset_form(
    form: FormData, *, language: str, editing: bool = False
) -> tuple[FormState, AssetInput]:
    """The asset form; its texts are in `language`, the program's."""
    state = FormState.of(form, *FIELDS)
    translated = translations.read_form(form, state, TRANSLATED, language)
    state.data["is_published"] = "on" if form.get("is_published") else ""
    group_ids = set(ids(form, "group_ids"))
    state.data["group_ids"] = ",".join(str(g) for g in sorted(group_ids))
    state.data["source"] = "link" if state.value("source") == "link" else "file"
    state.require("title", message=gettext("Give it a title advocates will recognise."))
    state.check_fits("title", Asset.title)
    state.check_length("description", 20_000)
    state.check_fits("category", Asset.category)
    state.check_fits("url", Asset.url)
    tags = [t.strip() for t in state.value("tags").split(",") if t.strip()]
    if any(len(t) > column_length(AssetTag.tag) for t in tags):
        state.add_error("tags", "Keep each tag under 40 characters.")
    if len(tags) > 12:
        state.add_error("tags", "Use at most 12 tags.")
    points = state.number(
        "points",
        minimum=0,
        maximum=100_000,
        message=gettext("Enter a whole number of points, like 10 (0 for none)."),
        optional=True,
    )
    url = state.value("url")
    if state.value("source") == "link":
        parts = urlsplit(url)
        if not url:
            state.add_error("url", "Paste the link, like https://acme.example/blog/launch.")
        elif parts.scheme not in ("http", "https") or not parts.netloc:
            state.add_error("url", "Use a full web address starting with https://.")
    elif not editing and upload_of(form) is None:
        state.add_error("file", "Choose a file to upload.")
    data = AssetInput(
        title=state.value("title"),
        description=state.value("description"),
        category=state.value("category"),
        tags=tags,
        group_ids=group_ids,
        points=points,
        is_published=bool(state.value("is_published")),
        url=url if state.value("source") == "link" else None,
        translations=translated,
    )
    return state, data


def upload_of(form: FormData) -> Upload | None:
    """The chosen file, as a stream; a browser sends an empty part with no name when none was
    chosen."""
    value = form.get("file")
    if isinstance(value, UploadFile) and value.filename:
        return Upload(iterate_file(value), value.filename)
    return None
