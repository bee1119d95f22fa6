"""The SLA escalation run: every minute, the cases whose SLA needs a look get their notices.

The run reads the sparse ``BySlaDue`` index (open cases whose next warning or level is due by
now: one query that finds nothing most minutes), computes each case's clocks against its
brand's ``sla`` and sends what is due and not yet sent: a warning before a deadline, then one
breach per escalation level, each to its route. Send first, then record it on the case (with
its next look): a notice that failed to send is tried again on the next run, one bad case does
not stop the others, and a case changed meanwhile is read again.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

from heard.alerts import AlertDispatcher
from heard.cases import deadlines
from heard.config import HeardConfig
from heard.models import MentionRecord, utcnow
from heard.store.mentions import VersionConflict

logger = logging.getLogger(__name__)
ATTEMPTS = 3


class CaseStore(Protocol):
    def sla_due(self, now: datetime, limit: int = 500) -> list[str]: ...

    def get_any(self, key: str) -> MentionRecord | None: ...

    def save_case(self, old: MentionRecord, new: MentionRecord) -> MentionRecord: ...


def run_sla(
    store: CaseStore,
    alerts: AlertDispatcher,
    config: HeardConfig,
    *,
    now: datetime | None = None,
    limit: int = 500,
) -> list[str]:
    """Send the SLA notices due by ``now``; returns the events sent, as ``key:event``."""
    now = now or utcnow()
    sent: list[str] = []
    for key in store.sla_due(now, limit):
        try:
            sent += _case(store, alerts, config, key, now)
        except Exception:
            logger.exception("SLA notices not sent", extra={"key": key})
    return sent


def _case(
    store: CaseStore, alerts: AlertDispatcher, config: HeardConfig, key: str, now: datetime
) -> list[str]:
    for _ in range(ATTEMPTS):
        case = store.get_any(key)
        if case is None:
            return []
        brand = config.brand(case.brand)
        if brand is None:  # the brand left the configuration: stop looking at its cases
            if case.sla_due is not None:
                store.save_case(case, case.model_copy(update={"sla_due": None}))
            return []
        current = deadlines.state(case, brand.sla, now)
        notices = deadlines.due_notices(case, current)
        delivered, refused = [], []
        for notice in notices:
            if notice.event in case.sla_events:
                continue
            if alerts.notify_sla(case, brand, notice):  # a transient failure raises
                delivered.append(notice)
            else:
                refused.append(notice)
        updated = deadlines.recorded(case, delivered, brand.sla, now, refused)
        if updated == case:
            return []
        try:
            store.save_case(case, updated)
        except VersionConflict:
            continue  # changed meanwhile (a reply, a new message): look again
        return [f"{key}:{n.event}" for n in delivered]
    return []
