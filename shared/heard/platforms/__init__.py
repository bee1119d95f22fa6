"""Platform adapters: one module per platform holds everything that platform knows.

``x``, ``meta`` (Facebook Pages, Messenger, Instagram) and ``generic`` (signed JSON) each verify
their webhook requests and parse deliveries into queue messages; polling and replying will live
beside them, so a change to how Heard talks to a platform touches one module. They are pure
functions: no AWS, no HTTP framework; the webhook handler wires them to requests.

A handler maps the errors to HTTP in one place: ``SignatureError`` → 401, ``PayloadError`` → 400
(its ``field`` names the culprit), ``VerificationError`` → 403.
"""

from heard.models import Platform
from heard.platforms.errors import PayloadError, SignatureError, VerificationError

_LABELS = {
    Platform.X: "X",
    Platform.FACEBOOK: "Facebook",
    Platform.INSTAGRAM: "Instagram",
    Platform.GENERIC: "webhook",
}


def label(platform: Platform | str) -> str:
    """The platform's name as people write it ("X", "Facebook")."""
    return _LABELS[Platform(platform)]


__all__ = ["PayloadError", "SignatureError", "VerificationError", "label"]
