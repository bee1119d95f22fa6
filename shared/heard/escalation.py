"""SLA escalation: alert-worthy mentions still new after the SLA are raised again, once."""

from __future__ import annotations

from datetime import datetime, timedelta

from heard.alerts import AlertPublisher
from heard.config import HeardConfig
from heard.models import Priority, Status, utcnow
from heard.store import MentionStore

ESCALATE = (Priority.HIGH, Priority.CRITICAL)


def escalate_overdue(
    store: MentionStore,
    publisher: AlertPublisher,
    config: HeardConfig,
    *,
    sla: timedelta,
    now: datetime | None = None,
    limit_per_brand: int = 100,
) -> list[str]:
    """Publish an 'SLA breach' alert for each high/critical mention new for longer than ``sla``.

    Returns the keys escalated. A mention is escalated at most once (a conditional write).
    """
    now = now or utcnow()
    cutoff = (now - sla).isoformat()
    escalated: list[str] = []
    for brand in config.brands:
        for priority in ESCALATE:
            page = store.list(
                brand=brand.name,
                priority=priority,
                status=Status.NEW,
                before=cutoff,
                limit=limit_per_brand,
            )
            for record in page.items:
                if record.escalated_at or record.deleted:
                    continue
                if store.mark_escalated(record.id, now):
                    publisher.publish(record, brand, escalation=True)
                    escalated.append(record.id)
    return escalated
