"""The OpenAPI 3.1 document, made from the operations' own pydantic models (the schemas that
validate requests are the ones published), and the reference page rendered from it on the
server: no script, so the Content-Security-Policy stays as it is."""

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from portal.api import (  # noqa: F401  (each registers its operations)
    advocates,
    conversions,
    events,
    referrals,
    rewards,
    webhooks,
)
from portal.api.framework import OPERATIONS, ROUTES, Operation
from portal.api.problems import PROBLEM_JSON, Problem
from portal.people.access import public
from portal.web import render

REF = "#/components/schemas/{model}"
PROBLEM_REF = {"$ref": REF.format(model="Problem")}
STATUS_TEXT = {
    200: "OK",
    201: "Created",
    400: "Bad request",
    401: "No valid API token",
    403: "The token lacks the scope",
    404: "Not found",
    409: "Conflicts with what is there (a duplicate, a self-referral, a taken id)",
    413: "The body is too large",
    422: "Bad input: `errors` names each field",
    429: "Too many requests: see Retry-After",
}


def _models() -> list[tuple[type[BaseModel], Any]]:
    pairs: list[tuple[type[BaseModel], Any]] = [(Problem, "serialization")]
    for op in OPERATIONS:
        pairs.append((op.response, "serialization"))
        for request_model in (op.body, op.query):
            if request_model is not None:
                pairs.append((request_model, "validation"))
    return list(dict.fromkeys(pairs))


def _parameters(op: Operation) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = []
    for name in _path_names(op.path):
        schema: dict[str, Any] = (
            {"type": "integer", "minimum": 1, "maximum": 2_147_483_647}
            if name.endswith("_id") and name != "external_id"
            else {"type": "string", "minLength": 1, "maxLength": 100}
        )
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF)
        for name, prop in schema.get("properties", {}).items():
            parameters.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in schema.get("required", []),
                    "schema": _not_null(prop),
                }
            )
    for header in op.headers:
        parameters.append(
            {
                "name": header,
                "in": "header",
                "required": True,
                "schema": {"type": "string", "minLength": 1, "maxLength": 200},
            }
        )
    return parameters


def _not_null(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is left out rather than sent as null: its schema drops that option."""
    options = [option for option in prop.get("anyOf", []) if option != {"type": "null"}]
    rest = {key: value for key, value in prop.items() if key not in ("anyOf", "title")}
    if rest.get("default", 0) is None:
        del rest["default"]
    if len(options) == 1:
        return {**options[0], **rest}
    return {**rest, **({"anyOf": options} if options else {})} or prop


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def document() -> dict[str, Any]:
    mapping, definitions = models_json_schema(_models(), ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        responses: dict[str, Any] = {
            str(op.status): {
                "description": STATUS_TEXT[op.status],
                "content": {
                    "application/json": {"schema": mapping[(op.response, "serialization")]}
                },
            }
        }
        if op.replays:
            responses["200"] = {
                "description": "A repeat of an earlier request: the first result, nothing new",
                "content": responses[str(op.status)]["content"],
            }
        for status in op.errors:
            responses[str(status)] = {
                "description": STATUS_TEXT[status],
                "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
            }
        entry: dict[str, Any] = {
            "operationId": op.name,
            "summary": op.summary,
            "tags": [op.path.split("/")[1]],
            "security": [{"token": [op.scope.value]}],
            "parameters": _parameters(op),
            "responses": responses,
        }
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": mapping[(op.body, "validation")]}},
            }
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Advocate Portal API",
            "version": "1",
            "description": "Send an API token made under Manage → API tokens as "
            "`Authorization: Bearer <token>`. Errors are problem details (RFC 9457).",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
    }


@public
async def openapi_json(request: Request) -> Response:
    return JSONResponse(document())


def _type_text(schema: dict[str, Any]) -> str:
    """A schema as a reader would say it: `string`, `Stage`, `list of ReferralOut`, `integer or
    null`."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_type_text(option) for option in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list of {_type_text(schema.get('items', {}))}"
    if "enum" in schema:
        return " | ".join(map(str, schema["enum"]))
    kind = str(schema.get("type", "any"))
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def _fields(schema: dict[str, Any]) -> list[tuple[str, str, bool, str]]:
    required = set(schema.get("required", []))
    return [
        (name, _type_text(prop), name in required, str(prop.get("description", "")))
        for name, prop in schema.get("properties", {}).items()
    ]


@public
async def docs(request: Request) -> Response:
    spec = document()
    schemas = {
        name: {"description": schema.get("description", ""), "fields": _fields(schema)}
        for name, schema in sorted(spec["components"]["schemas"].items())
    }
    return render(
        request,
        "api/docs.html",
        {"spec": spec, "schemas": schemas, "type_text": _type_text},
    )


routes = [
    Route("/openapi.json", openapi_json, methods=["GET"], name="openapi"),
    Route("/docs", docs, methods=["GET"], name="docs"),
    *ROUTES,
]
