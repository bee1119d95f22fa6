"""Typed settings: what each function reads from its environment, with each default written once.

Every variable a deployed function reads is a field here, named by its alias (the variable as
template.yaml sets it). ``from_env()`` validates the lot and names every missing or malformed
variable in one ``SettingsError``, so a misconfigured function says what is wrong on its first
invocation instead of failing somewhere later with a ``KeyError``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

DEFAULT_RETENTION_DAYS = 365
DEFAULT_CONFIG_MAX_AGE_S = 60
DEFAULT_TRIAGE_TIMEOUT_S = 3.0
DEFAULT_REPLY_MAX_ATTEMPTS = 5
DEFAULT_CAPTCHA_TIMEOUT_S = 3.0
DEFAULT_BEDROCK_MODEL = "anthropic.claude-3-haiku-20240307-v1:0"

TRUE = ("1", "true", "yes", "on")


class SettingsError(RuntimeError):
    """The environment is missing a variable or holds a malformed one."""


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _flag(value: Any) -> Any:
    return value.strip().lower() in TRUE if isinstance(value, str) else value


def _blank_is_unset(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


_Name = Annotated[str, Field(min_length=1)]
_Optional = Annotated[str | None, BeforeValidator(_blank_is_unset)]


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True, defer_build=True)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        environ = os.environ if environ is None else environ
        data = {
            f.alias: environ[f.alias]
            for f in cls.model_fields.values()
            if f.alias and f.alias in environ
        }
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = [
                f"{'.'.join(str(p) for p in e['loc'])}: "
                + ("not set" if e["type"] == "missing" else e["msg"])
                for e in exc.errors()
            ]
            raise SettingsError(f"{cls.__name__}: " + "; ".join(problems)) from None


class ObservabilitySettings(Settings):
    # The X-Ray SDK's subsegments cost ~200 ms of cold start; Lambda's own segments are free.
    xray_sdk: Annotated[bool, BeforeValidator(_flag)] = Field(False, alias="HEARD_XRAY_SDK")


class ConfigSettings(Settings):
    """Where the brand configuration is: a file (local) or an SSM parameter (AWS)."""

    config_file: _Optional = Field(None, alias="HEARD_CONFIG")
    config_parameter: _Optional = Field(None, alias="HEARD_CONFIG_PARAMETER")
    config_max_age_s: int = Field(DEFAULT_CONFIG_MAX_AGE_S, ge=0, alias="HEARD_CONFIG_MAX_AGE_S")


class TriageBackendSettings(Settings):
    backend: Annotated[
        Literal["local", "local-fast", "comprehend", "bedrock", "cascade"], BeforeValidator(_lower)
    ] = Field("local", alias="HEARD_TRIAGE_BACKEND")
    timeout_s: float = Field(DEFAULT_TRIAGE_TIMEOUT_S, gt=0, alias="HEARD_TRIAGE_TIMEOUT_S")
    bedrock_model_id: _Name = Field(DEFAULT_BEDROCK_MODEL, alias="HEARD_BEDROCK_MODEL_ID")


class WebhookSettings(Settings):
    ingest_queue_url: _Name = Field(alias="INGEST_QUEUE_URL")


class AlertSettings(Settings):
    """Where alerts go besides the SNS topic: the notifier's queue (chat and HTTPS channels)
    and the web inbox, whose case links the messages carry."""

    # Unset: alerts to chat and HTTPS channels are not sent (logged), SNS ones are.
    notify_queue_url: _Optional = Field(None, alias="NOTIFY_QUEUE_URL")
    # The web inbox page; a case is at <inbox_url>#/cases/<id>.
    inbox_url: _Optional = Field(None, alias="HEARD_INBOX_URL")
    # Counts for the spike check, and storm control's state (unset: neither).
    signals_table: _Optional = Field(None, alias="SIGNALS_TABLE")


class FeedbackSettings(ConfigSettings):
    """The feedback form (heard.feedback), served by the webhook function."""

    ingest_queue_url: _Name = Field(alias="INGEST_QUEUE_URL")
    # The per-address hourly counters (items with a TTL).
    idempotency_table: _Name = Field(alias="IDEMPOTENCY_TABLE")
    # A siteverify URL used instead of the provider's (the tests' and the local stack's fake).
    captcha_url: _Optional = Field(None, alias="HEARD_CAPTCHA_URL")
    captcha_timeout_s: float = Field(
        DEFAULT_CAPTCHA_TIMEOUT_S, gt=0, le=10, alias="HEARD_CAPTCHA_TIMEOUT_S"
    )


class TriageSettings(ConfigSettings, TriageBackendSettings, AlertSettings):
    mentions_table: _Name = Field(alias="MENTIONS_TABLE")
    alerts_topic_arn: _Name = Field(alias="ALERTS_TOPIC_ARN")
    retention_days: int = Field(DEFAULT_RETENTION_DAYS, ge=1, alias="RETENTION_DAYS")


class EscalateSettings(ConfigSettings, AlertSettings):
    mentions_table: _Name = Field(alias="MENTIONS_TABLE")
    alerts_topic_arn: _Name = Field(alias="ALERTS_TOPIC_ARN")


DEFAULT_NOTIFY_MAX_ATTEMPTS = 8
DEFAULT_NOTIFY_FAILURES_BEFORE_ALERT = 5


class NotifySettings(ConfigSettings):
    """The notifier: posts queued alerts to Slack, Teams and HTTPS receivers."""

    notify_queue_url: _Name = Field(alias="NOTIFY_QUEUE_URL")
    idempotency_table: _Name = Field(alias="IDEMPOTENCY_TABLE")
    ops_topic_arn: _Name = Field(alias="OPS_TOPIC_ARN")
    # Where a crisis's Slack thread is kept (unset: no threads).
    signals_table: _Optional = Field(None, alias="SIGNALS_TABLE")
    # The queue's maxReceiveCount: the delivery after which the message goes to the DLQ.
    max_attempts: int = Field(
        DEFAULT_NOTIFY_MAX_ATTEMPTS, ge=1, le=100, alias="NOTIFY_MAX_ATTEMPTS"
    )
    # Consecutive failures of one channel that raise its operational alert.
    failures_before_alert: int = Field(
        DEFAULT_NOTIFY_FAILURES_BEFORE_ALERT, ge=1, alias="NOTIFY_FAILURES_BEFORE_ALERT"
    )
    # Slack's Web API (chat.postMessage); the local stack points it at the fake.
    slack_api_url: _Name = Field("https://slack.com/api", alias="HEARD_SLACK_API_URL")


class SpikesSettings(ConfigSettings, AlertSettings):
    mentions_table: _Name = Field(alias="MENTIONS_TABLE")
    signals_table: _Name = Field(alias="SIGNALS_TABLE")
    alerts_topic_arn: _Name = Field(alias="ALERTS_TOPIC_ARN")


class DigestSettings(ConfigSettings, AlertSettings):
    mentions_table: _Name = Field(alias="MENTIONS_TABLE")
    alerts_topic_arn: _Name = Field(alias="ALERTS_TOPIC_ARN")
    # Where each (brand, period) digest is claimed once.
    idempotency_table: _Name = Field(alias="IDEMPOTENCY_TABLE")
    # The crises a digest lists (unset: none).
    signals_table: _Optional = Field(None, alias="SIGNALS_TABLE")


class SwaggerSettings(Settings):
    # Swagger UI at /swagger: the local stack sets it; a deployed API serves /openapi.json only.
    swagger: Annotated[bool, BeforeValidator(_flag)] = Field(False, alias="HEARD_SWAGGER")


class ApiSettings(ConfigSettings, SwaggerSettings):
    mentions_table: _Name = Field(alias="MENTIONS_TABLE")
    # Where POST /mentions/{id}/replies queues a reply (unset: replies are refused with 503).
    reply_queue_url: _Optional = Field(None, alias="REPLY_QUEUE_URL")
    # The web inbox signs people in with this user pool app client (unset: no sign-in).
    user_pool_client_id: _Optional = Field(None, alias="USER_POOL_CLIENT_ID")
    # The hosted UI the inbox signs in through: the pool's domain and the web client of this
    # name (unset, or a pool without a domain as in the local stack: the sign-in form only).
    user_pool_id: _Optional = Field(None, alias="USER_POOL_ID")
    inbox_web_client_name: _Optional = Field(None, alias="INBOX_WEB_CLIENT_NAME")
    # /stats lists the spikes that opened crises from here (unset: no spikes in /stats).
    signals_table: _Optional = Field(None, alias="SIGNALS_TABLE")


class PlatformApiSettings(Settings):
    """The platforms' API base URLs: unset means the platform's own; the local stack and the
    tests point them at the fake platform APIs."""

    x_api_url: _Optional = Field(None, alias="HEARD_X_API_URL")
    meta_graph_url: _Optional = Field(None, alias="HEARD_META_GRAPH_URL")


def _json_object(value: Any) -> Any:
    if isinstance(value, str):
        import json

        return json.loads(value) if value.strip() else {}
    return value


class PollSettings(ConfigSettings):
    poll_state_table: _Name = Field(alias="POLL_STATE_TABLE")
    ingest_queue_url: _Name = Field(alias="INGEST_QUEUE_URL")
    # Where the schedule's tick queues one run per (source, brand); unset: the tick runs them.
    poll_queue_url: _Optional = Field(None, alias="POLL_QUEUE_URL")
    # Operational alerts (a source that keeps failing): flags in the idempotency table.
    idempotency_table: _Optional = Field(None, alias="IDEMPOTENCY_TABLE")
    ops_topic_arn: _Optional = Field(None, alias="OPS_TOPIC_ARN")
    # {"reddit": "http://127.0.0.1:8123", ...}: base URLs over the config's (the local stack's
    # fakes); a JSON object.
    source_urls: Annotated[dict[str, str], BeforeValidator(_json_object)] = Field(
        default_factory=dict, alias="HEARD_POLL_URLS"
    )


class ReplySettings(PlatformApiSettings):
    mentions_table: _Name = Field(alias="MENTIONS_TABLE")
    idempotency_table: _Name = Field(alias="IDEMPOTENCY_TABLE")
    reply_queue_url: _Name = Field(alias="REPLY_QUEUE_URL")
    ops_topic_arn: _Name = Field(alias="OPS_TOPIC_ARN")
    # The reply queue's maxReceiveCount: the delivery that gives up and marks the reply failed.
    max_attempts: int = Field(DEFAULT_REPLY_MAX_ATTEMPTS, ge=1, le=10, alias="REPLY_MAX_ATTEMPTS")
    # The verified SES sender of email replies (generic mentions); unset: none are sent.
    reply_from_address: _Optional = Field(None, alias="REPLY_FROM_ADDRESS")
