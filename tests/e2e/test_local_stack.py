"""End to end: the real local stack in a subprocess, driven over HTTP like a platform would.

The stack (``running``, tests/e2e/conftest.py) is ``python -m heard_local --no-demo`` on a free
port, with its state file in a temporary folder; the tests read ``local.json`` to find the API,
the moto endpoint and the physical names, and look inside with boto3.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from e2e_stack import RunningStack, stack_running
from heard_local import defaults
from heard_local.background import ROOT, free_port
from heard_local.capture import TopicCapture
from heard_local.signing import generic_headers, x_headers

from heard.models import MentionKind, Platform
from heard.platforms import SOURCES, adapter
from heard.platforms.base import Credentials, ReplyRequest, ReplyState

pytestmark = pytest.mark.e2e


def _tweet(tweet_id: str, text: str, followers: int = 84_213) -> bytes:
    return json.dumps(
        {
            "for_user_id": defaults.DEMO_X_USER_ID,
            "tweet_create_events": [
                {
                    "created_at": "Thu Nov 20 09:14:03 +0000 2025",
                    "id_str": tweet_id,
                    "text": text,
                    "truncated": False,
                    "user": {
                        "id_str": "44196397",
                        "name": "Dana Whitfield",
                        "screen_name": "danawhitfield",
                        "followers_count": followers,
                        "verified": True,
                    },
                    "lang": "en",
                }
            ],
        }
    ).encode()


ANGRY = (
    "@acme worst service ever: my order arrived broken, I'm still waiting for a refund "
    "after three weeks and I'm talking to my lawyer tomorrow. {token}"
)


def test_signed_tweet_delivered_three_times_is_stored_once_and_alerts_once(
    running: RunningStack,
) -> None:
    capture = TopicCapture(
        running.client("sqs"), running.client("sns"), running.info["topics"]["AlertsTopic"]
    )
    try:
        tweet_id = str(1990000000000000000 + uuid.uuid4().int % 10**15)
        body = _tweet(tweet_id, ANGRY.format(token=uuid.uuid4().hex))
        for _ in range(3):
            response = running.api.post("/webhooks/x", content=body, headers=x_headers(body))
            assert response.status_code == 200, response.text
        item = running.wait_for_item(f"x:{tweet_id}")
        assert item is not None
        assert running.drained()
        deliveries = capture.wait_for(2, timeout_s=5)  # a second one would be a duplicate alert
    finally:
        capture.close()
    assert len(deliveries) == 1
    alert = deliveries[0]
    assert alert.attributes["platform"] == "x"
    assert alert.attributes["brand"] == "Acme"
    assert alert.attributes["severity"] in ("high", "critical")
    assert "intent" in alert.attributes
    assert "danawhitfield" in alert.message
    stored = running.client("dynamodb").scan(
        TableName=running.table,
        FilterExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"x:{tweet_id}"}},
    )["Items"]
    assert len(stored) == 1


def test_forged_signature_is_refused_and_leaves_no_trace(running: RunningStack) -> None:
    tweet_id = str(1980000000000000000 + uuid.uuid4().int % 10**15)
    body = _tweet(tweet_id, ANGRY.format(token="forged"))
    forged = x_headers(body, consumer_secret="not-the-secret")
    response = running.api.post("/webhooks/x", content=body, headers=forged)
    assert response.status_code == 401
    assert running.drained()
    assert running.item(f"x:{tweet_id}") is None


def test_generic_mention_is_stored(running: RunningStack) -> None:
    native = uuid.uuid4().hex[:12]
    body = json.dumps(
        {
            "id": native,
            "source": "feedback-form",
            "text": "Acme charged me twice and support never answered. I want a refund.",
            "author": {"handle": "jane@example.com", "name": "Jane", "followers": 0},
            "url": "https://example.com/feedback/1",
            "created_at": "2025-11-20T09:15:00Z",
        }
    ).encode()
    response = running.api.post("/webhooks/generic", content=body, headers=generic_headers(body))
    assert response.status_code == 200, response.text
    item = running.wait_for_item(f"generic:feedback-form:{native}")
    assert item is not None
    assert item["brand_name"]["S"] == "Acme"
    assert item["brand"]["S"] == "acme"  # case-folded: what a brand filter compares


def test_feedback_from_the_form_lands_in_the_inbox(running: RunningStack) -> None:
    """A customer opens the demo brand's form, sends it as a plain form and from its script
    (JSON), sees the thank-you, and the team finds the message through the API."""
    form_url = running.info["feedback_forms"]["Acme"]
    assert form_url == running.info["api_url"] + "/feedback/acme"
    page = running.api.get("/feedback/acme")
    assert page.status_code == 200
    assert "frame-ancestors https://www.acme.example" in page.headers["content-security-policy"]
    css = running.api.get("/feedback/assets/feedback.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")

    sent = running.api.post(
        "/feedback/acme",
        data={"text": "Acme support never called me back about my broken kettle", "rating": "1"},
    )
    assert sent.status_code == 200, sent.text
    assert sent.headers["content-type"] == "text/html; charset=utf-8"
    assert "Thank you" in sent.text

    native = uuid.uuid4().hex[:8]
    posted = running.api.post(
        "/feedback/acme",
        json={"text": f"Acme refund {native} still missing", "email": "sam@example.com"},
        headers={"origin": "null"},  # as a form posted from a no-referrer page sends it
    )
    assert posted.status_code == 200, posted.text
    case_id = posted.json()["id"]
    assert running.wait_for_item(case_id) is not None
    admin = {"Authorization": f"Bearer {running.info['api_token']}"}
    case = running.api.get(f"/mentions/{case_id}", headers=admin)
    assert case.status_code == 200, case.text
    mention = case.json()["mention"]
    assert (mention["source"], mention["author"]["handle"]) == ("feedback-form", "sam@example.com")
    assert case.json()["brand"] == "Acme"


def test_x_crc_check(running: RunningStack) -> None:
    response = running.api.get("/webhooks/x", params={"crc_token": "challenge-123"})
    assert response.status_code == 200
    secret = defaults.LOCAL_SECRETS["HEARD_X_CONSUMER_SECRET"].encode()
    digest = hmac.new(secret, b"challenge-123", hashlib.sha256).digest()
    assert response.json() == {"response_token": "sha256=" + base64.b64encode(digest).decode()}


def _token(running: RunningStack, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m heard_local token ...`` against the running stack's local.json."""
    state_dir = str(running.log.parent)  # where _start put local.json
    return subprocess.run(
        [sys.executable, "-m", "heard_local", "token", *args],
        cwd=ROOT,
        env={**os.environ, "HEARD_STATE_DIR": state_dir},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_inbox_needs_a_signed_in_person(running: RunningStack) -> None:
    refused = running.api.get("/mentions")
    assert (refused.status_code, refused.json()) == (401, {"message": "Unauthorized"})
    forged = running.api.get("/mentions", headers={"authorization": "Bearer e30.e30.e30"})
    assert forged.status_code == 401
    admin = {"authorization": f"Bearer {running.info['api_token']}"}
    assert running.api.get("/mentions", headers=admin).status_code == 200
    assert running.api.get("/me", headers=admin).json()["kind"] == "local-admin"
    assert running.api.get("/nowhere").status_code == 404


def test_a_demo_user_signs_in_with_the_token_command(running: RunningStack) -> None:
    users = {u["username"]: u for u in running.info["demo_users"]}
    assert set(users) == {u.username for u in defaults.DEMO_USERS}
    assert running.info["token_command"] == "python -m heard_local token alice@acme.example"
    printed = _token(running, "alice@acme.example")
    assert printed.returncode == 0, printed.stderr
    token = {"authorization": f"Bearer {printed.stdout.strip()}"}
    me = running.api.get("/me", headers=token)
    assert me.status_code == 200
    assert me.json()["username"] == "alice@acme.example"
    assert me.json()["display_name"] == users["alice@acme.example"]["name"]
    assert running.api.get("/mentions", params={"brand": "Acme"}, headers=token).status_code == 200
    unknown = _token(running, "mallory@acme.example")
    assert unknown.returncode == 1 and "not a demo user" in unknown.stderr


def test_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    with stack_running(tmp_path) as stack:
        stack.process.send_signal(signal.SIGINT)
        assert stack.process.wait(timeout=20) == 0
    output = stack.log.read_text(errors="replace")
    assert "Traceback" not in output
    assert "Heard is running locally" in output
    assert not (tmp_path / "local.json").exists()  # a stopped stack leaves no stale state


def test_a_reply_reaches_the_fake_x_api_and_the_console(running: RunningStack) -> None:
    fakes = running.info["platform_fakes"]
    # X and Meta take replies; every scheduled source has its own fake (X search: X's); Slack
    # and Teams take the alerts.
    assert set(fakes) == {"x", "meta", "slack", "teams", *SOURCES}
    request = ReplyRequest(
        reply_id="e2e-reply",
        platform=Platform.X,
        kind=MentionKind.POST,
        native_id="1849000000000000001",
        text="Sorry, Dana: we are on it.",
    )
    with httpx.Client() as client:
        result = adapter("x").reply(
            request, Credentials("local-token", api_url=fakes["x"]), client, datetime.now(UTC)
        )
        assert result.state is ReplyState.SENT
        record = client.get(f"{fakes['x']}/_heard/requests").json()["requests"]
    assert record[-1]["body"]["reply"] == {"in_reply_to_tweet_id": "1849000000000000001"}
    deadline = time.monotonic() + 5
    while "Sorry, Dana" not in running.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert f"reply {result.platform_id} to post 1849000000000000001" in running.log.read_text()


# --- the reply outbox -------------------------------------------------------------------------


def _stored_case(running: RunningStack, text: str) -> str:
    """A demo-shaped tweet to @acme, from an author of its own (so it opens a case rather
    than joining another test's), delivered and stored; returns its case id."""
    tweet_id = str(1970000000000000000 + uuid.uuid4().int % 10**15)
    payload = json.loads(_tweet(tweet_id, text))
    user = payload["tweet_create_events"][0]["user"]
    user["id_str"] = str(uuid.uuid4().int % 10**12)
    user["screen_name"] = "customer" + user["id_str"]
    body = json.dumps(payload).encode()
    response = running.api.post("/webhooks/x", content=body, headers=x_headers(body))
    assert response.status_code == 200, response.text
    assert running.wait_for_item(f"x:{tweet_id}") is not None
    return f"x:{tweet_id}"


def _reply(running: RunningStack, case_id: str, key: str, text: str) -> httpx.Response:
    return running.api.post(
        f"/mentions/{case_id}/replies",
        json={"text": text, "visibility": "public"},
        headers={"authorization": f"Bearer {running.info['api_token']}", "idempotency-key": key},
    )


def _case_when(running: RunningStack, case_id: str, state: str, timeout_s: float = 30.0) -> dict:
    token = {"authorization": f"Bearer {running.info['api_token']}"}
    deadline = time.monotonic() + timeout_s
    while True:
        case = running.api.get(f"/mentions/{case_id}", headers=token).json()
        if case["replies"] and case["replies"][-1]["state"] == state:
            return case
        if time.monotonic() > deadline:
            pytest.fail(f"reply never {state}: {case['replies']}")
        time.sleep(0.2)


def _tweets_to(fake: str, case_id: str) -> list[dict]:
    native = case_id.split(":", 1)[1]
    requests = httpx.get(f"{fake}/_heard/requests").json()["requests"]
    return [
        r
        for r in requests
        if r["path"] == "/2/tweets"
        and (r["body"] or {}).get("reply", {}).get("in_reply_to_tweet_id") == native
    ]


def test_a_reply_posted_twice_reaches_x_once_and_the_case_is_replied(
    running: RunningStack,
) -> None:
    case_id = _stored_case(running, "@acme my parcel never arrived " + uuid.uuid4().hex)
    token = {"authorization": f"Bearer {running.info['api_token']}"}
    drafts = running.api.get(f"/mentions/{case_id}", headers=token).json()["drafts"]
    assert drafts and all(d["text"] for d in drafts)
    first = _reply(running, case_id, "e2e-key-1", "Sorry, we are on it.")
    again = _reply(running, case_id, "e2e-key-1", "Sorry, we are on it.")
    assert first.status_code == again.status_code == 202, first.text
    assert first.json()["reply"]["id"] == again.json()["reply"]["id"]
    case = _case_when(running, case_id, "sent")
    time.sleep(1.0)  # the second message has had time to be processed too
    sent = _tweets_to(running.info["platform_fakes"]["x"], case_id)
    assert len(sent) == 1 and sent[0]["status"] == 201
    assert case["status"] == "replied" and case["first_response_at"]
    assert case["replies"][0]["platform_id"] == sent[0]["response"]["data"]["id"]
    missing = running.api.post(f"/mentions/{case_id}/replies", json={"text": "hi"}, headers=token)
    assert missing.status_code == 400


def test_a_rate_limited_reply_is_sent_after_the_wait(running: RunningStack) -> None:
    fake = running.info["platform_fakes"]["x"]
    case_id = _stored_case(running, "@acme the app is down again " + uuid.uuid4().hex)
    httpx.post(f"{fake}/_heard/fail", json={"status": 429, "times": 1, "retry_after": 30})
    assert _reply(running, case_id, "e2e-key-429", "We are looking into it.").status_code == 202
    case = _case_when(running, case_id, "sent")
    assert case["replies"][0]["attempts"] == 2
    statuses = [r["status"] for r in _tweets_to(fake, case_id)]
    assert statuses == [429, 201]


def test_an_expired_x_token_is_renewed_and_the_reply_sent(running: RunningStack) -> None:
    fake = running.info["platform_fakes"]["x"]
    case_id = _stored_case(running, "@acme where is my refund " + uuid.uuid4().hex)
    httpx.post(f"{fake}/_heard/fail", json={"status": 401, "times": 1})
    assert _reply(running, case_id, "e2e-key-401", "Sorry, sending a DM.").status_code == 202
    _case_when(running, case_id, "sent")
    requests = httpx.get(f"{fake}/_heard/requests").json()["requests"]
    assert any(r["path"] == "/2/oauth2/token" and r["status"] == 200 for r in requests)
    assert [r["status"] for r in _tweets_to(fake, case_id)] == [401, 201]


def test_make_run_walks_the_respond_loop(tmp_path: Path) -> None:
    """What `make run` shows: the demo alerts, an agent takes the most urgent case, replies
    (twice, one Idempotency-Key), the fake platform receives one reply, the case is resolved
    and /stats counts the response."""
    port = free_port()
    env = {**os.environ, "HEARD_STATE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "heard_local", "--once", "--port", str(port)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    assert "ALERT  [CRITICAL] Acme: X post from @danawhitfield" in out
    assert "took it: acknowledged, assigned to alice@acme.example" in out
    assert "the same reply" in out
    assert "(1 request(s) at the fake x API)" in out
    assert "resolved (resolved," in out
    stats = next(line for line in out.splitlines() if "respond  stats:" in line)
    assert "first response p50" in stats and "resolution p50" in stats
