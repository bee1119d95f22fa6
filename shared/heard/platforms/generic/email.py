"""Email replies to a generic mention (a feedback form, a support inbox) through Amazon SES.

A generic mention's only way back is the customer's email address, when its author handle is
one. The reply goes from the brand's verified sender address (``REPLY_FROM_ADDRESS``, the
template's ``ReplyFromAddress``), with Heard's reply id in a header so a bounce can be traced.
SES throttling and outages wait and try again; a refused message, an unverified sender or a
missing sender address fail the reply with what to do.
"""

from __future__ import annotations

from typing import Any

from heard.platforms.base import ReplyOutcome, ReplyRequest

# SES error codes worth another try (throttling and outages); the rest refuse this message.
RETRYABLE = frozenset(
    {"Throttling", "ThrottlingException", "TooManyRequestsException", "ServiceUnavailable"}
)
EXPLAINED = {
    "MessageRejected": "SES refused the message (a bounce-listed address or its content)",
    "MailFromDomainNotVerified": "the sender's domain is not verified in SES",
    "AccountSendingPausedException": "sending is paused for this AWS account in SES",
    "ConfigurationSetDoesNotExist": "the SES configuration set does not exist",
}


class SesMailer:
    """Sends a reply by email. ``ses`` is a boto3 SES client."""

    def __init__(self, ses: Any, from_address: str | None, *, subject: str = "Re: your message"):
        self._ses = ses
        self._from = from_address
        self._subject = subject

    def send(self, request: ReplyRequest) -> ReplyOutcome:
        if not self._from:
            return ReplyOutcome.failed(
                "email replies need a sender address: set the ReplyFromAddress parameter to an "
                "address or domain verified in SES, then send again"
            )
        to = (request.author_handle or "").strip()
        try:
            response = self._ses.send_email(
                Source=self._from,
                Destination={"ToAddresses": [to]},
                Message={
                    "Subject": {"Data": self._subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": request.text, "Charset": "UTF-8"}},
                },
                ReplyToAddresses=[self._from],
                Tags=[{"Name": "heard-reply", "Value": _tag(request.reply_id)}],
            )
        except Exception as exc:  # botocore ClientError, or the connection
            code = getattr(exc, "response", {}).get("Error", {}).get("Code") or type(exc).__name__
            if code in RETRYABLE or not hasattr(exc, "response"):
                return ReplyOutcome.retry(60.0, f"SES is not taking email now ({code})", code)
            reason = EXPLAINED.get(code, f"SES refused the email ({code}: {exc})")
            if code == "MessageRejected" and "not verified" in str(exc):
                reason = (
                    f"the sender {self._from} is not verified in SES: verify it (or its "
                    "domain), or request production access to write to unverified recipients"
                )
            return ReplyOutcome.failed(reason, code)
        return ReplyOutcome.sent(str(response["MessageId"]))


def _tag(reply_id: str) -> str:
    """SES tag values take letters, digits, ``_`` and ``-`` only."""
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in reply_id)[:256] or "reply"
