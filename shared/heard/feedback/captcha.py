"""Checking a CAPTCHA token with its provider's siteverify endpoint (Turnstile, hCaptcha).

Both take a form-encoded POST of ``secret``, ``response`` (the token) and ``remoteip``, and
answer JSON with ``success``, ``error-codes`` and, on success, the ``hostname`` the widget was
solved on. A token that fails is refused (403) with the provider's codes; a verifier that cannot
be reached, times out, answers a 5xx or something that is not its JSON is answered 503 with
``Retry-After``: the visitor did nothing wrong, and letting the message through unchecked would
switch the CAPTCHA off for anyone who can slow the verifier down. A secret the provider refuses
is our misconfiguration: 503 too, logged as an error.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

import httpx

from heard.feedback.errors import FeedbackError

log = logging.getLogger(__name__)

TIMEOUT_S = 3.0
RETRY_AFTER_S = 30
# error-codes that say the secret, not the token, is wrong.
MISCONFIGURED = frozenset(
    {"missing-input-secret", "invalid-input-secret", "sitekey-secret-mismatch"}
)


def _unavailable(reason: str) -> FeedbackError:
    log.warning("CAPTCHA verifier unavailable: %s", reason)
    return FeedbackError(
        503,
        "captcha_unavailable",
        "the CAPTCHA could not be checked just now; please try again in a minute",
        "captcha",
        retry_after=RETRY_AFTER_S,
    )


def verify(
    url: str,
    secret: str,
    token: str | None,
    remote_ip: str | None,
    *,
    hostnames: Collection[str] = (),
    timeout_s: float = TIMEOUT_S,
    client: httpx.Client | None = None,
) -> None:
    """Return if the provider accepts ``token``; raise ``FeedbackError`` otherwise.

    ``hostnames``: where the widget may have been solved (the form's own host and the brand's
    allowed origins); a success for another host is refused. Empty: not checked."""
    if not token:
        raise FeedbackError(
            400,
            "captcha_required",
            "complete the CAPTCHA (it needs JavaScript) and send again",
            "captcha",
        )
    data = {"secret": secret, "response": token}
    if remote_ip:
        data["remoteip"] = remote_ip
    try:
        if client is not None:
            response = client.post(url, data=data, timeout=timeout_s)
        else:
            response = httpx.post(url, data=data, timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise _unavailable(f"{type(exc).__name__}: {exc}") from None
    if response.status_code >= 500 or response.status_code == 429:
        raise _unavailable(f"HTTP {response.status_code}")
    try:
        answer: Any = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get("success"), bool):
        raise _unavailable(f"HTTP {response.status_code}, not a siteverify answer")
    codes = [str(c) for c in answer.get("error-codes") or [] if isinstance(c, str | int)]
    if MISCONFIGURED.intersection(codes):
        log.error("the CAPTCHA secret is refused by the provider: %s", codes)
        raise _unavailable(f"secret refused: {codes}")
    if not answer["success"]:
        raise FeedbackError(
            403,
            "captcha_failed",
            "the CAPTCHA was not passed"
            + (f" ({', '.join(codes)})" if codes else "")
            + "; try it again",
            "captcha",
        )
    hostname = answer.get("hostname")
    if hostnames and isinstance(hostname, str) and hostname and hostname.lower() not in hostnames:
        raise FeedbackError(
            403,
            "captcha_failed",
            f"the CAPTCHA was solved on {hostname}, not on this form",
            "captcha",
        )
