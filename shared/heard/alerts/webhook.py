"""A notice as a signed HTTPS POST, for any receiver that is not Slack or Teams.

The body is JSON (``payload``). Two headers sign it, the way Slack and Stripe sign theirs:

- ``X-Heard-Timestamp``: Unix seconds when it was sent;
- ``X-Heard-Signature``: ``v1=`` and the hex HMAC-SHA256, keyed with the channel's signing
  secret, of ``"{timestamp}.{body}"`` (the raw body bytes as received).

A receiver recomputes the HMAC over the raw body, compares it in constant time, and refuses a
timestamp more than five minutes from its clock (a replay); ``verify`` does exactly that.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

from heard.alerts.notice import Notice

TIMESTAMP_HEADER = "X-Heard-Timestamp"
SIGNATURE_HEADER = "X-Heard-Signature"
TOLERANCE_S = 300


def payload(notice: Notice) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": notice.id,
        "kind": notice.kind,
        "brand": notice.brand,
        "priority": notice.priority.value,
        "title": notice.title,
        "headline": notice.headline or None,
        "text": notice.text,
        "facts": [{"label": label, "value": value} for label, value in notice.facts],
        "reasons": list(notice.reasons),
        "intents": [i.value for i in notice.intents],
        "platform": notice.platform.value if notice.platform else None,
        "sentiment": notice.sentiment.value if notice.sentiment else None,
        "case_url": notice.case_url,
        "link": notice.link,
        "deadline": notice.deadline.isoformat() if notice.deadline else None,
    }
    if notice.sections:
        body["sections"] = [
            {"title": heading, "facts": [{"label": k, "value": v} for k, v in rows]}
            for heading, rows in notice.sections
        ]
    if notice.record is not None:
        body["case_id"] = notice.record.id
    if notice.sla is not None:
        body["sla"] = {
            "kind": notice.sla.kind,
            "clock": notice.sla.clock,
            "deadline": notice.sla.deadline.isoformat(),
            "route": notice.sla.route,
        }
    return body


def encode(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = int(time.time() if now is None else now)
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float | None = None,
    tolerance_s: int = TOLERANCE_S,
) -> bool:
    """What a receiver does: True when the signature matches and the timestamp is fresh."""
    lower = {k.lower(): v for k, v in headers.items()}
    timestamp = lower.get(TIMESTAMP_HEADER.lower(), "")
    given = lower.get(SIGNATURE_HEADER.lower(), "")
    if not timestamp.isdigit():
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > tolerance_s:
        return False
    return hmac.compare_digest(given, signature(secret, timestamp, body))


__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "encode",
    "payload",
    "signature",
    "signed_headers",
    "verify",
]
