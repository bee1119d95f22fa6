"""The one way an alert goes out, for triage and escalation alike: claim → gate → channel →
record.

- ``alert_new``: a record stored already claimed (``alert_state = publishing``) by this
  invocation, or an edit whose update claimed it: send, then mark it ``sent``.
- ``take_over``: a redelivery found the record still ``publishing``: take the claim only once
  it is stale (``CLAIM_TIMEOUT``), then send as above.
- ``notify_sla``: an SLA warning or breach of a case: send it (the escalation run records it
  on the case afterwards, so each notice goes out once).

A transient failure (throttling, 5xx, a lost connection) releases the claim and re-raises, so
the message's redelivery sends the alert at once. A permanent one (the channel refused the
message itself) records the alert ``failed`` with the error and does not raise: retrying the
same message cannot help, and the mention must not stay claimed for ever.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

from heard.alerts.channels import Alert, Channel, PermanentDeliveryError
from heard.alerts.policy import should_alert
from heard.alerts.render import SlaNotice
from heard.config import Brand
from heard.models import MentionRecord

logger = logging.getLogger(__name__)


class ClaimsLike(Protocol):
    """The alert claim protocol (``heard.store.AlertClaims``)."""

    def claim_alert(self, key: str, now: datetime | None = None) -> bool: ...

    def release_claim(self, key: str) -> None: ...

    def mark_alerted(self, key: str, now: datetime | None = None) -> None: ...

    def mark_failed(self, key: str, error: str, now: datetime | None = None) -> None: ...


class AlertDispatcher:
    """Sends alerts through ``channel`` under the claims in ``claims``."""

    def __init__(self, claims: ClaimsLike, channel: Channel):
        self.claims = claims
        self.channel = channel

    @staticmethod
    def wants_alert(record: MentionRecord, brand: Brand) -> bool:
        """The gate: does this mention deserve an alert at all?"""
        return should_alert(record, brand)

    def alert_new(self, record: MentionRecord, brand: Brand | None = None) -> bool:
        """Send the alert of a record this invocation holds the claim of (stored or edited
        already claimed). True when it was sent."""
        return self._send(record, brand)

    def alert_edit(self, record: MentionRecord, brand: Brand | None = None) -> bool:
        """Send the alert an edit claimed (the edit made the mention alert-worthy)."""
        return self._send(record, brand)

    def take_over(
        self, record: MentionRecord, brand: Brand | None = None, now: datetime | None = None
    ) -> bool:
        """A redelivery found the alert still claimed: take the claim only when it is stale
        (its invocation died), then send. True when this call sent it."""
        if not self.claims.claim_alert(record.id, now):
            return False  # a live invocation holds it, or it went out meanwhile
        return self._send(record, brand)

    def notify_sla(self, case: MentionRecord, brand: Brand | None, notice: SlaNotice) -> bool:
        """Send an SLA warning or breach about ``case``. True when sent; False when the
        channel refused it for good (logged: retrying cannot help, so the caller records the
        notice as done). A transient failure raises: the next run tries again."""
        try:
            self.channel.send(Alert(case, brand, sla=notice))
        except PermanentDeliveryError as e:
            logger.error(
                "SLA alert refused by the channel",
                extra={"key": case.id, "event": notice.event, "code": e.code, "error": str(e)},
            )
            return False
        return True

    def _send(self, record: MentionRecord, brand: Brand | None) -> bool:
        try:
            self.channel.send(Alert(record, brand))
        except PermanentDeliveryError as e:
            logger.error(
                "alert refused by the channel; recorded as failed",
                extra={"key": record.id, "code": e.code, "error": str(e)},
            )
            self.claims.mark_failed(record.id, str(e))
            return False
        except Exception:
            # Let this message's redelivery send it straight away, then fail the record.
            self.claims.release_claim(record.id)
            raise
        self.claims.mark_alerted(record.id)
        return True
