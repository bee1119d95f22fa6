"""A fake Microsoft Teams Workflows webhook ("When a Teams webhook request is received").

``POST /workflows/<id>/triggers/manual/paths/invoke`` takes a ``message`` whose attachments
hold an Adaptive Card (contentType ``application/vnd.microsoft.card.adaptive``, content of
type ``AdaptiveCard`` with a version and a body) and answers ``202 Accepted`` with no body, as
the Workflows trigger does; anything else is ``400`` with ``{"error": {"code", "message"}}``.
Injected failures answer their status in that shape (429 with ``Retry-After``).
"""

from __future__ import annotations

from typing import Any

from heard_local.fakes._server import Answer, Failure, FakeApi, OnReply, Request

WORKFLOW_PATH = "/workflows/0000heard0local/triggers/manual/paths/invoke"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def card_problems(body: Any) -> list[str]:
    """What the Workflow's "Post card" step would refuse (empty: nothing)."""
    if not isinstance(body, dict) or body.get("type") != "message":
        return ['the body must be {"type": "message", "attachments": [...]}']
    attachments = body.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return ["attachments must hold the card"]
    problems: list[str] = []
    for index, attachment in enumerate(attachments):
        if not isinstance(attachment, dict) or attachment.get("contentType") != CONTENT_TYPE:
            problems.append(f"attachments[{index}]: contentType must be {CONTENT_TYPE}")
            continue
        card = attachment.get("content")
        if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
            problems.append(f"attachments[{index}]: content must be an AdaptiveCard")
            continue
        if not card.get("version") or not isinstance(card.get("body"), list):
            problems.append(f"attachments[{index}]: the card needs a version and a body")
        for action in card.get("actions") or []:
            if action.get("type") == "Action.OpenUrl" and not action.get("url"):
                problems.append(f"attachments[{index}]: Action.OpenUrl needs a url")
    return problems


def card_title(body: Any) -> str:
    try:
        return str(body["attachments"][0]["content"]["body"][0]["text"])
    except (KeyError, IndexError, TypeError):
        return ""


class FakeTeams(FakeApi):
    label = "Teams"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, on_reply: OnReply | None = None):
        super().__init__(host, port, on_reply)
        self.workflows = {WORKFLOW_PATH}

    @property
    def webhook_url(self) -> str:
        return self.url + WORKFLOW_PATH + "?api-version=2016-06-01&sp=%2Ftriggers&sig=local"

    def cards(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.received("/workflows/") if r["status"] == 202]

    def handle(self, request: Request) -> Answer:
        if request.method != "POST" or request.path not in self.workflows:
            return Answer(404, _error("WorkflowNotFound", "The workflow could not be found."))
        problems = card_problems(request.body)
        if problems:
            return Answer(400, _error("InvalidRequestContent", "; ".join(problems)))
        return Answer(202, b"", content_type="text/plain")

    def failure(self, fail: Failure) -> Answer:
        headers = {"Retry-After": str(fail.retry_after or 1)} if fail.status == 429 else {}
        code = {429: "TooManyRequests", 400: "InvalidRequestContent"}.get(fail.status, "Error")
        return Answer(fail.status, _error(code, fail.message or f"HTTP {fail.status}"), headers)

    def describe(self, request: Request, answer: Answer) -> str | None:
        return f"card: {card_title(request.body)}"


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


__all__ = ["WORKFLOW_PATH", "FakeTeams", "card_problems"]
