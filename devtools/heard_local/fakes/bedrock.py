"""A fake Amazon Bedrock Runtime that speaks the Converse API.

``POST /model/<modelId>/converse`` takes a SigV4-signed JSON body with ``messages`` (each a
``role`` of user or assistant and a ``content`` list of ``{"text": ...}`` blocks) and an
optional ``inferenceConfig``; it answers ``{"output": {"message": {"role": "assistant",
"content": [{"text": ...}]}}, "stopReason": "end_turn", "usage": {...}, "metrics": {...}}``.
Errors are the service's: the status, ``x-amzn-ErrorType`` and ``{"message": ...}``
(``ValidationException`` 400, ``AccessDeniedException`` 403, ``ThrottlingException`` 429,
``InternalServerException`` 500, ``ServiceUnavailableException`` 503).

What the model replies is scripted: ``reply(contains, answer)`` makes every prompt whose
mention (the text after its last ``Mention:``) contains ``contains`` get ``answer`` (a dict sent
as JSON, or raw text); any other prompt gets a neutral reading with no complaint. A model in
``models`` but not in ``enabled`` is one the account has no access to (403).

The Authorization header must be SigV4 for the ``bedrock`` signing name (its credential scope
is checked, not its signature).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from heard_local.fakes._server import Answer, Failure, FakeApi, OnReply, Request

DEFAULT_MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
_ERRORS = {
    400: "ValidationException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
}
NEUTRAL = {
    "sentiment": "neutral",
    "sentiment_score": 0.0,
    "complaint": False,
    "complaint_probability": 0.05,
    "intents": [],
}


def _error(status: int, message: str) -> Answer:
    kind = _ERRORS.get(status, "InternalServerException")
    return Answer(status, {"message": message}, {"x-amzn-ErrorType": f"{kind}:http://internal"})


def _text(body: dict[str, Any]) -> str | None:
    """The prompt's text, or None where ``messages`` is not what Converse takes."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return None
    texts: list[str] = []
    for message in messages:
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            return None
        content = message.get("content")
        if not isinstance(content, list) or not content:
            return None
        texts.extend(
            str(block["text"]) for block in content if isinstance(block, dict) and "text" in block
        )
    return "\n".join(texts)


class FakeBedrockRuntime(FakeApi):
    label = "Bedrock"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, on_reply: OnReply | None = None):
        super().__init__(host, port, on_reply)
        self.models = {DEFAULT_MODEL, "amazon.nova-micro-v1:0", "anthropic.claude-3-opus-v1:0"}
        self.enabled = {DEFAULT_MODEL, "amazon.nova-micro-v1:0"}
        self._replies: list[tuple[str, dict[str, Any] | str]] = []

    def reply(self, contains: str, answer: dict[str, Any] | str) -> None:
        """Answer prompts whose text contains ``contains`` with ``answer`` (newest first)."""
        self._replies.insert(0, (contains, answer))

    def prompts(self) -> list[str]:
        """The prompts the model answered, oldest first."""
        return [
            _text(r["body"]) or ""
            for r in self.received("/converse")
            if r["status"] == 200 and isinstance(r["body"], dict)
        ]

    def handle(self, request: Request) -> Answer:
        parts = request.path.split("/")
        if (
            request.method != "POST"
            or len(parts) != 4
            or parts[1] != "model"
            or parts[3] != "converse"
        ):
            return _error(404, f"no such operation: {request.method} {request.path}")
        auth = request.headers.get("authorization", "")
        if not (
            auth.startswith("AWS4-HMAC-SHA256 Credential=")
            and "/bedrock/aws4_request" in auth
            and "Signature=" in auth
        ):
            return _error(403, "Missing or invalid SigV4 authorization for bedrock")
        model = unquote(parts[2])
        if model not in self.models:
            return _error(400, "The provided model identifier is invalid.")
        if model not in self.enabled:
            return _error(403, "You don't have access to the model with the specified model ID.")
        if not isinstance(request.body, dict):
            return _error(400, "The request body must be a JSON object")
        prompt = _text(request.body)
        if prompt is None:
            return _error(400, "messages must be a non-empty list of {role, content: [...]}")
        config = request.body.get("inferenceConfig") or {}
        temperature = config.get("temperature", 0) if isinstance(config, dict) else None
        if not isinstance(temperature, int | float) or not 0 <= temperature <= 1:
            return _error(400, "inferenceConfig.temperature must be a number from 0 to 1")
        mention = prompt.rpartition("Mention:")[2]
        answer: dict[str, Any] | str = NEUTRAL
        for contains, scripted in self._replies:
            if contains in mention:
                answer = scripted
                break
        text = answer if isinstance(answer, str) else json.dumps(answer)
        tokens_in, tokens_out = max(1, len(prompt) // 4), max(1, len(text) // 4)
        return Answer(
            200,
            {
                "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
                "stopReason": "end_turn",
                "usage": {
                    "inputTokens": tokens_in,
                    "outputTokens": tokens_out,
                    "totalTokens": tokens_in + tokens_out,
                },
                "metrics": {"latencyMs": 120},
            },
        )

    def failure(self, fail: Failure) -> Answer:
        return _error(
            fail.status,
            fail.message
            or {429: "Too many requests, please wait before trying again."}.get(
                fail.status, f"HTTP {fail.status}"
            ),
        )
