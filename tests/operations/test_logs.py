"""The log formats of `portal run` and `portal worker`: each line written while a request is
answered carries its id, in the readable format and in JSON alike."""

import json
import logging
import sys

import httpx

from portal.middleware import current_request_id
from portal.operations.logs import JsonLines, WithRequestId, log_config


def formatted(formatter: logging.Formatter, record: logging.LogRecord) -> str:
    WithRequestId().filter(record)
    return formatter.format(record)


def record(message: str, *args: object, name: str = "portal.outbox") -> logging.LogRecord:
    return logging.LogRecord(name, logging.WARNING, __file__, 1, message, args, None)


def test_readable_lines_carry_the_request_id_or_a_dash() -> None:
    text = logging.Formatter(log_config("text")["formatters"]["portal"]["format"])
    token = current_request_id.set("4f2a9c0e11bd")
    try:
        during = formatted(text, record("SMTP refused %s", "ada@example.com"))
    finally:
        current_request_id.reset(token)
    outside = formatted(text, record("sweep done"))
    assert during.endswith("WARNING portal.outbox [4f2a9c0e11bd] SMTP refused ada@example.com")
    assert outside.endswith("WARNING portal.outbox [-] sweep done")


def test_json_lines_are_objects_with_the_request_id_and_access_fields() -> None:
    token = current_request_id.set("4f2a9c0e11bd")
    try:
        access = record(
            '%s - "%s %s HTTP/%s" %d',
            "10.1.2.3:5100",
            "GET",
            "/rewards/",
            "1.1",
            200,
            name="uvicorn.access",
        )
        line = json.loads(formatted(JsonLines(), access))
    finally:
        current_request_id.reset(token)
    assert line["request_id"] == "4f2a9c0e11bd"
    assert line["message"] == '10.1.2.3:5100 - "GET /rewards/ HTTP/1.1" 200'
    assert (line["method"], line["path"], line["status"]) == ("GET", "/rewards/", 200)
    assert line["level"] == "warning"
    outside = json.loads(formatted(JsonLines(), record("sweep done")))
    assert "request_id" not in outside


def test_a_failure_keeps_its_traceback_in_one_json_line() -> None:
    try:
        raise RuntimeError("SMTP went away")
    except RuntimeError:
        failed = record("job send_email failed")
        failed.exc_info = sys.exc_info()
    text = formatted(JsonLines(), failed)
    assert "\n" not in text
    assert "RuntimeError: SMTP went away" in json.loads(text)["exception"]


async def test_the_request_id_reaches_the_response_and_is_gone_afterwards(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/healthz")
    assert len(response.headers["x-request-id"]) == 12
    assert current_request_id.get() is None
