"""Every refusal of the feedback form, as one exception the handler maps to HTTP.

A refusal names what is wrong (``code``, ``message``, the ``field`` when one field is) and is
answered with its 4xx; the few 5xx (the queue or the CAPTCHA verifier unavailable, a
misconfiguration) are ours, not the input's, and say when to try again.
"""

from __future__ import annotations


class FeedbackError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        *,
        retry_after: int | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.retry_after = retry_after

    def body(self) -> dict[str, object]:
        error: dict[str, object] = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        return {"error": error}


def not_found(slug: str) -> FeedbackError:
    return FeedbackError(404, "not_found", f"there is no feedback form at {slug!r}")
