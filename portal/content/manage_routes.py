"""Manage → Content: upload, edit, replace the file, publish/unpublish, delete, stats, CSV."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import translations
from portal.content import forms, service
from portal.content.models import Asset
from portal.csv import csv_response
from portal.errors import PortalError
from portal.files.web import storage
from portal.forms import FormState
from portal.i18n import gettext
from portal.people import service as people
from portal.people.access import current_user, staff_of_program
from portal.request_body import accepts_upload, upload_mb
from portal.web import db, flash, redirect, render, settings

MB = 1024 * 1024


def _limits(request: Request) -> service.Limits:
    config = settings(request)
    return service.Limits(
        max_bytes=config.max_upload_mb * MB, max_image_bytes=config.max_image_mb * MB
    )


async def _form_page(
    request: Request,
    *,
    form: FormState,
    asset: Asset | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "form": form,
        "asset": asset,
        "groups": await people.list_groups(db(request)),
        "max_upload_mb": settings(request).max_upload_mb,
        "max_image_mb": settings(request).max_image_mb,
        "translated_fields": forms.TRANSLATED,
        "translation_languages": translations.targets(request.state.program.language_code),
    }
    return render(
        request,
        "content/manage_form.html",
        context,
        partial="content/_asset_form.html",
        status_code=status_code,
    )


@staff_of_program
async def index(request: Request) -> Response:
    assets = await service.list_assets_for_staff(db(request))
    stats = await service.asset_stats(db(request), assets)
    return render(request, "content/manage_list.html", {"stats": stats})


@staff_of_program
async def new(request: Request) -> Response:
    return await _form_page(request, form=FormState(data={"source": "file", "is_published": "on"}))


@staff_of_program
@accepts_upload(upload_mb)
async def create(request: Request) -> Response:
    form_data = await request.form()
    state, data = forms.asset_form(form_data, language=request.state.program.language_code)
    if state.ok:
        try:
            asset = await service.create_asset(
                db(request),
                actor=current_user(request),
                storage=storage(request),
                data=data,
                upload=forms.upload_of(form_data) if data.url is None else None,
                limits=_limits(request),
            )
        except (service.UnsupportedFile, service.UploadTooLarge) as error:
            state.add_error("file", error.message)
        except PortalError as error:
            state.add_error(None, error.message)
        else:
            flash(
                request,
                f"“{asset.title}” added"
                + (" and published." if asset.is_published else " as a draft."),
            )
            return redirect(request, "manage_content:index")
    return await _form_page(request, form=state, status_code=422)


def _state_of(asset: Asset) -> FormState:
    return FormState(
        data={
            "title": asset.title_source,
            "description": asset.description_html_source,
            "category": asset.category,
            "tags": ", ".join(asset.tag_names),
            "points": str(asset.points),
            "source": "link" if asset.url else "file",
            "url": asset.url or "",
            "is_published": "on" if asset.is_published else "",
            "group_ids": ",".join(str(g) for g in sorted(asset.group_ids)),
            **translations.form_data(asset.translations, forms.TRANSLATED),
        }
    )


@staff_of_program
async def edit(request: Request) -> Response:
    asset = await service.access_asset_for_staff(db(request), request.path_params["asset_id"])
    return await _form_page(request, form=_state_of(asset), asset=asset)


@staff_of_program
@accepts_upload(upload_mb)
async def update(request: Request) -> Response:
    asset_id = request.path_params["asset_id"]
    form_data = await request.form()
    state, data = forms.asset_form(
        form_data, language=request.state.program.language_code, editing=True
    )
    if state.ok:
        try:
            asset = await service.update_asset(
                db(request),
                actor=current_user(request),
                storage=storage(request),
                asset_id=asset_id,
                data=data,
                upload=forms.upload_of(form_data),
                limits=_limits(request),
            )
        except (service.UnsupportedFile, service.UploadTooLarge) as error:
            state.add_error("file", error.message)
        except service.InvalidAsset as error:
            state.add_error(None, error.message)
        else:
            flash(request, gettext("“%(title)s” saved.") % {"title": asset.title})
            return redirect(request, "manage_content:index")
    asset = await service.access_asset_for_staff(db(request), asset_id)
    return await _form_page(request, form=state, asset=asset, status_code=422)


@staff_of_program
async def publish(request: Request) -> Response:
    form = await request.form()
    published = form.get("published") == "1"
    asset = await service.set_published(
        db(request),
        actor=current_user(request),
        asset_id=request.path_params["asset_id"],
        published=published,
    )
    flash(
        request,
        f"“{asset.title}” is "
        + ("published." if published else "unpublished: advocates no longer see it."),
    )
    return redirect(request, "manage_content:index")


@staff_of_program
async def remove(request: Request) -> Response:
    asset = await service.delete_asset(
        db(request), actor=current_user(request), asset_id=request.path_params["asset_id"]
    )
    flash(request, gettext("“%(title)s” deleted.") % {"title": asset.title})
    return redirect(request, "manage_content:index")


@staff_of_program
async def export(request: Request) -> Response:
    assets = await service.list_assets_for_staff(db(request))
    stats = await service.asset_stats(db(request), assets)
    header = [
        "id",
        "title",
        "kind",
        "category",
        "tags",
        "published",
        "points",
        "downloads",
        "unique_users",
        "watch_completions",
        "points_awarded",
        "file",
        "size_bytes",
        "sha256",
    ]
    rows = [
        [
            row.asset.id,
            row.asset.title,
            row.asset.kind,
            row.asset.category,
            " ".join(row.asset.tag_names),
            "yes" if row.asset.is_published else "no",
            row.asset.points,
            row.downloads,
            row.unique_users,
            row.watch_completions,
            row.points_awarded,
            row.asset.original_filename or row.asset.url or "",
            row.asset.size_bytes or "",
            row.asset.sha256 or "",
        ]
        for row in stats
    ]
    return csv_response("content-stats.csv", header, rows)


routes = [
    Route("/", index, methods=["GET"], name="index"),
    Route("/", create, methods=["POST"], name="create"),
    Route("/new", new, methods=["GET"], name="new"),
    Route("/export.csv", export, methods=["GET"], name="export"),
    Route("/{asset_id:int}", edit, methods=["GET"], name="edit"),
    Route("/{asset_id:int}", update, methods=["POST"], name="update"),
    Route("/{asset_id:int}/publish", publish, methods=["POST"], name="publish"),
    Route("/{asset_id:int}/delete", remove, methods=["POST"], name="delete"),
]
