"""/api/v1/webhooks (`webhooks:manage`): what Manage → Webhooks does, for a system that sets up
its own endpoints: list, add (the signing secret comes back once), change, rotate the secret
(the old one signs beside the new one for 24 hours), send a test event, read the delivery log
and redeliver. The same services as the pages, so the same address checks (no private,
link-local or, in production, loopback addresses) and the same audit entries."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema

from portal.api.advocates import acting_admin
from portal.api.framework import Call, operation
from portal.api.problems import field_problem
from portal.api.schemas import PLAIN, Strict, Text, bounded
from portal.api_tokens.models import Scope
from portal.web import settings
from portal.webhooks.catalogue import CATALOGUE, NAMES
from portal.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from portal.webhooks.service import deliveries, endpoints


def _in_catalogue(name: str) -> str:
    if name not in NAMES:
        raise ValueError("Not an event type of the catalogue.")
    return name


EventName = Annotated[
    str,
    AfterValidator(_in_catalogue),
    WithJsonSchema({"type": "string", "enum": [event_type.name for event_type in CATALOGUE]}),
]
EventNames = Annotated[list[EventName], Field(min_length=1, max_length=len(CATALOGUE))]
Url = Annotated[str, bounded(500, required=True), PLAIN]


class EndpointIn(Strict):
    """An endpoint: its address (http or https), the events it wants, a description."""

    url: Url
    event_types: EventNames
    description: Text = ""
    enabled: bool = True


class EndpointChange(Strict):
    """Any of the endpoint's fields; those left out stay as they are."""

    url: Url | None = None
    event_types: EventNames | None = None
    description: Text | None = None
    enabled: bool | None = None


