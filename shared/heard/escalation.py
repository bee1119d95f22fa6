"""SLA escalation: alert-worthy mentions still new after the SLA are raised again, once."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from heard.alerts import AlertDispatcher
from heard.config import HeardConfig
from heard.models import Priority, utcnow

ESCALATE = (Priority.HIGH, Priority.CRITICAL)
logger = logging.getLogger(__name__)


def escalate_overdue(
    alerts: AlertDispatcher,
    config: HeardConfig,
    *,
    sla: timedelta,
    now: datetime | None = None,
    limit_per_brand: int = 100,
) -> list[str]:
    """Send an 'SLA breach' alert for each alerted high/critical mention that is still new
    ``sla`` after its alert went out. Returns the keys escalated.

    Only mentions that were alerted count (a brand that keeps highs quiet is not paged by the
    back door), and the clock starts at the alert, not at the platform's timestamp (a late
    delivery is not overdue on arrival). Send first, then record it: a failed send is tried
    again on the next run, and one bad record does not stop the others.
    """
    now = now or utcnow()
    escalated: list[str] = []
    for brand in config.brands:
        for priority in ESCALATE:
            for record in alerts.overdue(
                brand.name, priority, alerted_before=now - sla, limit=limit_per_brand
            ):
                try:
                    if alerts.escalate(record, brand, now):
                        escalated.append(record.id)
                except Exception:
                    logger.exception("escalation not published", extra={"key": record.id})
    return escalated
