"""The team's inbox API: list, read and update cases, their statistics, and who is asking.

In AWS every route here sits behind HeardApi's Cognito JWT authorizer; the signed-in person
reaches the domain as a ``Principal`` read from the token's claims (``heard.api.identity``).
A case's first response and its resolution are published as CloudWatch metrics (EMF):
``FirstResponseTime`` and ``ResolutionTime`` in seconds from when Heard received its first
message, by brand and priority.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths

from heard.api.errors import ApiError, error_response
from heard.api.identity import Principal, principal_of, require_principal
from heard.api.inbox import Inbox, etag
from heard.api.responses import CaseView, PrincipalView
from heard.api.stats import Stats
from heard.config import ConfigError, ConfigSource, HeardConfig
from heard.jsonbody import BodyError, load_json, raw_body
from heard.models import MentionRecord, Status
from heard.observability import make_tracer
from heard.reply_queue import SqsReplyQueue
from heard.settings import ApiSettings
from heard.store import MentionStore, MentionTable

logger = Logger()
tracer = make_tracer()
app = APIGatewayHttpResolver()
app.exception_handler(ApiError)(error_response)


@cache
def _settings() -> ApiSettings:
    return ApiSettings.from_env()


@cache
def _store() -> MentionStore:
    table = boto3.resource("dynamodb").Table(_settings().mentions_table)
    return MentionStore(MentionTable(table))


@cache
def _inbox() -> Inbox:
    settings = _settings()
    source = ConfigSource(settings)

    def config() -> HeardConfig | None:
        # The brand's SLA policy and reply templates; without them, no SLA figures and the
        # built-in templates.
        try:
            return source.get()
        except ConfigError as exc:
            logger.warning("brand configuration unavailable; no SLA, default drafts: %s", exc)
            return None

    queue = settings.reply_queue_url
    return Inbox(
        _store(),
        on_change=_case_metrics,
        config=config,
        replies=SqsReplyQueue(boto3.client("sqs"), queue) if queue else None,
    )


@cache
def _stats() -> Stats:
    source = ConfigSource(_settings())
    return Stats(_store(), source.get)  # the config is cached; an SSM edit shows within 60 s


def _principal() -> Principal:
    """The signed-in person of the current request; a 401 ``ApiError`` when there is none."""
    return require_principal(app.current_event.raw_event)


@app.get("/me")
def me() -> dict[str, Any]:
    return PrincipalView.of(_principal()).model_dump(mode="json")


@app.get("/mentions")
def list_mentions() -> dict[str, Any]:
    params = app.current_event.query_string_parameters or {}
    principal = principal_of(app.current_event.raw_event)
    actor = principal.handle if principal is not None else None  # what assignee=me means
    return _inbox().list(params, actor).model_dump(mode="json")


@app.get("/mentions/<mention_id>")
def get_mention(mention_id: str) -> Response[dict[str, Any]]:
    return _case_response(_inbox().get(mention_id))


@app.patch("/mentions/<mention_id>")
def update_mention(mention_id: str) -> Response[dict[str, Any]]:
    event = app.current_event
    body = _json_body()
    case = _inbox().update(mention_id, body, _actor(), if_match=event.headers.get("if-match"))
    return _case_response(case)


@app.get("/stats")
def get_stats() -> dict[str, Any]:
    params = app.current_event.query_string_parameters or {}
    return _stats().get(params).model_dump(mode="json")


def _case_metrics(before: MentionRecord, after: MentionRecord) -> None:
    """EMF metrics for a case's first response and its resolution, when this update made them:
    seconds from when Heard received its first message, dimensions brand and priority."""
    from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

    reached = []
    if before.first_response_at is None and after.first_response_at is not None:
        reached.append(("FirstResponseTime", after.first_response_at))
    resolved = after.status is Status.RESOLVED and before.status is not Status.RESOLVED
    if resolved and after.resolved_at is not None:
        reached.append(("ResolutionTime", after.resolved_at))
    if not reached:
        return
    metrics = EphemeralMetrics()
    metrics.add_dimension(name="brand", value=after.brand)
    metrics.add_dimension(name="priority", value=after.priority.value)
    for name, at in reached:
        seconds = max((at - after.received_at).total_seconds(), 0.0)
        metrics.add_metric(name=name, unit=MetricUnit.Seconds, value=seconds)
    metrics.flush_metrics()


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
    """The request's JSON (an empty body reads as ``{}``); a 400 naming ``body`` otherwise."""
    event = app.current_event
    if not event.body:
        return {}
    try:
        return load_json(raw_body(event.body, bool(event.is_base64_encoded)))
    except BodyError as exc:
        raise ApiError.invalid("body", str(exc)) from None


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
