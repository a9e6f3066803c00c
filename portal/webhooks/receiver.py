"""A webhook receiver for a laptop (`portal webhook-receiver`) and the tests: it checks each
delivery's signature with the `standardwebhooks` library, keeps what arrived and answers 204
(400 when the signature does not match, 503 while told to be down)."""

import base64
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from standardwebhooks.webhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.clock import utcnow

TOLERANCE = timedelta(minutes=5)  # the spec's window against replayed messages


@dataclass(frozen=True)
class Received:
    message_id: str
    event_type: str
    payload: dict[str, Any]
    body: bytes
    headers: dict[str, str]


def signed_by(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    """Whether one of the `v1,` signatures is the secret's over this message (the library's
    signing; the time is checked against the portal's clock, which tests move)."""
    message_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    if not message_id or not stamp.isdigit():
        return False
    moment = datetime.fromtimestamp(int(stamp), UTC)
    if abs(utcnow() - moment) > TOLERANCE:
        return False
    expected = Webhook(secret).sign(message_id, moment, body.decode()).partition(",")[2]
    return any(
        version == "v1" and hmac.compare_digest(base64.b64decode(expected), base64.b64decode(sig))
        for version, _, sig in (
            part.partition(",") for part in headers.get("webhook-signature", "").split()
        )
    )


@dataclass
class Receiver:
    secrets: list[str]
    received: list[Received] = field(default_factory=list)
    on_delivery: Callable[[Received], None] | None = None

    async def receive(self, request: Request) -> Response:
        body = await request.body()
        headers = {name.lower(): value for name, value in request.headers.items()}
        if not any(signed_by(secret, body, headers) for secret in self.secrets):
            return Response("signature does not match", status_code=400)
        payload = json.loads(body)
        delivery = Received(
            headers["webhook-id"], str(payload.get("type", "")), payload, body, headers
        )
        self.received.append(delivery)
        if self.on_delivery is not None:
            self.on_delivery(delivery)
        return Response(status_code=204)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self.receive, methods=["POST"])])
