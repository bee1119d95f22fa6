"""One feedback submission: read from a plain form post or from JSON, checked field by field.

The form posts ``application/x-www-form-urlencoded``; the page's script and the embed snippet
post ``application/json``. Both carry the same fields:

``text``      what the customer says (required; at most ``MAX_TEXT_CHARS`` characters)
``email``     where a private answer may go (optional)
``rating``    1 to 5 (optional)
``website``   the honeypot: hidden from people, filled by bots
``captcha``   the CAPTCHA token (the widgets post it as ``cf-turnstile-response`` or
              ``h-captcha-response``; either name is read)

Other fields are ignored: the CAPTCHA widgets add their own (hCaptcha also posts
``g-recaptcha-response``), and a brand's own copy of the form may carry more.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from heard import jsonbody
from heard.feedback.errors import FeedbackError
from heard.models import Author, Mention, MentionKind, MentionMessage, Platform

SOURCE = "feedback-form"
MAX_BODY_BYTES = 64 * 1024  # 5,000 four-byte characters, percent-encoded, fit
MAX_TEXT_CHARS = 5_000
MAX_EMAIL_CHARS = 254
MAX_TOKEN_CHARS = 8_192
HONEYPOT = "website"
TOKEN_FIELDS = ("captcha", "cf-turnstile-response", "h-captcha-response")
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

# One "@", something on each side, a dot in the domain, no spaces or controls: an address to
# write to, not an RFC 5322 validation (the mail server is the judge of that).
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")


@dataclass(frozen=True)
class Submission:
    text: str
    email: str | None = None
    rating: int | None = None
    honeypot: bool = False
    captcha_token: str | None = None

    def message(self, brand: str, submission_id: str | None = None) -> MentionMessage:
        """The mention for the ingest queue, for ``brand`` (the form names it: no matching).

        With an email the author is that address (the private reply goes there by SES, and a
        second message from it joins the open case); without one the author is "anonymous",
        with the submission's own id so that anonymous messages never join one another."""
        native_id = f"{SOURCE}:{submission_id or uuid.uuid4()}"
        author = (
            Author(handle=self.email)
            if self.email
            else Author(id=native_id, handle="anonymous", name="Anonymous")
        )
        mention = Mention(
            platform=Platform.GENERIC,
            native_id=native_id,
            kind=MentionKind.MESSAGE,
            text=self.text,
            author=author,
            source=SOURCE,
            rating=self.rating,
        )
        return MentionMessage(mention=mention, brand=brand)


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def read(raw: bytes, content_type: str | None) -> Submission:
    """The submission in ``raw``, or the ``FeedbackError`` that says what is wrong with it."""
    kind = media_type(content_type)
    if kind not in (FORM, JSON):
        raise FeedbackError(
            415,
            "unsupported_media_type",
            f"send {FORM} (the form) or {JSON} (a script), not {kind or 'no Content-Type'}",
        )
    if len(raw) > MAX_BODY_BYTES:
        raise FeedbackError(
            413, "payload_too_large", f"the body is {len(raw)} bytes; the limit is {MAX_BODY_BYTES}"
        )
    fields = _form(raw) if kind == FORM else _json(raw)
    return check(fields)


def _form(raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FeedbackError(400, "invalid_body", "the form is not UTF-8") from None
    fields: dict[str, Any] = {}
    try:
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=100)
    except (ValueError, UnicodeDecodeError):
        raise FeedbackError(400, "invalid_body", "the form cannot be read") from None
    for key, value in pairs:
        fields.setdefault(key, value)  # the first of a repeated field
    return fields


def _json(raw: bytes) -> dict[str, Any]:
    try:
        data = jsonbody.load_json(raw)
    except jsonbody.BodyError as exc:
        raise FeedbackError(400, "invalid_body", str(exc)) from None
    if not isinstance(data, dict):
        raise FeedbackError(400, "invalid_body", "expected a JSON object")
    return data


def _string(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise FeedbackError(400, "invalid_field", f"{name} must be a string", name)
    return value


def check(fields: dict[str, Any]) -> Submission:
    """The fields as a Submission. A filled honeypot short-cuts every other check (the answer
    to a bot must not say what else it got wrong)."""
    honeypot = fields.get(HONEYPOT)
    if honeypot not in (None, "", False):
        return Submission(text="", honeypot=True)
    text = (_string(fields, "text") or "").strip()
    text = _clean(text)
    if not text:
        raise FeedbackError(400, "missing_field", "write your feedback in the text box", "text")
    if len(text) > MAX_TEXT_CHARS:
        raise FeedbackError(
            413,
            "text_too_long",
            f"the text is {len(text)} characters; the limit is {MAX_TEXT_CHARS:,}",
            "text",
        )
    email = (_string(fields, "email") or "").strip() or None
    if email is not None and (len(email) > MAX_EMAIL_CHARS or not _EMAIL.fullmatch(email)):
        raise FeedbackError(
            400, "invalid_field", "the email address is not valid (name@example.com)", "email"
        )
    return Submission(
        text=text,
        email=email,
        rating=_rating(fields.get("rating")),
        captcha_token=_token(fields),
    )


def _clean(text: str) -> str:
    """Controls other than newlines and tabs removed; lone surrogates cannot be stored."""
    kept = []
    for ch in text.replace("\r\n", "\n"):
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"):
            kept.append(ch)
    return "".join(kept).strip()


def _rating(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return value
    raise FeedbackError(400, "invalid_field", "the rating is a whole number from 1 to 5", "rating")


def _token(fields: dict[str, Any]) -> str | None:
    for name in TOKEN_FIELDS:
        value = fields.get(name)
        if isinstance(value, str) and value.strip():
            if len(value) > MAX_TOKEN_CHARS:
                raise FeedbackError(
                    400, "invalid_field", "the CAPTCHA token is too long", "captcha"
                )
            return value.strip()
    return None
