"""Handlers load fresh, with their environment set, and get a Lambda-like context."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from heard_local.defaults import LOCAL_SECRETS, local_environment
from heard_local.provision import FunctionSpec
from heard_local.runtime import load_handler, make_context

APP = """
import os
import helper  # a sibling module, importable as in Lambda
LOADED_WITH = os.environ["TABLE"]

def handler(event, context):
    return {
        "table": LOADED_WITH,
        "helper": helper.VALUE,
        "name": context.function_name,
        "arn": context.invoked_function_arn,
        "remaining": context.get_remaining_time_in_millis(),
        "request": context.aws_request_id,
    }
"""


@pytest.fixture
def spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FunctionSpec:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "helper.py").write_text("VALUE = 7\n")
    monkeypatch.setenv("TABLE", "unset")
    return FunctionSpec("Tiny", tmp_path, "app.handler", {"TABLE": "t1"}, timeout=3)


def test_handler_sees_its_environment_and_context(spec: FunctionSpec) -> None:
    handler = load_handler(spec)
    first = handler({}, make_context(spec))
    second = handler({}, make_context(spec))
    assert first["table"] == "t1"
    assert first["helper"] == 7
    assert first["name"] == "Tiny"
    assert first["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:Tiny"
    assert 0 < first["remaining"] <= 3000
    assert first["request"] != second["request"]


def test_each_load_is_a_cold_start(spec: FunctionSpec) -> None:
    first = load_handler(spec)
    second = load_handler(spec, {"TABLE": "t2"})
    assert first({}, make_context(spec))["table"] == "t1"
    assert second({}, make_context(spec))["table"] == "t2"
    assert os.environ["TABLE"] == "t2"


def test_missing_module_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="Tiny"):
        load_handler(FunctionSpec("Tiny", tmp_path, "app.handler", {}))


def test_local_environment_defaults_and_user_values() -> None:
    env = local_environment("http://127.0.0.1:1", environ={"HEARD_API_TOKEN": "mine"})
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert env["HEARD_API_TOKEN"] == "mine"
    assert env["HEARD_WEBHOOK_SECRET"] == LOCAL_SECRETS["HEARD_WEBHOOK_SECRET"]
    assert env["HEARD_CONFIG"].endswith("demo_config.yaml")
    assert env["POWERTOOLS_METRICS_DISABLED"] == "true"
