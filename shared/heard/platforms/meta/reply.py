"""Replying on Facebook and Instagram through the Graph API, with the Page access token.

- Facebook comment or post, public: ``POST /{id}/comments`` with ``message``.
- Facebook comment or post, private: ``POST /{page-id}/messages`` with ``recipient:
  {comment_id}`` (or ``{post_id}``): one private reply per comment, within 7 days of it.
- Messenger message (private only): ``POST /{page-id}/messages`` with ``recipient: {id}`` and
  ``messaging_type: RESPONSE``, within the 24 hours after the person's last message.
- Instagram comment, public: ``POST /{ig-comment-id}/replies`` with ``message``: top-level
  comments only.
- Instagram comment, private: ``POST /me/messages`` with ``recipient: {comment_id}``: one, within
  7 days of the comment.
- Instagram Direct message (private only): ``POST /me/messages`` with ``recipient: {id}``, within
  24 hours.

Instagram messages go to ``/me/messages``: with a Page token ``me`` is the Page linked to the
Instagram account (Instagram API with Facebook Login), with an Instagram token the account
itself, so either token works without knowing the Page id.

Errors are ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``, mapped by
code: 190/102 the token, 4/17/32/613/80001-80014 rate limits (the wait from
``X-Business-Use-Case-Usage``'s ``estimated_time_to_regain_access``, in minutes), 1/2 passing
trouble, 10/200-299 permissions, 100 invalid parameters, 368 a policy block, 551 a person who
cannot be reached, 10/2018278 and 10903 outside the messaging window, 10900 already answered.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import httpx

from heard.models import MentionKind, Platform
from heard.platforms._reply import (
    DEFAULT_OUTAGE_WAIT_S,
    DEFAULT_RATE_LIMIT_WAIT_S,
    age,
    check_credentials,
    check_text,
    in_words,
    json_body,
    post,
    retry_after,
    unreachable,
)
from heard.platforms.base import (
    Credentials,
    Forbidden,
    ReplyOutcome,
    ReplyRequest,
    Visibility,
)

GRAPH_URL = "https://graph.facebook.com/v25.0"
PRIVATE_REPLY_WINDOW = timedelta(days=7)
MESSAGING_WINDOW = timedelta(hours=24)

_TOKEN_CODES = {190, 102, 2500}
_RATE_LIMIT_CODES = {4, 17, 32, 613, 341, *range(80001, 80015)}
_TRANSIENT_CODES = {1, 2}
_WINDOW_CODES = {10903}
_WINDOW_SUBCODES = {2018278}
_ALREADY_REPLIED_CODES = {10900}


def _label(platform: Platform) -> str:
    return "Instagram" if platform is Platform.INSTAGRAM else "Facebook"


def check(request: ReplyRequest, now: datetime) -> None:
    check_text(request)
    label = _label(request.platform)
    private = request.visibility is Visibility.PRIVATE
    if request.kind is MentionKind.MESSAGE:
        channel = "Instagram Direct" if request.platform is Platform.INSTAGRAM else "Messenger"
        if not private:
            raise Forbidden(f"this is a {channel} message: it can be answered only privately")
        if not request.author_id:
            raise Forbidden(f"this {channel} message has no sender id: there is no one to answer")
        if request.platform is Platform.FACEBOOK and not request.account_id:
            raise Forbidden("this Messenger message has no Page id: Heard cannot tell which Page")
        elapsed = age(request, now)
        if elapsed is not None and elapsed > MESSAGING_WINDOW:
            raise Forbidden(
                f"{channel} allows replies within 24 hours of the person's last message; "
                f"this message is {in_words(elapsed)} old"
            )
        return
    if request.kind is MentionKind.TAG:
        if request.platform is Platform.INSTAGRAM:
            raise Forbidden(
                "Instagram @mentions in other people's posts cannot be answered from Heard yet: "
                "answer on Instagram"
            )
        if private:
            raise Forbidden(
                "Facebook private replies work only for posts and comments on the Page itself; "
                "this is a mention on someone else's post: answer it publicly"
            )
    if request.platform is Platform.INSTAGRAM and request.kind is MentionKind.POST:
        raise Forbidden("Instagram replies answer comments; this mention is not a comment")
    if private:
        if request.private_reply_sent:
            raise Forbidden(
                f"{label} allows one private reply per comment, and one was already sent "
                "for this one"
            )
        if request.platform is Platform.FACEBOOK and not request.account_id:
            raise Forbidden("this comment has no Page id: Heard cannot tell which Page answers")
        elapsed = age(request, now)
        if elapsed is not None and elapsed > PRIVATE_REPLY_WINDOW:
            raise Forbidden(
                f"{label} allows one private reply per comment, within 7 days of the comment; "
                f"this comment is {in_words(elapsed)} old"
            )
        return
    if request.platform is Platform.INSTAGRAM and request.in_reply_to:
        raise Forbidden(
            "Instagram replies can answer only top-level comments; this comment is itself a "
            "reply: answer the comment it replies to, or reply privately"
        )


def send(
    request: ReplyRequest, credentials: Credentials, client: httpx.Client, now: datetime
) -> ReplyOutcome:
    check(request, now)
    label = _label(request.platform)
    stale = check_credentials(credentials, f"{label} Page", now)
    if stale is not None:
        return stale
    url, payload = _route(request, (credentials.api_url or GRAPH_URL).rstrip("/"))
    try:
        response = post(
            client, url, credentials.access_token, json=payload, idempotency_key=request.reply_id
        )
    except httpx.HTTPError as exc:
        return unreachable(label, exc)
    return outcome(response, now, label=label)


def _route(request: ReplyRequest, base: str) -> tuple[str, dict[str, Any]]:
    text = request.text
    instagram = request.platform is Platform.INSTAGRAM
    sender = f"{base}/me/messages" if instagram else f"{base}/{request.account_id}/messages"
    if request.kind is MentionKind.MESSAGE:
        return sender, {
            "recipient": {"id": request.author_id},
            "messaging_type": "RESPONSE",
            "message": {"text": text},
        }
    if request.visibility is Visibility.PRIVATE:
        is_post = request.kind is MentionKind.POST
        recipient = {"post_id" if is_post else "comment_id": request.native_id}
        return sender, {"recipient": recipient, "message": {"text": text}}
    if instagram:
        return f"{base}/{request.native_id}/replies", {"message": text}
    return f"{base}/{request.native_id}/comments", {"message": text}


def outcome(response: httpx.Response, now: datetime, *, label: str = "Facebook") -> ReplyOutcome:
    """A Graph API response as a ``ReplyOutcome``."""
    body = json_body(response)
    status = response.status_code
    if 200 <= status < 300 and "error" not in body:
        platform_id = body.get("message_id") or body.get("id")
        if platform_id:
            return ReplyOutcome.sent(str(platform_id))
        return ReplyOutcome.failed(f"{label} accepted the reply but returned no id")
    error = body.get("error")
    error = error if isinstance(error, dict) else {}
    code, subcode = _int(error.get("code")), _int(error.get("error_subcode"))
    said = _words(error) or f"HTTP {status}"
    raw = f"{code}/{subcode}" if subcode is not None else (str(code) if code is not None else None)
    raw = raw or str(status)

    if code in _TOKEN_CODES or (code is None and status == 401):
        return ReplyOutcome.token_expired(
            f"the {label} Page token expired or was revoked ({said}): put a new one in the "
            "Meta secret",
            raw,
        )
    if code in _RATE_LIMIT_CODES or (code is None and status == 429):
        return ReplyOutcome.retry(
            _rate_limit_wait(response.headers, now),
            f"{label}'s rate limit for this app or Page is reached, so the reply waits: {said}",
            raw,
        )
    if code in _TRANSIENT_CODES or status >= 500:
        return ReplyOutcome.retry(
            retry_after(response.headers, now) or DEFAULT_OUTAGE_WAIT_S,
            f"{label} had a passing problem on its side ({said})",
            raw,
        )
    if code in _WINDOW_CODES or subcode in _WINDOW_SUBCODES:
        return ReplyOutcome.failed(
            f"{label} says the time to answer this privately has passed (24 hours after the "
            f"person's last message, 7 days after a comment): {said}",
            raw,
        )
    if code in _ALREADY_REPLIED_CODES:
        return ReplyOutcome.failed(
            f"{label} allows one private reply per comment, and this one was already answered",
            raw,
        )
    if code == 551:
        return ReplyOutcome.failed(
            "this person cannot be reached right now (they may have blocked the Page or turned "
            f"off messages): {said}",
            raw,
        )
    if code == 368:
        return ReplyOutcome.failed(
            f"{label} has temporarily blocked the Page from doing this for a policy reason: {said}",
            raw,
        )
    if code == 10 or (code is not None and 200 <= code <= 299):
        return ReplyOutcome.failed(
            f"the app lacks a permission it needs (pages_messaging, pages_manage_engagement or "
            f"instagram_manage_comments / instagram_manage_messages): {said}",
            raw,
        )
    if code == 100:
        return ReplyOutcome.failed(f"{label} refused the reply as invalid: {said}", raw)
    return ReplyOutcome.failed(f"{label} refused the reply: {said}", raw)


def _words(error: dict[str, Any]) -> str:
    for key in ("error_user_msg", "message"):
        value = error.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _rate_limit_wait(headers: httpx.Headers, now: datetime) -> float:
    """Seconds until the app regains access: ``Retry-After`` if sent, else the longest
    ``estimated_time_to_regain_access`` (minutes) in ``X-Business-Use-Case-Usage``."""
    explicit = retry_after(headers, now)
    if explicit:
        return explicit
    minutes = 0
    try:
        usage = json.loads(headers.get("x-business-use-case-usage", "") or "{}")
    except ValueError:
        usage = {}
    if isinstance(usage, dict):
        for entries in usage.values():
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict):
                    minutes = max(minutes, _int(entry.get("estimated_time_to_regain_access")) or 0)
    return minutes * 60.0 if minutes else DEFAULT_RATE_LIMIT_WAIT_S


__all__ = ["GRAPH_URL", "MESSAGING_WINDOW", "PRIVATE_REPLY_WINDOW", "check", "outcome", "send"]
