"""A fake Slack: incoming webhooks and ``chat.postMessage``, answering as Slack does.

- ``POST /services/T…/B…/…`` (an incoming webhook): ``200 ok`` (text/plain); a body that is
  not a message ``400 invalid_payload``; a webhook it does not know ``404 no_service``.
- ``POST /api/chat.postMessage`` with ``Authorization: Bearer <bot token>``: always HTTP 200,
  ``{"ok": true, "channel", "ts", "message"}`` or ``{"ok": false, "error": ...}``
  (``not_authed``, ``invalid_auth``, ``channel_not_found``, ``invalid_blocks``).

Blocks are checked against Block Kit's limits (50 blocks; header plain_text of 150
characters at most; section text 3000; 10 fields of 2000; an actions block's buttons with text
and a url). Failures to inject (``POST /_heard/fail``): 429 answers with ``Retry-After`` (the
Web API's body ``{"ok": false, "error": "ratelimited"}``); on ``chat.postMessage`` another 4xx
is Slack's HTTP 200 ``{"ok": false, "error": <message or invalid_blocks>}``; on a webhook the
status with Slack's error string (``message``, else invalid_payload, action_prohibited,
no_service, channel_is_archived...); 5xx as given.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from heard_local.fakes._server import Answer, Failure, FakeApi, OnReply, Request

WEBHOOK_PATH = "/services/T0000HEARD/B0000HEARD/local0webhook0secret"
BOT_TOKEN = "xoxb-local-heard-bot-token"
CHANNEL_ID = "C0HEARD0001"
TEXT = "text/plain; charset=utf-8"

_WEBHOOK_ERRORS = {
    400: "invalid_payload",
    403: "action_prohibited",
    404: "no_service",
    410: "channel_is_archived",
    429: "rate_limited",
    500: "rollup_error",
}


def block_problems(body: Any) -> list[str]:
    """What Slack would refuse in a message body (empty: nothing)."""
    if not isinstance(body, dict):
        return ["the body is not a JSON object"]
    blocks = body.get("blocks")
    if not body.get("text") and not blocks:
        return ["no text and no blocks"]
    if blocks is None:
        return []
    if not isinstance(blocks, list) or len(blocks) > 50:
        return ["blocks must be a list of at most 50"]
    problems: list[str] = []
    for index, block in enumerate(blocks):
        kind = block.get("type") if isinstance(block, dict) else None
        text = block.get("text") if isinstance(block, dict) else None
        if kind == "header":
            if not isinstance(text, dict) or text.get("type") != "plain_text":
                problems.append(f"blocks[{index}]: a header's text must be plain_text")
            elif not 1 <= len(text.get("text", "")) <= 150:
                problems.append(f"blocks[{index}]: header text must be 1-150 characters")
        elif kind == "section":
            fields = block.get("fields")
            if text is None and not fields:
                problems.append(f"blocks[{index}]: a section needs text or fields")
            if isinstance(text, dict) and not 1 <= len(text.get("text", "")) <= 3000:
                problems.append(f"blocks[{index}]: section text must be 1-3000 characters")
            if fields is not None and (
                len(fields) > 10 or any(len(f.get("text", "")) > 2000 for f in fields)
            ):
                problems.append(f"blocks[{index}]: at most 10 fields of 2000 characters")
        elif kind == "context":
            if not 1 <= len(block.get("elements") or []) <= 10:
                problems.append(f"blocks[{index}]: a context has 1-10 elements")
        elif kind == "actions":
            for element in block.get("elements") or []:
                if element.get("type") == "button" and (
                    not element.get("text", {}).get("text") or len(element.get("url", "")) > 3000
                ):
                    problems.append(f"blocks[{index}]: a button needs text and a url")
        elif kind not in ("divider", "image", "rich_text", "markdown"):
            problems.append(f"blocks[{index}]: unknown block type {kind!r}")
    return problems


def headline(body: Any) -> str:
    """The header's text, else the fallback text's first line."""
    if isinstance(body, dict):
        for block in body.get("blocks") or []:
            if isinstance(block, dict) and block.get("type") == "header":
                return str(block["text"]["text"])
        return str(body.get("text", "")).splitlines()[0] if body.get("text") else ""
    return ""


class FakeSlack(FakeApi):
    label = "Slack"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, on_reply: OnReply | None = None):
        super().__init__(host, port, on_reply)
        self.webhooks = {WEBHOOK_PATH}
        self.token = BOT_TOKEN
        self.channels = {CHANNEL_ID}
        self._local = threading.local()

    @property
    def webhook_url(self) -> str:
        return self.url + WEBHOOK_PATH

    @property
    def api_url(self) -> str:
        return self.url + "/api"

    def messages(self) -> list[dict[str, Any]]:
        """The messages Slack accepted, in order (webhook and Web API alike)."""
        return [
            r["body"]
            for r in self.received()
            if 200 <= r["status"] < 300
            and (not isinstance(r["response"], dict) or r["response"].get("ok"))
        ]

    def _platform(self, request: Request) -> Answer:
        self._local.request = request
        return super()._platform(request)

    def handle(self, request: Request) -> Answer:
        if request.method != "POST":
            return Answer(405, "method_not_allowed", content_type=TEXT)
        if request.path == "/api/chat.postMessage":
            return self._post_message(request)
        if request.path.startswith("/services/"):
            if request.path not in self.webhooks:
                return Answer(404, "no_service", content_type=TEXT)
            if block_problems(request.body):
                return Answer(400, "invalid_payload", content_type=TEXT)
            return Answer(200, "ok", content_type=TEXT)
        return Answer(404, "not_found", content_type=TEXT)

    def _post_message(self, request: Request) -> Answer:
        token = request.bearer()
        if token is None:
            return Answer(200, {"ok": False, "error": "not_authed"})
        if token != self.token:
            return Answer(200, {"ok": False, "error": "invalid_auth"})
        body = request.body if isinstance(request.body, dict) else {}
        if body.get("channel") not in self.channels:
            return Answer(200, {"ok": False, "error": "channel_not_found"})
        problems = block_problems(body)
        if problems:
            return Answer(200, {"ok": False, "error": "invalid_blocks", "errors": problems})
        ts = f"{time.time():.6f}"
        return Answer(
            200,
            {
                "ok": True,
                "channel": body["channel"],
                "ts": ts,
                "message": {"type": "message", "text": body.get("text", ""), "ts": ts},
            },
        )

    def failure(self, fail: Failure) -> Answer:
        request: Request | None = getattr(self._local, "request", None)
        headers = {"Retry-After": str(fail.retry_after or 1)} if fail.status == 429 else {}
        if request is not None and request.path.startswith("/api/"):
            if fail.status == 429:
                return Answer(429, {"ok": False, "error": "ratelimited"}, headers)
            if 400 <= fail.status < 500:
                return Answer(200, {"ok": False, "error": fail.message or "invalid_blocks"})
            return Answer(fail.status, {"ok": False, "error": fail.message or "internal_error"})
        error = fail.message or _WEBHOOK_ERRORS.get(fail.status, "rollup_error")
        return Answer(fail.status, error, headers, content_type=TEXT)

    def describe(self, request: Request, answer: Answer) -> str | None:
        if isinstance(answer.body, dict) and not answer.body.get("ok"):
            return None
        where = "webhook"
        if request.path == "/api/chat.postMessage" and isinstance(request.body, dict):
            where = str(request.body.get("channel"))
        return f"{where}: {headline(request.body)}"


__all__ = ["BOT_TOKEN", "CHANNEL_ID", "WEBHOOK_PATH", "FakeSlack", "block_problems"]
