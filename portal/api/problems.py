"""Errors as RFC 9457 problem details: a title, the status, a detail a person can read, and for
bad input one entry per field (`errors[].field` names it: `prospect.email`, `query.limit`)."""

from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.responses import JSONResponse

from portal.errors import error_title

PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] = []


class ApiProblem(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


def field_problem(field: str, message: str, *, status: int = 422) -> ApiProblem:
    return ApiProblem(status, message, errors=[FieldError(field=field, message=message)])


def invalid(error: ValidationError, *, where: str = "") -> ApiProblem:
    errors = [
        FieldError(
            field=".".join([where, *map(str, item["loc"])] if where else map(str, item["loc"]))
            or "body",
            message=item["msg"],
        )
        for item in error.errors(include_url=False)
    ]
    return ApiProblem(422, "Some fields are not right: see errors.", errors=errors)


TITLES = {401: "Not signed in", 429: "Too many requests"}


def problem_response(problem: ApiProblem) -> JSONResponse:
    body: dict[str, Any] = Problem(
        title=TITLES.get(problem.status, error_title(problem.status)),
        status=problem.status,
        detail=problem.detail,
        errors=problem.errors,
    ).model_dump()
    return JSONResponse(
        body, status_code=problem.status, headers=problem.headers, media_type=PROBLEM_JSON
    )
