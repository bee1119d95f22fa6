"""Helpers shared by the platforms' reply senders: the HTTP request they all make, the checks
every reply passes, ages and waits in words, and the ``Retry-After`` header."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from heard.platforms.base import Credentials, Forbidden, ReplyOutcome, ReplyRequest

USER_AGENT = "Heard/0.1 (social listening; replies to customers on behalf of a brand)"
# Connect fast or give up; a platform that takes longer than this to post is retried later.
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# Waits when a platform says "later" without saying when.
DEFAULT_RATE_LIMIT_WAIT_S = 60.0
DEFAULT_OUTAGE_WAIT_S = 30.0


def check_text(request: ReplyRequest) -> None:
    if not request.text.strip():
        raise Forbidden("the reply is empty: write what to send")


def check_credentials(credentials: Credentials, label: str, now: datetime) -> ReplyOutcome | None:
    """``token_expired`` when the token is known to have expired already (nothing is sent)."""
    if not credentials.access_token:
        return ReplyOutcome.token_expired(f"there is no {label} token: put one in the secret")
    if credentials.expires_at is not None and credentials.expires_at <= now:
        return ReplyOutcome.token_expired(
            f"the {label} token expired {in_words(now - credentials.expires_at)} ago: renew it"
        )
    return None


def post(
    client: httpx.Client,
    url: str,
    token: str,
    *,
    json: Any,
    idempotency_key: str | None = None,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT}
    if idempotency_key:
        headers["X-Heard-Reply-Id"] = idempotency_key  # shows in the platform's request logs
    return client.post(url, json=json, headers=headers, timeout=TIMEOUT)


def unreachable(label: str, exc: httpx.HTTPError) -> ReplyOutcome:
    """The request did not complete. A timeout may mean it was posted all the same; the
    platforms take no idempotency key, so the reason says to look before sending twice."""
    if isinstance(exc, httpx.TimeoutException):
        return ReplyOutcome.retry(
            DEFAULT_OUTAGE_WAIT_S,
            f"{label} did not answer in time; the reply may have been posted all the same, "
            f"so check the conversation before it is sent again",
        )
    return ReplyOutcome.retry(DEFAULT_OUTAGE_WAIT_S, f"{label} could not be reached ({exc})")


def json_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def retry_after(headers: Mapping[str, str], now: datetime) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds, or an HTTP date), if there is one."""
    value = headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now).total_seconds())


def age(request: ReplyRequest, now: datetime) -> timedelta | None:
    return None if request.created_at is None else now - request.created_at


def in_words(delta: timedelta) -> str:
    """``9 days``, ``30 hours``, ``1 hour``, ``45 minutes``: how people say an age."""
    seconds = max(0, int(delta.total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size * (2 if unit == "day" else 1):
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


__all__ = [
    "DEFAULT_OUTAGE_WAIT_S",
    "DEFAULT_RATE_LIMIT_WAIT_S",
    "TIMEOUT",
    "USER_AGENT",
    "age",
    "check_credentials",
    "check_text",
    "in_words",
    "json_body",
    "post",
    "retry_after",
    "unreachable",
]
