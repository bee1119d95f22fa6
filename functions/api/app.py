"""The team's inbox API: list and read mentions, and say who is asking.

In AWS every route here sits behind HeardApi's Cognito JWT authorizer; the signed-in person
reaches the domain as a ``Principal`` read from the token's claims (``heard.api.identity``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths

from heard.api.errors import ApiError, error_response
from heard.api.identity import Principal, require_principal
from heard.api.inbox import Inbox, etag
from heard.api.responses import CaseView, PrincipalView
from heard.jsonbody import BodyError, load_json, raw_body
from heard.observability import make_tracer
from heard.settings import ApiSettings
from heard.store import MentionStore, MentionTable

logger = Logger()
tracer = make_tracer()
app = APIGatewayHttpResolver()
app.exception_handler(ApiError)(error_response)


@cache
def _inbox() -> Inbox:
    table = boto3.resource("dynamodb").Table(ApiSettings.from_env().mentions_table)
    return Inbox(MentionStore(MentionTable(table)))


def _principal() -> Principal:
    """The signed-in person of the current request; a 401 ``ApiError`` when there is none."""
    return require_principal(app.current_event.raw_event)


@app.get("/me")
def me() -> dict[str, Any]:
    return PrincipalView.of(_principal()).model_dump(mode="json")


@app.get("/mentions")
def list_mentions() -> dict[str, Any]:
    params = app.current_event.query_string_parameters or {}
    return _inbox().list(params).model_dump(mode="json")


@app.get("/mentions/<mention_id>")
def get_mention(mention_id: str) -> Response[dict[str, Any]]:
    return _case_response(_inbox().get(mention_id))


@app.patch("/mentions/<mention_id>")
def update_mention(mention_id: str) -> Response[dict[str, Any]]:
    event = app.current_event
    try:
        body = load_json(_raw_body()) if event.body else {}
    except BodyError as exc:
        raise ApiError.invalid("body", str(exc)) from None
    case = _inbox().update(mention_id, body, _actor(), if_match=event.headers.get("if-match"))
    return _case_response(case)


def _raw_body() -> bytes:
    event = app.current_event
    return raw_body(event.body, bool(event.is_base64_encoded))


def _case_response(case: CaseView) -> Response[dict[str, Any]]:
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=case.model_dump(mode="json"),
        headers={"ETag": etag(case.version)},
    )


def _actor() -> str:
    """Who is making the request, as history and assignees name people: their email."""
    return _principal().handle


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event, context):
    return app.resolve(event, context)
