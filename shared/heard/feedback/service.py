"""One feedback post, from the request to the ingest queue, every refusal on the way."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from heard import secrets
from heard.feedback import captcha, submission
from heard.feedback.errors import FeedbackError, not_found
from heard.feedback.page import PROVIDERS
from heard.feedback.ratelimit import RateLimiter
from heard.ingest import EnqueueError
from heard.secrets import SecretRef, SecretUnavailable

if TYPE_CHECKING:
    from heard.config import Brand, HeardConfig
    from heard.ingest import IngestQueue

log = logging.getLogger(__name__)

# The key the client addresses are hashed under (FeedbackSecret ``address_key``).
ADDRESS_KEY = SecretRef(
    "HEARD_FEEDBACK_ADDRESS_KEY",
    "FEEDBACK_SECRET_NAME",
    "address_key",
    "local-feedback-address-key",
)


def captcha_secret(name: str) -> SecretRef:
    """A brand's CAPTCHA secret: key ``name`` of FeedbackSecret (locally, the env var
    ``HEARD_FEEDBACK_<NAME>``)."""
    return SecretRef(f"HEARD_FEEDBACK_{name.upper()}", "FEEDBACK_SECRET_NAME", name, "")


@dataclass(frozen=True)
class FeedbackRequest:
    slug: str
    body: bytes
    content_type: str | None = None
    origin: str | None = None
    host: str | None = None  # the Host the form was served from
    source_ip: str | None = None


@dataclass(frozen=True)
class Accepted:
    brand: Brand
    key: str  # the mention's key, e.g. "generic:feedback-form:<uuid>"


@dataclass(frozen=True)
class Ignored:
    """A filled honeypot: answered as a success, nothing stored."""

    brand: Brand


def _host(value: str | None) -> str:
    return (value or "").strip().lower()


def cross_origin(brand: Brand, origin: str | None, host: str | None) -> str | None:
    """The allowed origin a cross-origin post comes from (it gets CORS headers), or None for
    a post that is not cross-origin; ``FeedbackError`` 403 for an origin the brand does not
    allow. No ``Origin`` (a script, curl) or ``Origin: null`` is not cross-origin as far as a
    browser can tell: the form's own plain post sends ``null`` (a form submitted from a
    ``no-referrer`` page does); those rely on the rate limit and the CAPTCHA like any other
    post. The page's script posts with its real origin, the form's own."""
    if origin is None or origin.strip() in ("", "null"):
        return None
    given = origin.strip().lower().rstrip("/")
    if urlsplit(given).netloc == _host(host):
        return None  # the form's own page
    if given in brand.feedback.allowed_origins:
        return given
    raise FeedbackError(
        403,
        "origin_not_allowed",
        f"{origin} may not post to this form (not among the brand's allowed origins)",
    )


class FeedbackService:
    """One per cold start. Every collaborator is created on first use."""

    def __init__(
        self,
        config: Callable[[], HeardConfig],
        queue: Callable[[], IngestQueue],
        limiter: Callable[[str], RateLimiter],
        secret: Callable[[SecretRef], str] = secrets.get_secret,
        *,
        captcha_url: str | None = None,
        captcha_timeout_s: float = captcha.TIMEOUT_S,
    ):
        self._config = config
        self._queue = queue
        self._limiter = limiter
        self._secret = secret
        self._captcha_url = captcha_url
        self._captcha_timeout_s = captcha_timeout_s

    def brand(self, slug: str) -> Brand:
        found = self._config().feedback_brand(slug)
        if found is None:
            raise not_found(slug)
        return found

    def submit(self, request: FeedbackRequest) -> Accepted | Ignored:
        brand = self.brand(request.slug)
        cross_origin(brand, request.origin, request.host)
        sent = submission.read(request.body, request.content_type)
        if sent.honeypot:
            log.info("feedback honeypot filled; answered as a success, nothing stored")
            return Ignored(brand)
        form = brand.feedback
        address = request.source_ip or "unknown"
        self._limiter(self._read(ADDRESS_KEY)).take(brand.feedback_slug, address, form.max_per_hour)
        if form.captcha is not None:
            hostnames = {urlsplit(o).hostname or "" for o in form.allowed_origins}
            hostnames.add(_host(request.host).rsplit(":", 1)[0])
            captcha.verify(
                self._captcha_url or PROVIDERS[form.captcha.provider].verify_url,
                self._read(captcha_secret(form.captcha.secret)),
                sent.captcha_token,
                request.source_ip,
                hostnames=hostnames - {""},
                timeout_s=self._captcha_timeout_s,
            )
        message = sent.message(brand.name)
        try:
            self._queue().send([message])
        except EnqueueError as exc:
            log.error("feedback not queued: %s", exc)
            raise FeedbackError(
                503,
                "unavailable",
                "your feedback could not be taken just now; please send it again in a minute",
                retry_after=30,
            ) from exc
        return Accepted(brand, message.mention.key)

    def _read(self, ref: SecretRef) -> str:
        try:
            return self._secret(ref)
        except SecretUnavailable as exc:
            log.error("feedback form misconfigured: %s", exc)
            raise FeedbackError(
                503,
                "unavailable",
                "the form cannot take messages just now; try again later",
                retry_after=300,
            ) from exc
