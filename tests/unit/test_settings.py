"""Typed settings: each function's environment, validated in one place with its defaults."""

from __future__ import annotations

import pytest

from heard.settings import (
    DEFAULT_BEDROCK_MODEL,
    DEFAULT_RETENTION_DAYS,
    ApiSettings,
    ConfigSettings,
    EscalateSettings,
    ObservabilitySettings,
    SettingsError,
    TriageSettings,
    WebhookSettings,
)

TABLES = {"MENTIONS_TABLE": "mentions", "ALERTS_TOPIC_ARN": "arn:aws:sns:us-east-1:1:alerts"}


def test_triage_defaults_apply_when_unset() -> None:
    settings = TriageSettings.from_env(TABLES)
    assert settings.mentions_table == "mentions"
    assert settings.retention_days == DEFAULT_RETENTION_DAYS
    assert settings.backend == "local"
    assert settings.timeout_s == 3.0
    assert settings.bedrock_model_id == DEFAULT_BEDROCK_MODEL
    assert settings.config_file is None and settings.config_parameter is None


def test_values_are_read_from_their_variables_and_normalised() -> None:
    settings = TriageSettings.from_env(
        {
            **TABLES,
            "RETENTION_DAYS": "30",
            "HEARD_TRIAGE_BACKEND": " Bedrock ",
            "HEARD_TRIAGE_TIMEOUT_S": "1.5",
            "HEARD_CONFIG_PARAMETER": "/heard/brands",
            "HEARD_CONFIG": "",
        }
    )
    assert (settings.retention_days, settings.backend, settings.timeout_s) == (30, "bedrock", 1.5)
    assert settings.config_parameter == "/heard/brands"
    assert settings.config_file is None  # blank is unset, not a file named ""
    assert EscalateSettings.from_env(TABLES).alerts_topic_arn.endswith(":alerts")


def test_every_problem_is_named_in_one_error() -> None:
    with pytest.raises(SettingsError) as caught:
        TriageSettings.from_env({"RETENTION_DAYS": "0", "HEARD_TRIAGE_BACKEND": "watson"})
    message = str(caught.value)
    for name in ("MENTIONS_TABLE: not set", "ALERTS_TOPIC_ARN: not set", "RETENTION_DAYS"):
        assert name in message
    assert "HEARD_TRIAGE_BACKEND" in message


@pytest.mark.parametrize(
    ("cls", "variable"),
    [
        (WebhookSettings, "INGEST_QUEUE_URL"),
        (ApiSettings, "MENTIONS_TABLE"),
        (EscalateSettings, "ALERTS_TOPIC_ARN"),
    ],
)
def test_required_variables_are_required(cls, variable) -> None:
    with pytest.raises(SettingsError, match=f"{variable}: not set"):
        cls.from_env({})


def test_flags_and_config_age() -> None:
    assert ObservabilitySettings.from_env({}).xray_sdk is False
    assert ObservabilitySettings.from_env({"HEARD_XRAY_SDK": "Yes"}).xray_sdk is True
    assert ObservabilitySettings.from_env({"HEARD_XRAY_SDK": "0"}).xray_sdk is False
    assert ConfigSettings.from_env({}).config_max_age_s == 60
    with pytest.raises(SettingsError, match="HEARD_CONFIG_MAX_AGE_S"):
        ConfigSettings.from_env({"HEARD_CONFIG_MAX_AGE_S": "-1"})


def test_reply_settings_name_what_the_reply_function_needs() -> None:
    from heard.settings import DEFAULT_REPLY_MAX_ATTEMPTS, ReplySettings

    env = {
        "MENTIONS_TABLE": "m",
        "IDEMPOTENCY_TABLE": "i",
        "REPLY_QUEUE_URL": "https://sqs/q",
        "OPS_TOPIC_ARN": "arn:aws:sns:us-east-1:1:ops",
    }
    settings = ReplySettings.from_env(env)
    assert settings.max_attempts == DEFAULT_REPLY_MAX_ATTEMPTS
    assert settings.x_api_url is None and settings.meta_graph_url is None  # the platforms' own
    local = ReplySettings.from_env({**env, "HEARD_X_API_URL": "http://127.0.0.1:9"})
    assert local.x_api_url == "http://127.0.0.1:9"
    with pytest.raises(SettingsError) as missing:
        ReplySettings.from_env({})
    assert "IDEMPOTENCY_TABLE: not set" in str(missing.value)
    assert ApiSettings.from_env({"MENTIONS_TABLE": "m"}).reply_queue_url is None
