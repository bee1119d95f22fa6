"""Signed JSON for anything without its own adapter: Zapier, a website feedback form, scripts.

The sender signs ``f"{timestamp}.".encode() + raw_body`` with the shared secret and sends

    X-Heard-Timestamp: 1731000000
    X-Heard-Signature: v1=<hex HMAC-SHA256>

The timestamp is inside the signature and must be within five minutes of the receiver's clock,
so a captured request cannot be replayed later. ``v1`` names the scheme, leaving room to change
it without breaking existing senders.

The body is one mention, or a list of them (Zapier batches)::

    {"id": "8812", "source": "feedback-form", "text": "...",
     "author": {"handle": "jane@example.com", "name": "Jane", "followers": 0},
     "url": "https://...", "created_at": "2025-11-20T09:15:00Z", "lang": "en"}

``native_id`` is ``f"{source}:{id}"``, so two integrations that number their items alike never
collide; ``source`` may not contain ``:`` for the same reason.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator

from heard.models import Author, Mention, MentionKind, MentionMessage, Platform, utcnow
from heard.platforms._payload import ROOT, PayloadModel, validate
from heard.platforms.errors import PayloadError, SignatureError

TIMESTAMP_HEADER = "X-Heard-Timestamp"
SIGNATURE_HEADER = "X-Heard-Signature"
TOLERANCE_SECONDS = 300
_PREFIX = "v1="


def _digest(secret: str, timestamp: str, raw_body: bytes) -> str:
    message = f"{timestamp}.".encode() + raw_body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: str, raw_body: bytes) -> str:
    """The ``X-Heard-Signature`` value for a body sent at ``timestamp`` (unix seconds)."""
    return _PREFIX + _digest(secret, timestamp, raw_body)


def verify_signature(
    secret: str,
    raw_body: bytes,
    timestamp: str | None,
    signature: str | None,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """Refuse (``SignatureError``) unless the signature matches and the timestamp is fresh.

    ``now`` defaults to the current time; a timestamp more than ``tolerance`` seconds away in
    either direction is refused, so a captured request cannot be replayed and a sender with a
    clock far ahead cannot mint requests that stay valid for long.
    """
    if not secret:
        raise SignatureError("no webhook secret is configured")
    if not timestamp:
        raise SignatureError(f"missing {TIMESTAMP_HEADER} header")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise SignatureError(f"malformed {TIMESTAMP_HEADER} header: expected unix seconds")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance:
        raise SignatureError(
            f"stale {TIMESTAMP_HEADER}: more than {tolerance} s from the receiver's clock"
        )
    if not signature:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    if not signature.startswith(_PREFIX):
        raise SignatureError(f"malformed {SIGNATURE_HEADER} header: expected 'v1=<hex>'")
    given = signature[len(_PREFIX) :].strip().lower()
    if len(given) != 64 or not all(ch in "0123456789abcdef" for ch in given):
        raise SignatureError(f"malformed {SIGNATURE_HEADER} header: expected 64 hex digits")
    if not hmac.compare_digest(given, _digest(secret, timestamp, raw_body)):
        raise SignatureError("signature mismatch")


# ---------------------------------------------------------------------------------------------
# Payload
# ---------------------------------------------------------------------------------------------


def _id_text(value: Any) -> Any:
    # Form tools and spreadsheets often number their rows; an integer id is as good as a string.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


class GenericAuthor(PayloadModel):
    handle: Annotated[str, Field(min_length=1, max_length=256)]
    name: str | None = None
    followers: Annotated[int, Field(ge=0)] = 0

    @field_validator("handle")
    @classmethod
    def _bare(cls, value: str) -> str:
        # "@jane" and "jane" are one person; X and Instagram handles are stored bare too.
        return value.removeprefix("@") or value


class GenericMention(PayloadModel):
    """One mention as an integration sends it."""

    id: Annotated[str, BeforeValidator(_id_text), Field(min_length=1, max_length=128)]
    source: Annotated[
        str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    ]
    text: Annotated[str, Field(min_length=1)]
    author: GenericAuthor
    url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None
    created_at: datetime | None = None
    lang: Annotated[str, Field(min_length=2, max_length=16)] | None = None

    def to_mention(self) -> Mention:
        fields: dict[str, Any] = {}
        if self.created_at is not None:
            # A sender's clock may run ahead: a future time would pin it atop the inbox.
            created = (
                self.created_at if self.created_at.tzinfo else self.created_at.replace(tzinfo=UTC)
            )
            fields["created_at"] = min(created, utcnow())
        return Mention(
            platform=Platform.GENERIC,
            native_id=f"{self.source}:{self.id}",
            kind=MentionKind.POST,
            text=self.text,
            author=Author(
                handle=self.author.handle, name=self.author.name, followers=self.author.followers
            ),
            url=self.url,
            lang=self.lang,
            source=self.source,
            **fields,
        )


def parse(payload: dict[str, Any] | list[Any]) -> list[MentionMessage]:
    """One mention or a list of them; ``PayloadError`` names the first bad field."""
    if isinstance(payload, dict):
        items: list[tuple[str, Any]] = [("", payload)]
    elif isinstance(payload, list):
        items = [(f"[{i}]", item) for i, item in enumerate(payload)]
    else:
        raise PayloadError(ROOT, "expected a JSON object or a list of objects")
    return [
        MentionMessage(mention=validate(GenericMention, item, path).to_mention())
        for path, item in items
    ]


__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "TOLERANCE_SECONDS",
    "GenericMention",
    "parse",
    "sign",
    "verify_signature",
]
