"""The advocate's Content page, an asset's page, downloads, video streaming, watch beacons,
and the public share pages."""

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import links
from portal.content import service
from portal.content.models import Asset, AssetKind
from portal.errors import NotFound
from portal.files.web import file_response, storage
from portal.forms import MAX_SEARCH, query_text
from portal.people.access import current_user, public, signed_in, writes
from portal.people.attribution import remember_touch, touch_from
from portal.points import service as points
from portal.web import client_key, db, flash, redirect, render


@signed_in
async def library(request: Request) -> Response:
    filters = {
        "category": query_text(request.query_params, "category", max_length=MAX_SEARCH),
        "tag": query_text(request.query_params, "tag", max_length=MAX_SEARCH),
        "search": query_text(request.query_params, "q", max_length=MAX_SEARCH),
    }
    result = await service.library(db(request), current_user(request), **filters)
    return render(
        request,
        "content/index.html",
        {"library": result, "filters": filters},
        partial="content/_grid.html",
    )


@signed_in
async def detail(request: Request) -> Response:
    viewer = current_user(request)
    asset = await service.access_asset(db(request), viewer, request.path_params["asset_id"])
    card = await service.card_for(db(request), viewer, asset)
    share_url = None
    if service.can_share(viewer, asset):
        share_url = links.absolute_url("share", asset_id=asset.id, code=viewer.referral_code)
    return render(
        request,
        "content/detail.html",
        {"card": card, "share_url": share_url, "earned": ""},
        partial="content/_use.html",
    )


@signed_in
async def card(request: Request) -> Response:
    """One card of the Content page (the page refreshes it after a download)."""
    viewer = current_user(request)
    asset = await service.access_asset(db(request), viewer, request.path_params["asset_id"])
    return render(
        request, "content/_card.html", {"card": await service.card_for(db(request), viewer, asset)}
    )


@signed_in
@writes
async def download(request: Request) -> Response:
    """Counts the download (the first one earns the points), then sends the file: documents
    as attachments, images inline; a link item redirects to its address."""
    viewer = current_user(request)
    asset = await service.access_asset(db(request), viewer, request.path_params["asset_id"])
    counts = request.method == "GET"  # a HEAD request looks, it does not download
    if asset.kind is AssetKind.LINK:
        if counts:
            await service.record_download(db(request), viewer, asset)
            _tell_earned(request)
        return RedirectResponse(asset.url or "/", status_code=303)
    if asset.storage_name is None:
        raise NotFound()
    response = await file_response(
        request,
        storage(request),
        name=asset.storage_name,
        content_type=asset.content_type or "application/octet-stream",
        filename=asset.original_filename or "download",
        inline=asset.kind is AssetKind.IMAGE,
    )
    if counts and response.status_code == 200:
        await service.record_download(db(request), viewer, asset)
        _tell_earned(request)
    return response


def _tell_earned(request: Request) -> None:
    """A download leaves the person where they were: what it earned shows on the next page."""
    if message := points.earned_by(db(request), current_user(request)).message:
        flash(request, message)


@signed_in
async def stream(request: Request) -> Response:
    """Videos (for the player, with ranges) and images (for thumbnails), inline and uncounted."""
    viewer = current_user(request)
    asset = await service.access_asset(db(request), viewer, request.path_params["asset_id"])
    if asset.kind not in (AssetKind.VIDEO, AssetKind.IMAGE) or asset.storage_name is None:
        raise NotFound()
    return await _stored_file(request, asset, inline=True)


@signed_in
async def progress(request: Request) -> Response:
    """The player's heartbeat: the stretch of the video played since the last one. The server
    credits only what the time between heartbeats allows; at 90 % it counts as watched."""
    viewer = current_user(request)
    asset = await service.access_asset(db(request), viewer, request.path_params["asset_id"])
    form = await request.form()
    start, end = _seconds(form.get("start")), _seconds(form.get("end"))
    await service.record_heartbeat(
        db(request),
        viewer,
        asset,
        start=start or 0.0,
        end=end or 0.0,
        duration=_seconds(form.get("duration")),
    )
    card = await service.card_for(db(request), viewer, asset)
    earned = points.earned_by(db(request), viewer)
    if not request.headers.get("HX-Request"):
        return redirect(request, "content:detail", asset_id=asset.id)
    if card.is_used and not earned:
        return Response(status_code=204)  # nothing new: what it said when it counted stays
    return render(
        request,
        "content/_watch.html",
        {"card": card, "earned": earned.message},
        trigger="points-changed" if earned else None,
    )


def _seconds(raw: object) -> float | None:
    """A position or duration in seconds from the player; None when missing or not one."""
    if not isinstance(raw, str):
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if 0 <= value <= service.MAX_DURATION else None


@public
@writes
async def share(request: Request) -> Response:
    """A public page for an asset, carrying the advocate's referral code: it remembers the visit
    in the attribution cookie as `/r/<code>` does, and invites the visitor there."""
    viewer = request.state.user
    page = await service.share_page(
        db(request),
        asset_id=request.path_params["asset_id"],
        code=request.path_params["code"],
        client_key=client_key(request),
        viewer_id=viewer.id if viewer is not None else None,
    )
    response = render(request, "content/share.html", {"page": page})
    if page.advocate is not None and (viewer is None or viewer.id != page.advocate.id):
        # The visit with its UTM tags, for the referral it may lead to.
        remember_touch(request, response, touch_from(request, page.advocate.referral_code))
    return response


@public
async def share_file(request: Request) -> Response:
    page = await service.share_page(
        db(request), asset_id=request.path_params["asset_id"], code=request.path_params["code"]
    )
    asset = page.asset
    if asset.kind is AssetKind.LINK:
        return RedirectResponse(asset.url or "/", status_code=303)
    return await _stored_file(
        request, asset, inline=asset.kind in (AssetKind.IMAGE, AssetKind.VIDEO)
    )


async def _stored_file(request: Request, asset: Asset, *, inline: bool) -> Response:
    if asset.storage_name is None:
        raise NotFound()
    return await file_response(
        request,
        storage(request),
        name=asset.storage_name,
        content_type=asset.content_type or "application/octet-stream",
        filename=asset.original_filename or "download",
        inline=inline,
    )


routes = [
    Route("/", library, methods=["GET"], name="index"),
    Route("/{asset_id:int}", detail, methods=["GET"], name="detail"),
    Route("/{asset_id:int}/card", card, methods=["GET"], name="card"),
    Route("/{asset_id:int}/download", download, methods=["GET"], name="download"),
    Route("/{asset_id:int}/stream", stream, methods=["GET"], name="stream"),
    Route("/{asset_id:int}/progress", progress, methods=["POST"], name="progress"),
]

share_routes = [
    Route("/s/{asset_id:int}/{code}", share, methods=["GET"], name="share"),
    Route("/s/{asset_id:int}/{code}/file", share_file, methods=["GET"], name="share_file"),
]
