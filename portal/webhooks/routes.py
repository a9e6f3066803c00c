"""Manage → Webhooks (admins): endpoints, their signing secret (shown and rotated after the
admin confirms it's them), a test event, and each endpoint's delivery log with redelivery."""

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.errors import PortalError
from portal.forms import FormState
from portal.i18n import N_, gettext
from portal.people.access import current_user, requires
from portal.people.models import Role
from portal.people.reauth import confirmed_recently
from portal.web import db, flash, page_number, redirect, render, settings
from portal.webhooks.catalogue import CATALOGUE, NAMES
from portal.webhooks.models import WebhookEndpoint
from portal.webhooks.service import deliveries, endpoints
from portal.webhooks.service.endpoints import EndpointFields

admins = requires(Role.ADMIN)


def _endpoint_form(form: FormData) -> tuple[FormState, EndpointFields | None]:
    state = FormState.of(form, "url", "description")
    chosen = [value for value in form.getlist("event_types") if isinstance(value, str)]
    state.data["event_types"] = ",".join(chosen)
    state.data["enabled"] = "on" if form.get("enabled") else ""
    state.require("url", message=gettext("Enter the address that receives the webhooks."))
    url = state.url("url", max_length=500) if state.value("url") else None
    state.check_length("description", 200)
    if not chosen:
        state.add_error("event_types", "Choose at least one event to send.")
    elif not set(chosen) <= NAMES:
        state.add_error("event_types", "Choose events from the list.")
    if not state.ok or url is None:
        return state, None
    fields = EndpointFields(
        url=url,
        description=state.value("description"),
        event_types=chosen,
        enabled=bool(state.value("enabled")),
    )
    return state, fields


def _form_of(endpoint: WebhookEndpoint) -> FormState:
    return FormState(
        data={
            "url": endpoint.url,
            "description": endpoint.description,
            "event_types": ",".join(endpoint.subscribed),
            "enabled": "on" if endpoint.enabled else "",
        }
    )


@admins
async def endpoint_list(request: Request) -> Response:
    rows = await endpoints.list_endpoints(db(request))
    return render(request, "webhooks/list.html", {"endpoints": rows})


async def _new_page(request: Request, form: FormState, status_code: int = 200) -> Response:
    context = {"form": form, "catalogue": CATALOGUE}
    return render(request, "webhooks/new.html", context, status_code=status_code)


@admins
async def new(request: Request) -> Response:
    return await _new_page(request, FormState(data={"enabled": "on"}))


@admins
async def create(request: Request) -> Response:
    state, fields = _endpoint_form(await request.form())
    if fields is None:
        return await _new_page(request, state, status_code=422)
    try:
        endpoint = await endpoints.create_endpoint(
            db(request),
            actor=current_user(request),
            fields=fields,
            allow_loopback=settings(request).loopback_webhooks,
        )
    except PortalError as error:
        state.add_error("url", error.message)
        return await _new_page(request, state, status_code=error.status_code)
    flash(request, gettext("Endpoint added. Send it a test event to check the receiver."))
    return redirect(request, "webhooks:detail", endpoint_id=endpoint.id)


async def _detail_page(
    request: Request,
    endpoint: WebhookEndpoint,
    form: FormState,
    *,
    secret: str | None = None,
    status_code: int = 200,
) -> Response:
    log = await deliveries.list_deliveries(db(request), endpoint, page=page_number(request))
    context = {
        "endpoint": endpoint,
        "form": form,
        "catalogue": CATALOGUE,
        "log": log,
        "secret": secret,
        "overlap_until": endpoints.overlap_until(endpoint),
    }
    response = render(
        request,
        "webhooks/detail.html",
        context,
        status_code=status_code,
        partial="webhooks/_log.html",
    )
    if secret is not None:
        response.headers["Cache-Control"] = "no-store"
    return response


@admins
async def detail(request: Request) -> Response:
    endpoint = await endpoints.get_endpoint(db(request), request.path_params["endpoint_id"])
    return await _detail_page(request, endpoint, _form_of(endpoint))


@admins
async def save(request: Request) -> Response:
    endpoint = await endpoints.get_endpoint(db(request), request.path_params["endpoint_id"])
    state, fields = _endpoint_form(await request.form())
    if fields is None:
        return await _detail_page(request, endpoint, state, status_code=422)
    try:
        await endpoints.update_endpoint(
            db(request),
            endpoint,
            actor=current_user(request),
            fields=fields,
            allow_loopback=settings(request).loopback_webhooks,
        )
    except PortalError as error:
        state.add_error("url", error.message)
        return await _detail_page(request, endpoint, state, status_code=error.status_code)
    flash(request, gettext("Endpoint saved."))
    return redirect(request, "webhooks:detail", endpoint_id=endpoint.id)


@admins
@confirmed_recently(N_("see a webhook signing secret"))
async def show_secret(request: Request) -> Response:
    endpoint = await endpoints.get_endpoint(db(request), request.path_params["endpoint_id"])
    secret = await endpoints.reveal_secret(db(request), endpoint, actor=current_user(request))
    return await _detail_page(request, endpoint, _form_of(endpoint), secret=secret)


@admins
@confirmed_recently(N_("rotate a webhook signing secret"))
async def rotate(request: Request) -> Response:
    endpoint = await endpoints.get_endpoint(db(request), request.path_params["endpoint_id"])
    await endpoints.rotate_secret(db(request), endpoint, actor=current_user(request))
    flash(request, gettext("New secret made. The old one keeps signing beside it for 24 hours."))
    return redirect(request, "webhooks:detail", endpoint_id=endpoint.id)


@admins
async def send_test(request: Request) -> Response:
    endpoint = await endpoints.get_endpoint(db(request), request.path_params["endpoint_id"])
    await deliveries.record_test_event(db(request), endpoint)
    flash(request, gettext("Test event sent: its delivery shows in the log below."))
    return redirect(request, "webhooks:detail", endpoint_id=endpoint.id)


@admins
async def redeliver(request: Request) -> Response:
    endpoint = await endpoints.get_endpoint(db(request), request.path_params["endpoint_id"])
    await deliveries.redeliver(db(request), endpoint, request.path_params["delivery_id"])
    flash(request, gettext("Sent again: the log shows how it went."))
    return redirect(request, "webhooks:detail", endpoint_id=endpoint.id)


routes = [
    Route("/", endpoint_list, methods=["GET"], name="list"),
    Route("/new", new, methods=["GET"], name="new"),
    Route("/new", create, methods=["POST"], name="create"),
    Route("/{endpoint_id:int}", detail, methods=["GET"], name="detail"),
    Route("/{endpoint_id:int}", save, methods=["POST"], name="save"),
    Route("/{endpoint_id:int}/secret", show_secret, methods=["POST"], name="secret"),
    Route("/{endpoint_id:int}/rotate", rotate, methods=["POST"], name="rotate"),
    Route("/{endpoint_id:int}/test", send_test, methods=["POST"], name="test"),
    Route(
        "/{endpoint_id:int}/deliveries/{delivery_id:int}/redeliver",
        redeliver,
        methods=["POST"],
        name="redeliver",
    ),
]
