"""Helpers for driving the real handlers against a stack provisioned from template.yaml."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from heard_local.authorizer import local_admin_claims
from heard_local.defaults import secret
from heard_local.http_api import HttpResponse, Route, build_event, map_response
from heard_local.sqs_source import lambda_record

EVENTS = Path(__file__).resolve().parents[2] / "events"


@pytest.fixture
def event_json() -> Callable[[str], dict[str, Any]]:
    """``event_json("webhooks/x-tweet-create.json")``: a sample payload from events/."""
    return lambda name: json.loads((EVENTS / name).read_text())


@pytest.fixture
def call_api(stack, load, lambda_context) -> Callable[..., HttpResponse]:
    """``call_api("POST", "/webhooks/x", body, headers)``: the route's handler, as API Gateway
    would invoke it (payload format 2.0), and the HTTP response API Gateway would send.

    The authorizer is not run here (tests/integration/test_api_auth.py covers it): a request
    to a guarded route that carries the local admin token arrives with the local admin's
    claims, as the local stack's authorizer passes them; any other arrives with none."""
    routes = [
        Route(r.method, r.path, r.auth, logical_id)
        for logical_id, spec in stack.functions.items()
        for r in spec.http_routes
    ]
    handlers: dict[str, Any] = {}

    def _call(
        method: str,
        target: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        *,
        source_ip: str = "127.0.0.1",
    ) -> HttpResponse:
        path, _, query = target.partition("?")
        route, params = next(
            (r, m.groupdict())
            for r in routes
            if r.method == method and (m := r.pattern.match(path))
        )
        event = build_event(
            route,
            method=method,
            raw_path=path,
            raw_query=query,
            headers=list((headers or {}).items()),
            body=body,
            source_ip=source_ip,
            domain_name="127.0.0.1:3000",
            path_parameters=params,
            authorizer=_authorizer(route, headers or {}),
        )
        if route.function not in handlers:
            handlers[route.function] = load(route.function)
        return map_response(handlers[route.function](event, lambda_context(route.function)))

    return _call


def _authorizer(route: Route, headers: dict[str, str]) -> dict[str, Any] | None:
    bearer = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
    if route.auth is None or bearer != f"Bearer {secret('HEARD_API_TOKEN')}":
        return None
    return {"jwt": {"claims": local_admin_claims(), "scopes": None}}


@pytest.fixture
def run_triage(stack, load, lambda_context, sqs_messages) -> Callable[..., dict[str, Any]]:
    """Receive what is on the ingest queue and hand it to the triage handler as one SQS batch,
    as the event source mapping would. Returns the handler's response (None: queue empty)."""
    handler = load("TriageFunction")

    def _run(extra_bodies: list[str] = ()) -> dict[str, Any]:
        sqs = stack.client("sqs")
        for body in extra_bodies:
            sqs.send_message(QueueUrl=stack.queue_url("IngestQueue"), MessageBody=body)
        messages = sqs_messages("IngestQueue", max=10)
        if not messages:
            return None  # Lambda never invokes with an empty batch
        arn = stack.queue_arn("IngestQueue")
        event = {"Records": [lambda_record(m, arn, stack.region) for m in messages]}
        return handler(event, lambda_context("TriageFunction"))

    return _run


@pytest.fixture
def mentions_table(stack):
    return stack.client("dynamodb"), stack.table_name("MentionsTable")


def stored_items(mentions_table) -> list[dict[str, Any]]:
    client, name = mentions_table
    return client.scan(TableName=name, ConsistentRead=True)["Items"]