class EndpointOut(BaseModel):
    id: int
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    failing_since: datetime | None = Field(
        description="Set when a delivery failed for 3 days; cleared by the next success."
    )
    previous_secret_signs_until: datetime | None = Field(
        description="After a rotation, until when the old secret still signs beside the new one."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> "EndpointOut":
        return cls(
            id=endpoint.id,
            url=endpoint.url,
            description=endpoint.description,
            event_types=endpoint.subscribed,
            enabled=endpoint.enabled,
            failing_since=endpoint.failing_since,
            previous_secret_signs_until=endpoints.overlap_until(endpoint),
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
        )


class EndpointSecret(BaseModel):
    endpoint: EndpointOut
    secret: str = Field(description="The signing secret (`whsec_…`): keep it, it is shown once.")


class EndpointList(BaseModel):
    items: list[EndpointOut]


class DeliveryOut(BaseModel):
    id: int
    event_type: str
    message_id: str = Field(description="The `webhook-id` header: the same on a redelivery.")
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_response: str = Field(description="The first bytes of the receiver's last answer.")
    last_duration_ms: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> "DeliveryOut":
        return cls(
            id=delivery.id,
            event_type=delivery.event_type,
            message_id=delivery.message_id,
            status=DeliveryStatus(delivery.status),
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at,
            last_attempt_at=delivery.last_attempt_at,
            last_status_code=delivery.last_status_code,
            last_response=delivery.last_response,
            last_duration_ms=delivery.last_duration_ms,
            last_error=delivery.last_error,
            created_at=delivery.created_at,
            delivered_at=delivery.delivered_at,
        )


class DeliveryQuery(Strict):
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 25


class DeliveryPage(BaseModel):
    items: list[DeliveryOut] = Field(description="Newest first.")
    page: int
    total: int


async def _endpoint(call: Call[Any, Any]) -> WebhookEndpoint:
    return await endpoints.get_endpoint(call.session, call.path("endpoint_id"))


async def _saved(
    call: Call[Any, Any], endpoint: WebhookEndpoint | None, fields: endpoints.EndpointFields
) -> WebhookEndpoint:
    """Creates or updates, in the name of the token's admin; an address webhooks may not call
    is refused with the field named."""
    actor = await acting_admin(call)
    allow_loopback = settings(call.request).loopback_webhooks
    try:
        if endpoint is None:
            return await endpoints.create_endpoint(
                call.session, actor=actor, fields=fields, allow_loopback=allow_loopback
            )
        await endpoints.update_endpoint(
            call.session, endpoint, actor=actor, fields=fields, allow_loopback=allow_loopback
        )
    except endpoints.UnsafeUrl as error:
        raise field_problem("url", error.message) from error
    return endpoint


@operation(
    "GET",
    "/webhooks",
    name="list_webhooks",
    summary="The webhook endpoints",
    scope=Scope.WEBHOOKS_MANAGE,
    response=EndpointList,
)
async def list_webhooks(call: Call[Any, Any]) -> EndpointList:
    return EndpointList(
        items=[EndpointOut.of(row) for row in await endpoints.list_endpoints(call.session)]
    )


@operation(
    "POST",
    "/webhooks",
    name="create_webhook",
    summary="Add an endpoint; its signing secret comes back once",
    scope=Scope.WEBHOOKS_MANAGE,
    body=EndpointIn,
    response=EndpointSecret,
    status=201,
)
async def create_webhook(call: Call[EndpointIn, Any]) -> EndpointSecret:
    body = call.body
    fields = endpoints.EndpointFields(
        url=body.url,
        description=body.description,
        event_types=list(body.event_types),
        enabled=body.enabled,
    )
    endpoint = await _saved(call, None, fields)
    return EndpointSecret(endpoint=EndpointOut.of(endpoint), secret=endpoint.secret)


@operation(
    "GET",
    "/webhooks/{endpoint_id:int}",
    name="get_webhook",
    summary="One endpoint",
    scope=Scope.WEBHOOKS_MANAGE,
    response=EndpointOut,
)
async def get_webhook(call: Call[Any, Any]) -> EndpointOut:
    return EndpointOut.of(await _endpoint(call))


@operation(
    "PATCH",
    "/webhooks/{endpoint_id:int}",
    name="update_webhook",
    summary="Change an endpoint's address, events, description or whether it is enabled",
    scope=Scope.WEBHOOKS_MANAGE,
    body=EndpointChange,
    response=EndpointOut,
)
async def update_webhook(call: Call[EndpointChange, Any]) -> EndpointOut:
    endpoint = await _endpoint(call)
    body = call.body
    fields = endpoints.EndpointFields(
        url=body.url if body.url is not None else endpoint.url,
        description=body.description if body.description is not None else endpoint.description,
        event_types=list(body.event_types) if body.event_types else endpoint.subscribed,
        enabled=body.enabled if body.enabled is not None else endpoint.enabled,
    )
    return EndpointOut.of(await _saved(call, endpoint, fields))


@operation(
    "POST",
    "/webhooks/{endpoint_id:int}/rotate-secret",
    name="rotate_webhook_secret",
    summary="A new signing secret (shown once); the old one signs beside it for 24 hours",
    scope=Scope.WEBHOOKS_MANAGE,
    response=EndpointSecret,
)
async def rotate_webhook_secret(call: Call[Any, Any]) -> EndpointSecret:
    endpoint = await _endpoint(call)
    await endpoints.rotate_secret(call.session, endpoint, actor=await acting_admin(call))
    return EndpointSecret(endpoint=EndpointOut.of(endpoint), secret=endpoint.secret)


@operation(
    "POST",
    "/webhooks/{endpoint_id:int}/test",
    name="send_test_webhook",
    summary="Send the endpoint a `webhook.test` event",
    scope=Scope.WEBHOOKS_MANAGE,
    response=DeliveryOut,
    status=201,
)
async def send_test_webhook(call: Call[Any, Any]) -> DeliveryOut:
    return DeliveryOut.of(await deliveries.record_test_event(call.session, await _endpoint(call)))


@operation(
    "GET",
    "/webhooks/{endpoint_id:int}/deliveries",
    name="list_webhook_deliveries",
    summary="The endpoint's delivery log, newest first",
    scope=Scope.WEBHOOKS_MANAGE,
    query=DeliveryQuery,
    response=DeliveryPage,
)
async def list_webhook_deliveries(call: Call[Any, DeliveryQuery]) -> DeliveryPage:
    page = await deliveries.list_deliveries(
        call.session, await _endpoint(call), page=call.query.page, per_page=call.query.per_page
    )
    return DeliveryPage(
        items=[DeliveryOut.of(row) for row in page.items], page=page.page, total=page.total
    )


@operation(
    "POST",
    "/webhooks/{endpoint_id:int}/deliveries/{delivery_id:int}/redeliver",
    name="redeliver_webhook",
    summary="Send a delivered or failed message again, with its original webhook-id",
    scope=Scope.WEBHOOKS_MANAGE,
    response=DeliveryOut,
)
async def redeliver_webhook(call: Call[Any, Any]) -> DeliveryOut:
    endpoint = await _endpoint(call)
    delivery = await deliveries.redeliver(call.session, endpoint, call.path("delivery_id"))
    return DeliveryOut.of(delivery)
