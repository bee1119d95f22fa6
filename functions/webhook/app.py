"""Webhook ingest: ``/webhooks/<platform>`` for every platform adapter in ``heard.platforms``.

Thin handler: HTTP in, ``heard.webhooks`` does the work, domain errors map to status codes here.
"""

from __future__ import annotations

from functools import cache

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from heard.ingest import EnqueueError, IngestQueue, message_platform
from heard.jsonbody import BodyError, raw_body
from heard.models import QueueMessage
from heard.observability import PlatformMetrics, make_tracer
from heard.platforms import (
    NoChallenge,
    PayloadError,
    SignatureError,
    UnknownPlatform,
    VerificationError,
)
from heard.secrets import SecretUnavailable
from heard.settings import WebhookSettings
from heard.webhooks import BodyTooLarge, Webhooks

logger = Logger()
tracer = make_tracer()
metrics = Metrics()
app = APIGatewayHttpResolver()
platform_metrics = PlatformMetrics()


@cache
def _queue() -> IngestQueue:
    # Created once per cold start, on first use (keeps init fast for CRC checks).
    return IngestQueue(boto3.client("sqs"), WebhookSettings.from_env().ingest_queue_url)


webhooks = Webhooks(_queue)


def _raw_body() -> bytes:
    event = app.current_event
    try:
        return raw_body(event.body, bool(event.is_base64_encoded))
    except BodyError as exc:
        raise PayloadError("body", str(exc)) from None


def _accepted(messages: list[QueueMessage]) -> dict:
    for message in messages:
        platform_metrics.add(message_platform(message), "MentionsReceived")
    platform_metrics.flush()
    logger.info("delivery accepted", extra={"queued": len(messages)})
    return {"accepted": len(messages)}


def _query() -> dict[str, str]:
    return app.current_event.query_string_parameters or {}


@app.get("/webhooks/<platform>")
def challenge(platform: str) -> Response:
    """The platform's subscription check (X CRC, Meta hub.challenge)."""
    answer = webhooks.challenge(platform, _query())
    return Response(status_code=200, content_type=answer.content_type, body=answer.body)


@app.post("/webhooks/<platform>")
def deliver(platform: str) -> dict:
    headers = dict(app.current_event.headers or {})
    return _accepted(webhooks.deliver(platform, _raw_body(), headers, _query()))


def _error(status: int, code: str, message: str, **extra: str) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"error": code, "message": message, **extra},
    )


@app.exception_handler(UnknownPlatform)
def _unknown(exc: UnknownPlatform) -> Response:
    return _error(404, "not_found", str(exc))


@app.exception_handler(NoChallenge)
def _no_challenge(exc: NoChallenge) -> Response:
    return _error(405, "method_not_allowed", str(exc))


@app.exception_handler(SignatureError)
def _forged(exc: SignatureError) -> Response:
    metrics.add_metric(name="SignatureRejected", unit=MetricUnit.Count, value=1)
    logger.warning("signature rejected", extra={"reason": str(exc), "path": app.current_event.path})
    return _error(401, "invalid_signature", str(exc))


@app.exception_handler(VerificationError)
def _not_verified(exc: VerificationError) -> Response:
    return _error(403, "verification_failed", str(exc))


@app.exception_handler(PayloadError)
def _malformed(exc: PayloadError) -> Response:
    return _error(400, "invalid_payload", str(exc), field=exc.field)


@app.exception_handler(BodyTooLarge)
def _too_large(exc: BodyTooLarge) -> Response:
    return _error(413, "payload_too_large", str(exc))


@app.exception_handler(EnqueueError)
def _not_queued(exc: EnqueueError) -> Response:
    # 5xx makes the platform deliver again; the store keeps each mention once.
    logger.exception("delivery not queued")
    return _error(503, "unavailable", "the delivery could not be queued; retry")


@app.exception_handler(SecretUnavailable)
def _no_secret(exc: SecretUnavailable) -> Response:
    logger.error("secret unavailable", extra={"reason": str(exc)})
    return _error(500, "misconfigured", "the webhook secret is not configured")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    return app.resolve(event, context)
