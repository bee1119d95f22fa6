"""The team's inbox API: list and read mentions, update cases, queue replies (behind IAM
auth in AWS)."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths

from heard.api.errors import ApiError, error_response
from heard.api.inbox import Inbox, etag
from heard.api.responses import CaseView
from heard.config import ConfigError, ConfigSource, HeardConfig
from heard.observability import make_tracer
from heard.reply_queue import SqsReplyQueue
from heard.settings import ApiSettings
from heard.store import MentionStore, MentionTable

logger = Logger()
tracer = make_tracer()
app = APIGatewayHttpResolver()
app.exception_handler(ApiError)(error_response)


@cache
def _inbox() -> Inbox:
    settings = ApiSettings.from_env()
    table = boto3.resource("dynamodb").Table(settings.mentions_table)
    source = ConfigSource(settings)

    def config() -> HeardConfig | None:
        # The brand's reply templates for the drafts; without them, the built-in ones.
        try:
            return source.get()
        except ConfigError as exc:
            logger.warning("brand configuration unavailable; drafts use the defaults: %s", exc)
            return None

    queue = settings.reply_queue_url
    return Inbox(
        MentionStore(MentionTable(table)),
        config=config,
        replies=SqsReplyQueue(boto3.client("sqs"), queue) if queue else None,
    )


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
    body = _json_body()
    case = _inbox().update(mention_id, body, _actor(), if_match=event.headers.get("if-match"))
    return _case_response(case)


@app.post("/mentions/<mention_id>/replies")
def request_reply(mention_id: str) -> Response[dict[str, Any]]:
    """Queue a reply on the case (202); the reply function sends it."""
    event = app.current_event
    body = _json_body()
    accepted, _ = _inbox().request_reply(
        mention_id, body, _actor(), idempotency_key=event.headers.get("idempotency-key")
    )
    return Response(
        status_code=202,
        content_type=content_types.APPLICATION_JSON,
        body=accepted.model_dump(mode="json"),
    )


def _json_body() -> Any:
    event = app.current_event
    if not event.body:
        return {}
    try:
        return event.json_body
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than can be read
        raise ApiError.invalid("body", "not valid JSON") from None


def _case_response(case: CaseView) -> Response[dict[str, Any]]:
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=case.model_dump(mode="json"),
        headers={"ETag": etag(case.version)},
    )


def _actor() -> str:
    """Who is making the request: the signed-in person, else the IAM caller."""
    authorizer = app.current_event.request_context.authorizer
    claims = (authorizer.raw_event.get("jwt") or {}).get("claims") or {}
    if claims.get("sub"):
        return str(claims.get("email") or claims.get("cognito:username") or claims["sub"])
    iam = authorizer.raw_event.get("iam") or {}
    return str(iam.get("userArn") or iam.get("callerId") or "unknown")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event, context):
    return app.resolve(event, context)
