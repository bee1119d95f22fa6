"""Public ingest: ``/webhooks/<platform>`` for every platform adapter in ``heard.platforms``,
and the brands' feedback forms at ``/feedback/<slug>`` (``heard.feedback``).

Thin handler: HTTP in, ``heard.webhooks`` and ``heard.feedback`` do the work, domain errors map
to status codes here.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from heard.feedback import Accepted, FeedbackError, FeedbackRequest, FeedbackService
from heard.feedback.assets import asset
from heard.feedback.page import error_page, form_page, page_headers, thanks_page
from heard.feedback.ratelimit import RateLimiter
from heard.feedback.service import cross_origin
from heard.feedback.submission import JSON, media_type
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
from heard.settings import FeedbackSettings, WebhookSettings
from heard.webhooks import BodyTooLarge, Webhooks

if TYPE_CHECKING:
    from heard.config import ConfigSource

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


@cache
def _feedback_settings() -> FeedbackSettings:
    return FeedbackSettings.from_env()


@cache
def _config_source() -> ConfigSource:
    from heard.config import ConfigSource  # the webhooks never read the brand config

    return ConfigSource(_feedback_settings())


@cache
def _dynamodb() -> Any:
    return boto3.client("dynamodb")


def _limiter(address_key: str) -> RateLimiter:
    return RateLimiter(_dynamodb(), _feedback_settings().idempotency_table, address_key)


@cache
def _feedback() -> FeedbackService:
    settings = _feedback_settings()
    return FeedbackService(
        lambda: _config_source().get(),
        _queue,
        _limiter,
        captcha_url=settings.captcha_url,
        captcha_timeout_s=settings.captcha_timeout_s,
    )


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


# --- the feedback form ---------------------------------------------------------------------------


def _header(name: str) -> str | None:
    return (app.current_event.headers or {}).get(name)


def _source_ip() -> str | None:
    context = app.current_event.raw_event.get("requestContext") or {}
    ip = (context.get("http") or {}).get("sourceIp")
    return ip if isinstance(ip, str) and ip else None


def _cors(origin: str | None) -> dict[str, str]:
    if origin is None:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": "Retry-After",
        "Vary": "Origin",
    }


@app.get("/feedback/assets/<name>")
def feedback_asset(name: str) -> Response:
    found = asset(name)
    if found is None:
        return _error(404, "not_found", f"no such file: {name!r}")
    kind, text = found
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=3600"}
    return Response(status_code=200, content_type=kind, body=text, headers=headers)


@app.get("/feedback/<slug>")
def feedback_page(slug: str) -> Response:
    try:
        brand = _feedback().brand(slug)
    except FeedbackError as exc:
        return _html(exc.status, error_page(exc.status, exc.message), None)
    return _html(200, form_page(brand), brand, cache="public, max-age=60")


@app.route("/feedback/<slug>", method="OPTIONS")
def feedback_preflight(slug: str) -> Response:
    """CORS preflight of a script's JSON post, from the brand's allowed origins only."""
    try:
        brand = _feedback().brand(slug)
        origin = cross_origin(brand, _header("origin"), _header("host"))
    except FeedbackError as exc:
        return Response(
            status_code=exc.status, content_type=content_types.APPLICATION_JSON, body=exc.body()
        )
    headers = {"Access-Control-Max-Age": "600"}
    if origin is not None:
        headers.update(_cors(origin))
        headers["Access-Control-Allow-Methods"] = "POST"
        headers["Access-Control-Allow-Headers"] = "content-type"
    return Response(status_code=204, content_type=None, body="", headers=headers)


@app.post("/feedback/<slug>")
def feedback_post(slug: str) -> Response:
    content_type = _header("content-type")
    accept = (_header("accept") or "").lower()
    wants_json = media_type(content_type) == JSON or (
        "application/json" in accept and "text/html" not in accept
    )
    try:
        raw = raw_body(app.current_event.body, bool(app.current_event.is_base64_encoded))
    except BodyError:
        raw = b""
    origin: str | None = None
    brand = None
    try:
        brand = _feedback().brand(slug)
        origin = cross_origin(brand, _header("origin"), _header("host"))
        outcome = _feedback().submit(
            FeedbackRequest(
                slug=slug,
                body=raw,
                content_type=content_type,
                origin=_header("origin"),
                host=_header("host"),
                source_ip=_source_ip(),
            )
        )
    except FeedbackError as exc:
        logger.info(
            "feedback refused", extra={"status": exc.status, "code": exc.code, "field": exc.field}
        )
        headers = _cors(origin)
        if exc.retry_after is not None:
            headers["Retry-After"] = str(exc.retry_after)
        if wants_json:
            return Response(
                status_code=exc.status,
                content_type=content_types.APPLICATION_JSON,
                body=exc.body(),
                headers=headers,
            )
        if brand is not None and exc.field in ("text", "email", "rating", "captcha"):
            page = form_page(brand, error=exc.message, field=exc.field, **_echo(raw))
        else:
            page = error_page(exc.status, exc.message, brand)
        return _html(exc.status, page, brand, extra=headers)
    if isinstance(outcome, Accepted):
        platform_metrics.add("generic", "MentionsReceived")
        platform_metrics.flush()
        metrics.add_metric(name="FeedbackAccepted", unit=MetricUnit.Count, value=1)
        logger.info("feedback accepted", extra={"key": outcome.key})
    else:
        metrics.add_metric(name="FeedbackHoneypot", unit=MetricUnit.Count, value=1)
    if wants_json:
        body: dict[str, object] = {"ok": True}
        if isinstance(outcome, Accepted):
            body["id"] = outcome.key
        return Response(
            status_code=200,
            content_type=content_types.APPLICATION_JSON,
            body=body,
            headers=_cors(origin),
        )
    return _html(200, thanks_page(outcome.brand), outcome.brand)


def _echo(raw: bytes) -> dict[str, Any]:
    """What the visitor wrote, to fill the form in again after a refusal (escaped there)."""
    from urllib.parse import parse_qsl

    try:
        fields = dict(reversed(parse_qsl(raw.decode("utf-8"), max_num_fields=100)))
    except (ValueError, UnicodeDecodeError):
        return {}
    rating = fields.get("rating", "")
    return {
        "text": fields.get("text", "")[:20_000],
        "email": fields.get("email", "")[:500],
        "rating": int(rating) if rating in ("1", "2", "3", "4", "5") else None,
    }


def _html(
    status: int,
    page: str,
    brand: Any,
    *,
    cache: str = "no-store",
    extra: dict[str, str] | None = None,
) -> Response:
    headers = {**page_headers(brand, cache=cache), **(extra or {})}
    content_type = headers.pop("Content-Type")
    return Response(status_code=status, content_type=content_type, body=page, headers=headers)


# --- errors ---------------------------------------------------------------------------------------


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
