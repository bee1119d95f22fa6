"""The API's OpenAPI document: its title, the responses every route shares, and how a
Powertools validation error becomes the API's one error shape.

Routes declare typed parameters (``Query``, ``Path``, ``Header``, ``Body``) and response models;
Powertools builds the document from them (``GET /openapi.json``; Swagger UI at ``/swagger`` in
the local stack). A request that fails that validation is answered as every refusal is:
400 ``{"error": "invalid_parameter", "message", "field"}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from heard.api.errors import ApiError
from heard.jsonbody import load_json

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

TITLE = "Heard"
VERSION = "1.0.0"
DESCRIPTION = (
    "The team's inbox: cases, their SLA clocks, replies and statistics. Every operation needs "
    "`Authorization: Bearer <token>` (a Cognito ID or access token of the stack's user pool)."
)


class ErrorBody(BaseModel):
    """Every refusal of the API: ``field`` names the parameter, header or body field at fault."""

    model_config = ConfigDict(extra="forbid")

    error: str
    message: str
    field: str | None = None


class Unauthorized(BaseModel):
    """401: API Gateway's authorizer answers ``{"message": "Unauthorized"}``, the handler
    ``{"error": "unauthorized", "message"}``."""

    model_config = ConfigDict(extra="allow")

    message: str


_DESCRIPTIONS = {
    200: "OK",
    202: "Accepted",
    400: "A bad parameter, header or body; `field` names it",
    401: "No valid token",
    404: "No such case",
    409: "The case changed meanwhile (a stale `version`, or an Idempotency-Key race)",
    412: "`If-Match` names a version the case is no longer at",
    422: "The platform's rules forbid this reply, or the Idempotency-Key was used for another",
    503: "A dependency is unavailable (replies not configured, the brands unreadable)",
}


def responses(
    model: type[BaseModel], *errors: int, status: int = 200, etag: bool = False
) -> dict[int, Any]:
    """The documented responses of a route: ``model`` on success, the error shape on 400, 401
    and ``errors``."""
    ok: dict[str, Any] = {
        "description": _DESCRIPTIONS[status],
        "content": {"application/json": {"model": model}},
    }
    if etag:
        ok["headers"] = {
            "ETag": {"description": "the case's version", "schema": {"type": "string"}}
        }
    documented: dict[int, Any] = {status: ok}
    for code in (400, 401, *errors):
        body = Unauthorized if code == 401 else ErrorBody
        documented[code] = {
            "description": _DESCRIPTIONS[code],
            "content": {"application/json": {"model": body}},
        }
    return documented


def validation_error(errors: Sequence[Any]) -> ApiError:
    """The 400 for Powertools' ``RequestValidationError``: the first error, naming its field
    (``limit``, ``If-Match``, a body field such as ``status``, or ``body`` itself)."""
    first = errors[0] if errors else {}
    loc = [str(part) for part in first.get("loc", ())]
    where, parts = (loc[0], loc[1:]) if loc else ("body", [])
    field = ".".join(parts) if parts else where
    message = first.get("msg") or "invalid value"
    return ApiError.invalid(field, f"{field}: {message}")


def safe_json(text: str) -> Any:
    """What validation reads a JSON body with: the one safe loader (``BodyError``: a 400)."""
    return load_json(text.encode("utf-8", errors="surrogatepass"))


_documents: dict[int, str] = {}


def openapi_document(app: APIGatewayHttpResolver) -> str:
    """The OpenAPI document of ``app``'s routes, as JSON (built once per cold start)."""
    if id(app) not in _documents:
        from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

        _documents[id(app)] = app.get_openapi_json_schema(
            title=TITLE,
            version=VERSION,
            description=DESCRIPTION,
            security_schemes={"bearer": HTTPBearer(scheme="bearer", bearerFormat="JWT")},
            security=[{"bearer": []}],
        )
    return _documents[id(app)]
