"""A fake Meta Graph API for replies (any ``/vNN.N`` prefix, or none):

- ``POST /{object-id}/comments`` (Facebook comment reply): ``{"id": "{object}_{new}"}``
- ``POST /{ig-comment-id}/replies`` (Instagram comment reply): ``{"id": "<new>"}``
- ``POST /{page-id|me}/messages`` (Send API): ``recipient`` ``{id}`` (needs ``messaging_type``)
  or ``{comment_id}`` / ``{post_id}`` (a private reply: one per comment, a second is refused
  with code 10900): ``{"recipient_id", "message_id"}``

Fields may come as JSON, a form or the query string, as Graph accepts them all. The token is
``Authorization: Bearer|OAuth`` or ``access_token``. Errors are Graph's
``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``; every answer carries
``X-App-Usage`` and ``X-Business-Use-Case-Usage``.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from typing import Any

from heard_local.fakes._server import Answer, Failure, FakeApi, OnReply, Request

FIRST_ID = 17_900_000_000_000_000
_VERSION = re.compile(r"^/v\d+(\.\d+)?(?=/)")
_EDGE = re.compile(r"^/([^/]+)/(comments|replies|messages)$")
MESSAGING_TYPES = ("RESPONSE", "UPDATE", "MESSAGE_TAG")

# What Graph says for each injected status when no code is given: (code, type, message).
_FAILURES = {
    400: (100, "OAuthException", "(#100) Invalid parameter"),
    401: (190, "OAuthException", "Error validating access token: Session has expired."),
    403: (10, "OAuthException", "(#10) This action was not allowed: permission missing."),
    429: (4, "OAuthException", "(#4) Application request limit reached"),
    500: (
        2,
        "OAuthException",
        "An unexpected error has occurred. Please retry your request later.",
    ),
}
_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80001: "There have been too many calls to this Page account. Wait a bit and try again.",
    190: "Error validating access token: Session has expired.",
    368: "The action attempted has been deemed abusive or is otherwise disallowed",
    551: "This person isn't available right now.",
    10900: "Activity already replied to",
    10903: "This activity can't be replied to",
}


def graph_error(
    code: int, message: str, subcode: int | None = None, kind: str = "OAuthException"
) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = "A" + secrets.token_urlsafe(8)
    return {"error": error}


class FakeMetaGraph(FakeApi):
    label = "Meta"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        on_reply: OnReply | None = None,
        page_id: str = "2000000001",
    ):
        super().__init__(host, port, on_reply)
        self.page_id = page_id
        self.privately_answered: set[str] = set()
        self._calls = 0

    def handle(self, request: Request) -> Answer:
        path = _VERSION.sub("", request.path)
        match = _EDGE.match(path) if request.method == "POST" else None
        if match is None:
            return self._usage(
                Answer(
                    400,
                    graph_error(
                        100, f"Unsupported {request.method} request. Object does not exist.", 33
                    ),
                )
            )
        if not (request.bearer() or request.query.get("access_token")):
            return self._usage(
                Answer(
                    400, graph_error(190, "Invalid OAuth access token - Cannot parse access token")
                )
            )
        node, edge = match.groups()
        fields = {**request.query, **(request.body if isinstance(request.body, dict) else {})}
        if edge == "messages":
            return self._usage(self._send(node, fields))
        message = fields.get("message")
        if not isinstance(message, str) or not message.strip():
            return self._usage(
                Answer(400, graph_error(100, "(#100) The parameter message is required"))
            )
        new = str(FIRST_ID + self.next_id())
        return self._usage(Answer(200, {"id": f"{node}_{new}" if edge == "comments" else new}))

    def _send(self, node: str, fields: dict[str, Any]) -> Answer:
        recipient, message = (
            _json_field(fields.get("recipient")),
            _json_field(fields.get("message")),
        )
        if not isinstance(recipient, dict) or not recipient:
            return Answer(400, graph_error(100, "(#100) The parameter recipient is required"))
        if not isinstance(message, dict) or not str(message.get("text") or "").strip():
            return Answer(400, graph_error(100, "(#100) Param message[text] must be non-empty."))
        target = recipient.get("comment_id") or recipient.get("post_id")
        if target:
            if target in self.privately_answered:
                return Answer(400, graph_error(10900, _MESSAGES[10900]))
            self.privately_answered.add(str(target))
            person = str(9_000_000_000_000 + self.next_id())
        elif recipient.get("id"):
            if fields.get("messaging_type") not in MESSAGING_TYPES:
                return Answer(
                    400, graph_error(100, "(#100) The parameter messaging_type is required")
                )
            person = str(recipient["id"])
        else:
            return Answer(400, graph_error(100, "(#100) recipient needs id, comment_id or post_id"))
        return Answer(200, {"recipient_id": person, "message_id": "m_" + secrets.token_urlsafe(24)})

    def _usage(self, answer: Answer, regain_minutes: int = 0, full: bool = False) -> Answer:
        with self._lock:
            self._calls += 1
            share = 100 if full else min(99, self._calls)
        answer.headers.update(
            {
                "X-App-Usage": json.dumps(
                    {"call_count": share, "total_cputime": share // 2, "total_time": share // 2}
                ),
                "X-Business-Use-Case-Usage": json.dumps(
                    {
                        self.page_id: [
                            {
                                "type": "pages",
                                "call_count": share,
                                "total_cputime": share // 2,
                                "total_time": share // 2,
                                "estimated_time_to_regain_access": regain_minutes,
                            }
                        ]
                    }
                ),
                "x-fb-trace-id": secrets.token_urlsafe(8),
            }
        )
        return answer

    def failure(self, fail: Failure) -> Answer:
        code, kind, message = _FAILURES.get(
            fail.status, (1, "OAuthException", "An unknown error occurred")
        )
        if fail.code is not None:
            code, message = fail.code, _MESSAGES.get(fail.code, message)
        answer = Answer(fail.status, graph_error(code, fail.message or message, kind=kind))
        if fail.status == 429 or code in (4, 17, 32, 613, 80001):
            minutes = math.ceil((fail.retry_after or 60) / 60)
            return self._usage(answer, regain_minutes=minutes, full=True)
        if fail.retry_after is not None:
            answer.headers["Retry-After"] = str(fail.retry_after)
        return self._usage(answer)

    def describe(self, request: Request, answer: Answer) -> str | None:
        path = _VERSION.sub("", request.path)
        match = _EDGE.match(path)
        if match is None:
            return None
        node, edge = match.groups()
        fields = {**request.query, **(request.body if isinstance(request.body, dict) else {})}
        if edge == "messages":
            recipient = _json_field(fields.get("recipient")) or {}
            text = (_json_field(fields.get("message")) or {}).get("text")
            if recipient.get("comment_id") or recipient.get("post_id"):
                target = recipient.get("comment_id") or recipient.get("post_id")
                return f"private reply to {target} (from {node}): {text!r}"
            return f"message to {recipient.get('id')} (from {node}): {text!r}"
        where = "Facebook comment" if edge == "comments" else "Instagram comment"
        return f"reply {answer.body.get('id')} to {where} {node}: {fields.get('message')!r}"


def _json_field(value: Any) -> Any:
    """Graph takes nested fields as JSON objects or as JSON in a form/query string."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


__all__ = ["FakeMetaGraph", "graph_error"]
