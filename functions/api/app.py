"""The team's inbox API: list and read mentions, and say who is asking.

In AWS every route here sits behind HeardApi's Cognito JWT authorizer; the signed-in person
reaches the domain as a ``Principal`` read from the token's claims (``heard.api.identity``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths

from heard.api.errors import ApiError, error_response
from heard.api.identity import Principal, require_principal
from heard.api.inbox import Inbox
from heard.api.responses import PrincipalView
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
def get_mention(mention_id: str) -> dict[str, Any]:
    return _inbox().get(mention_id).model_dump(mode="json")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event, context):
    return app.resolve(event, context)
