"""Shared fixtures: a moto server on loopback and stacks provisioned from template.yaml.

Usage (integration tests)::

    def test_stores_once(stack, load, capture_topic):
        alerts = capture_topic("AlertsTopic")            # SQS queue subscribed to the topic
        webhook = load("WebhookFunction")                # handler imported fresh, env set
        response = webhook(api_event, lambda_context("WebhookFunction"))
        table = stack.table_name("MentionsTable")        # physical names by logical id
        queue_url = stack.queue_url("IngestQueue")
        ddb = stack.client("dynamodb")                   # boto3 client on the moto server
        deliveries = alerts.wait_for(1, timeout_s=10)    # list[heard_local.capture.Delivery]
        assert deliveries[0].attributes["severity"] == "critical"

Fixtures:

- ``moto_server`` (session): the endpoint URL (``http://127.0.0.1:PORT``) of a moto server.
- ``stack``: ``heard_local.provision.Stack`` — template.yaml provisioned under a unique stack
  name, and the local environment set (monkeypatched, undone after the test): AWS_ENDPOINT_URL,
  dummy credentials, region, the HEARD_* local secrets (``heard_local.defaults.LOCAL_SECRETS``),
  HEARD_CONFIG (demo config) and every function's template environment.
  ``stack.refs`` / ``stack.attrs`` / ``stack.functions`` / ``stack.client(service)``.
- ``stack_parameters``: override to pass template parameters (e.g. ``{"AlertEmail": "a@b.c"}``).
- ``load``: ``load(logical_id) -> handler``; imports ``functions/<dir>/app.py`` fresh.
- ``lambda_context``: ``lambda_context(logical_id) -> LambdaContext`` (fresh request id).
- ``capture_topic``: ``capture_topic(logical_id_or_arn, filter_policy=None) -> TopicCapture``.
- ``sqs_messages``: ``sqs_messages(logical_id, max=10, wait_s=1) -> list[dict]`` (receives
  with attributes, leaves the messages in flight; for asserting what a handler enqueued).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from heard_local.capture import TopicCapture
from heard_local.defaults import REGION, local_environment
from heard_local.motoserver import start_moto
from heard_local.provision import Stack, provision
from heard_local.runtime import LambdaContext, load_handler, make_context

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """Endpoint URL of a moto server on a free loopback port, for the whole session."""
    server = start_moto()
    try:
        yield server.endpoint_url
    finally:
        server.stop()


@pytest.fixture
def stack_parameters() -> dict[str, Any]:
    """Template parameter overrides for ``stack``; override this fixture in a test module."""
    return {}


@pytest.fixture
def stack(
    moto_server: str, stack_parameters: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Stack:
    """template.yaml provisioned in moto under a unique name, with the local env set."""
    provisioned = provision(
        TEMPLATE,
        moto_server,
        region=REGION,
        stack_name=f"t{uuid.uuid4().hex[:8]}",
        parameters=stack_parameters,
    )
    env = local_environment(moto_server, REGION)
    for spec in provisioned.functions.values():
        for name, value in spec.environment.items():
            monkeypatch.setenv(name, value)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return provisioned


@pytest.fixture
def load(stack: Stack, moto_server: str) -> Callable[[str], Callable[[Any, Any], Any]]:
    """``load("WebhookFunction")``: the function's handler, imported fresh for this stack."""
    env = local_environment(moto_server, stack.region)

    def _load(logical_id: str) -> Callable[[Any, Any], Any]:
        return load_handler(stack.functions[logical_id], env)

    return _load


@pytest.fixture
def lambda_context(stack: Stack) -> Callable[[str], LambdaContext]:
    def _context(logical_id: str) -> LambdaContext:
        return make_context(stack.functions[logical_id], stack.region)

    return _context


@pytest.fixture
def capture_topic(stack: Stack) -> Iterator[Callable[..., TopicCapture]]:
    """``capture_topic("AlertsTopic")``: an SQS queue subscribed to the topic (envelopes)."""
    made: list[TopicCapture] = []

    def _capture(topic: str, filter_policy: dict[str, Any] | None = None) -> TopicCapture:
        arn = topic if topic.startswith("arn:") else stack.topic_arn(topic)
        capture = TopicCapture(
            stack.client("sqs"), stack.client("sns"), arn, filter_policy=filter_policy
        )
        made.append(capture)
        return capture

    yield _capture
    for capture in made:
        capture.close()


@pytest.fixture
def sqs_messages(stack: Stack) -> Callable[..., list[dict[str, Any]]]:
    """``sqs_messages("IngestQueue")``: receive messages (all attributes) from a stack queue."""
    sqs = stack.client("sqs")

    def _receive(logical_id: str, max: int = 10, wait_s: int = 1) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        while len(got) < max:
            response = sqs.receive_message(
                QueueUrl=stack.queue_url(logical_id),
                MaxNumberOfMessages=min(10, max - len(got)),
                WaitTimeSeconds=wait_s,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            batch = response.get("Messages", [])
            if not batch:
                break
            got += batch
        return got

    return _receive
