"""The public feedback form: a page per brand that anyone may post to, without a sign-in.

``/feedback/<slug>`` serves the form (``page``); a post is read and checked (``submission``),
refused when the brand has no form, the origin is not the page's own or one the brand allows,
the body or a field is wrong, the address has sent too much this hour (``ratelimit``) or the
CAPTCHA fails (``captcha``); otherwise it becomes a generic mention with ``source:
feedback-form`` for the brand, on the ingest queue like any webhook's. Triage, the store, the
inbox and alerts take it from there. Nothing is stored or queued for a refused submission, and
a filled honeypot is answered as a success with nothing stored (a bot learns nothing).
"""

from heard.feedback.errors import FeedbackError
from heard.feedback.service import (
    ADDRESS_KEY,
    Accepted,
    FeedbackRequest,
    FeedbackService,
    Ignored,
    captcha_secret,
)
from heard.feedback.submission import SOURCE, Submission

__all__ = [
    "ADDRESS_KEY",
    "SOURCE",
    "Accepted",
    "FeedbackError",
    "FeedbackRequest",
    "FeedbackService",
    "Ignored",
    "Submission",
    "captcha_secret",
]
