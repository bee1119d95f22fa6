"""Demo files route by name and parse; alerts print readably; the capture fixture works."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from heard_local.alert_printer import format_delivery
from heard_local.capture import Delivery
from heard_local.demo import DEMO_DIR, demo_files, webhook_path

from heard.platforms import generic, meta, x


def test_every_demo_file_has_a_webhook_and_parses() -> None:
    files = demo_files()
    assert len(files) >= 8
    parsers = {"/webhooks/x": x.parse, "/webhooks/meta": meta.parse}
    for file in files:
        path = webhook_path(file)
        payload = json.loads(file.read_bytes())
        if path == "/webhooks/generic":
            assert generic.parse(payload)
        else:
            parsers[path](payload)  # raises PayloadError naming the field if malformed


def test_demo_covers_the_story() -> None:
    x_messages = [
        m
        for f in demo_files()
        if webhook_path(f) == "/webhooks/x"
        for m in x.parse(json.loads(f.read_bytes()))
    ]
    by_id = {m.mention.native_id: m.mention for m in x_messages}
    angry = by_id["1991234567890123456"]
    assert angry.author.followers >= 80_000
    assert "lawyer" in angry.text
    assert "1991238800000000001" not in by_id  # the brand's own tweet is not a mention
    assert "where is my order" in by_id["1991236512345678901"].text  # the extended text
    assert any(m.kind == "message" for m in by_id.values())


def test_unknown_demo_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="NN-"):
        webhook_path(tmp_path / "01-myspace-hello.json")
    assert webhook_path(DEMO_DIR / "99-instagram-x.json") == "/webhooks/meta"


def test_alert_is_printed_readably() -> None:
    delivery = Delivery(
        message_id="m1",
        topic_arn="arn:aws:sns:us-east-1:123456789012:alerts",
        subject="[CRITICAL] Acme: X post from @dana",
        message="Dana said the thing\nLink: https://x.com/dana/status/1",
        attributes={"severity": "critical", "platform": "x", "brand": "Acme", "intent": "legal"},
        timestamp="2025-11-20T09:14:05.000Z",
        received_at=0.0,
    )
    text = format_delivery(delivery, "AlertsTopic")
    assert "[CRITICAL] Acme: X post from @dana" in text
    assert "severity=critical  platform=x  brand=Acme  intent=legal" in text
    assert "   Link: https://x.com/dana/status/1" in text


def test_capture_topic_fixture_reads_envelopes(stack, capture_topic) -> None:
    capture = capture_topic("AlertsTopic")
    only_critical = capture_topic("AlertsTopic", filter_policy={"severity": ["critical"]})
    stack.client("sns").publish(
        TopicArn=stack.topic_arn("AlertsTopic"),
        Subject="hello",
        Message="body",
        MessageAttributes={"severity": {"DataType": "String", "StringValue": "high"}},
    )
    (delivery,) = capture.wait_for(1, timeout_s=10)
    assert (delivery.subject, delivery.message) == ("hello", "body")
    assert delivery.attributes == {"severity": "high"}
    assert only_critical.receive(wait_s=1) == []
