"""Replying on X (API v2): a public reply is a post answering the mention
(``POST /2/tweets`` with ``reply.in_reply_to_tweet_id``); a private one is a direct message to
the author (``POST /2/dm_conversations/with/{participant_id}/messages``). Both need an OAuth 2.0
user token of the brand's account (scopes ``tweet.write``, ``dm.write`` with ``dm.read``,
``tweet.read``, ``users.read``; ``offline.access`` for a refresh token), which expires after two
hours: ``refresh_token`` renews it with ``POST /2/oauth2/token``.

Errors come as problem JSON (``{"title", "detail", "type", "status"}``) or, for some (rate
limits), as ``{"errors": [{"code", "message"}]}``; rate limits are in the ``x-rate-limit-*``
headers, ``x-rate-limit-reset`` being the epoch second the window resets.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import httpx

from heard.models import MentionKind
from heard.platforms._reply import (
    DEFAULT_OUTAGE_WAIT_S,
    DEFAULT_RATE_LIMIT_WAIT_S,
    TIMEOUT,
    USER_AGENT,
    check_credentials,
    check_text,
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

API_URL = "https://api.x.com"
LABEL = "X"
# What X answers (403) when the account may not reply: since 2025 the API lets an account reply
# only to people who mentioned or quoted it, and the author's own reply settings apply too.
_RESTRICTED = (
    "reply to this conversation is not allowed",
    "not allowed to reply",
    "reply_settings",
)


def check(request: ReplyRequest) -> None:
    check_text(request)
    if request.visibility is Visibility.PRIVATE:
        if not request.author_id:
            raise Forbidden(
                "X private replies need a direct message conversation: "
                "this mention has no author id"
            )
    elif request.kind is MentionKind.MESSAGE:
        raise Forbidden("this mention is a direct message on X: answer it privately")


def send(
    request: ReplyRequest, credentials: Credentials, client: httpx.Client, now: datetime
) -> ReplyOutcome:
    check(request)
    stale = check_credentials(credentials, LABEL, now)
    if stale is not None:
        return stale
    base = (credentials.api_url or API_URL).rstrip("/")
    if request.visibility is Visibility.PRIVATE:
        url = f"{base}/2/dm_conversations/with/{request.author_id}/messages"
        payload: dict[str, Any] = {"text": request.text}
    else:
        url = f"{base}/2/tweets"
        payload = {"text": request.text, "reply": {"in_reply_to_tweet_id": request.native_id}}
    try:
        response = post(
            client, url, credentials.access_token, json=payload, idempotency_key=request.reply_id
        )
    except httpx.HTTPError as exc:
        return unreachable(LABEL, exc)
    return outcome(response, now, private=request.visibility is Visibility.PRIVATE)


def outcome(response: httpx.Response, now: datetime, *, private: bool = False) -> ReplyOutcome:
    """A response from X as a ``ReplyOutcome``."""
    body = json_body(response)
    status = response.status_code
    if 200 <= status < 300:
        data = body.get("data")
        data = data if isinstance(data, dict) else {}
        platform_id = data.get("dm_event_id") if private else data.get("id")
        if platform_id:
            return ReplyOutcome.sent(str(platform_id))
        return ReplyOutcome.failed(f"X accepted the reply but returned no id: {_message(body)}")
    message, code = _message(body), _code(body, status)
    if status == 429:
        wait = retry_after(response.headers, now) or _reset_wait(response.headers, now)
        return ReplyOutcome.retry(
            wait or DEFAULT_RATE_LIMIT_WAIT_S,
            "X's rate limit for this account is used up; the reply waits for the next window",
            code,
        )
    if status >= 500:
        return ReplyOutcome.retry(
            retry_after(response.headers, now) or DEFAULT_OUTAGE_WAIT_S,
            f"X had a problem on its side ({status}: {message})",
            code,
        )
    if status == 401:
        return ReplyOutcome.token_expired(
            "X refused the token (it expired or was revoked): renew it with the refresh token, "
            "or sign in to the X account again if that is refused too",
            code,
        )
    if status == 403:
        lowered = message.lower()
        if not private and any(marker in lowered for marker in _RESTRICTED):
            return ReplyOutcome.failed(
                "the author limited who can reply to this post (X lets an account reply only "
                "where the author allows it, and through the API only to people who mentioned "
                "or quoted it): answer on X directly, or send a direct message",
                code,
            )
        if private:
            return ReplyOutcome.failed(
                "X would not deliver the direct message: the person does not accept messages "
                f"from this account, or the token lacks the dm.write scope ({message})",
                code,
            )
        return ReplyOutcome.failed(f"X refused the reply: {message}", code)
    return ReplyOutcome.failed(f"X refused the reply ({status}): {message}", code)


def _message(body: dict[str, Any]) -> str:
    """The most specific words X gave: the errors' messages (they name the parameter at
    fault), else ``detail``, else ``title``."""
    errors = body.get("errors")
    said = [
        str(e.get("message") or e.get("detail")).strip()
        for e in (errors if isinstance(errors, list) else [])
        if isinstance(e, dict) and (e.get("message") or e.get("detail"))
    ]
    if said:
        return "; ".join(said)
    for text in (body.get("detail"), body.get("title")):
        if isinstance(text, str) and text.strip():
            return text.strip()
    return "no explanation given"


def _code(body: dict[str, Any], status: int) -> str:
    errors = body.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else None
    if isinstance(first, dict) and first.get("code") is not None:
        return str(first["code"])
    problem = body.get("type")
    if isinstance(problem, str) and problem and problem != "about:blank":
        return problem  # e.g. https://api.twitter.com/2/problems/invalid-request
    return str(status)


def _reset_wait(headers: httpx.Headers, now: datetime) -> float | None:
    reset = headers.get("x-rate-limit-reset", "").strip()
    if not reset.isdigit():
        return None
    return max(1.0, int(reset) - now.timestamp())


# --- OAuth 2.0 token refresh ----------------------------------------------------------------


class TokenRefreshError(Exception):
    """X would not renew the token. ``retryable``: X was busy or down (try again later);
    otherwise the refresh token is spent or revoked and the account must be authorised again."""

    def __init__(self, reason: str, *, retryable: bool):
        self.reason = reason
        self.retryable = retryable
        super().__init__(reason)

    def __reduce__(self):
        return (_rebuild_refresh_error, (self.reason, self.retryable))


def _rebuild_refresh_error(reason: str, retryable: bool) -> TokenRefreshError:
    return TokenRefreshError(reason, retryable=retryable)


class RefreshedToken(NamedTuple):
    """``access_token, refresh_token, expires_at = refresh_x_token(...)``."""

    access_token: str
    refresh_token: str
    expires_at: datetime

    def __repr__(self) -> str:  # the tokens never reach a log line
        return f"RefreshedToken(expires_at={self.expires_at.isoformat()})"


def refresh_x_token(
    client: httpx.Client,
    client_id: str,
    client_secret: str | None,
    refresh_token: str,
    *,
    api_url: str | None = None,
    now: datetime | None = None,
) -> RefreshedToken:
    """A new user token from a refresh token (``grant_type=refresh_token``).

    A confidential client authenticates with HTTP Basic (client id and secret); a public one
    sends ``client_id`` in the form. X rotates the refresh token: store the new one, the old
    one no longer works. Raises ``TokenRefreshError``.
    """
    now = now or datetime.now(UTC)
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id}
    # httpx.Auth() adds nothing: a public client is identified by client_id alone.
    auth = httpx.BasicAuth(client_id, client_secret) if client_secret else httpx.Auth()
    url = f"{(api_url or API_URL).rstrip('/')}/2/oauth2/token"
    try:
        response = client.post(
            url, data=form, auth=auth, headers={"User-Agent": USER_AGENT}, timeout=TIMEOUT
        )
    except httpx.HTTPError as exc:
        raise TokenRefreshError(
            f"X could not be reached to renew the token ({exc})", retryable=True
        ) from exc
    body = json_body(response)
    if response.status_code == 429 or response.status_code >= 500:
        raise TokenRefreshError(
            f"X could not renew the token now ({response.status_code}); try again shortly",
            retryable=True,
        )
    if response.status_code != 200:
        said = body.get("error_description") or body.get("error") or _message(body)
        raise TokenRefreshError(
            f"X refused to renew the token ({said}): sign in to the X account again to "
            "authorise Heard, then store the new refresh token",
            retryable=False,
        )
    access, new_refresh = body.get("access_token"), body.get("refresh_token")
    if not isinstance(access, str) or not access:
        raise TokenRefreshError("X's token answer held no access_token", retryable=True)
    expires_in = body.get("expires_in")
    seconds = float(expires_in) if isinstance(expires_in, int | float) else 7200.0
    return RefreshedToken(
        access_token=access,
        refresh_token=(
            new_refresh if isinstance(new_refresh, str) and new_refresh else refresh_token
        ),
        expires_at=now + timedelta(seconds=seconds),
    )


__all__ = [
    "API_URL",
    "RefreshedToken",
    "TokenRefreshError",
    "check",
    "outcome",
    "refresh_x_token",
    "send",
]
