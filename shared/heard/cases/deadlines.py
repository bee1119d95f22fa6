"""A case's SLA: its clocks from its record, when it next needs a look, and which notices are
due. The clocks themselves are ``sla``; this module knows where a case keeps its times.

A case's clocks start when Heard received its first message (``received_at``): a delivery that
arrives late is not overdue on arrival. The first-response clock stops at the first reply
(``first_response_at``; or at the acknowledgement when the brand says so), both at the
resolution. A notice goes out once per case: the warning before a deadline, then one breach
per escalation level, each recorded in ``sla_events``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from heard.alerts.render import SlaNotice
from heard.cases.sla import CaseTimes, Clock, SlaState, SlaStatus, sla_state
from heard.config import SlaPolicy
from heard.models import CaseSummary, HistoryEntry, MentionRecord

SYSTEM = "heard"


def times(case: MentionRecord) -> CaseTimes:
    return CaseTimes(
        waiting_since=case.received_at,
        first_reply_at=case.first_response_at,
        acknowledged_at=case.acknowledged_at,
        resolved_at=case.resolved_at,
    )


def state(case: MentionRecord, policy: SlaPolicy, now: datetime) -> SlaState:
    return sla_state(policy, case.priority, times(case), now=now)


def summary_state(case: CaseSummary, policy: SlaPolicy, now: datetime) -> SlaState:
    """``state`` of a case from its summary (an index's projection): the clocks start when
    Heard received it, or when it was created where the summary does not say."""
    started = case.received_at or case.created_at
    case_times = CaseTimes(
        waiting_since=started,
        first_reply_at=case.first_response_at,
        acknowledged_at=case.acknowledged_at,
        resolved_at=case.resolved_at,
    )
    return sla_state(policy, case.priority, case_times, now=now)


def first_running(current: SlaState) -> Clock | None:
    """The running clock whose deadline comes first; None when no clock with a target runs."""
    running = [c for c in current.clocks if c.running and c.deadline is not None]
    return min(running, key=lambda c: c.deadline or _NEVER, default=None)


_NEVER = datetime.max.replace(tzinfo=UTC)


def next_look(case: MentionRecord, policy: SlaPolicy, now: datetime) -> datetime | None:
    """When the escalation run should next look at the case: now when a notice is due and not
    yet sent, else the next warning or level; None for a closed case or one with nothing due."""
    if not case.is_case or not case.status.open:
        return None
    current = state(case, policy, now)
    if due_notices(case, current):
        return now
    return current.next_change


def with_next_look(case: MentionRecord, policy: SlaPolicy, now: datetime) -> MentionRecord:
    """The case with ``sla_due`` brought up to date (after any change to it)."""
    due = next_look(case, policy, now)
    if due == case.sla_due:
        return case
    return case.model_copy(update={"sla_due": due})


def due_notices(case: MentionRecord, current: SlaState) -> list[SlaNotice]:
    """The notices due now and not sent before, in the order they fell due. A warning that a
    breach has overtaken is not sent (the breach says more); every level reached is."""
    notices: list[SlaNotice] = []
    for clock in current.clocks:
        if not clock.running or clock.deadline is None:
            continue
        levels = clock.levels_due
        if clock.status is SlaStatus.WARNING or (clock.status is SlaStatus.BREACHED and not levels):
            notices.append(SlaNotice("warning", clock.kind.value, clock.deadline))
        for level in levels:
            notices.append(
                SlaNotice("breach", clock.kind.value, clock.deadline, level.level, level.route)
            )
    sent = set(case.sla_events)
    return [n for n in notices if n.event not in sent]


def recorded(
    case: MentionRecord,
    notices: list[SlaNotice],
    policy: SlaPolicy,
    now: datetime,
    skipped: Sequence[SlaNotice] = (),
) -> MentionRecord:
    """The case with ``notices`` (sent) and ``skipped`` (refused for good, or overtaken)
    recorded: in ``sla_events``, in its history, and ``escalated_at`` at the first breach."""
    events = [*case.sla_events, *(n.event for n in [*notices, *skipped])]
    history = [
        HistoryEntry(at=now, by=SYSTEM, action="sla", detail=_detail(n, sent=True)) for n in notices
    ] + [
        HistoryEntry(at=now, by=SYSTEM, action="sla", detail=_detail(n, sent=False))
        for n in skipped
    ]
    changes: dict[str, Any] = {
        "sla_events": list(dict.fromkeys(events)),
        "history": [*case.history, *history],
    }
    if case.escalated_at is None and any(n.kind == "breach" for n in notices):
        changes["escalated_at"] = now
    updated = case.model_copy(update=changes)
    return with_next_look(updated, policy, now)


def _detail(notice: SlaNotice, *, sent: bool) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "event": notice.event,
        "kind": notice.kind,
        "clock": notice.clock,
        "deadline": notice.deadline.isoformat(),
        "sent": sent,
    }
    if notice.route:
        detail["route"] = notice.route
    return detail
