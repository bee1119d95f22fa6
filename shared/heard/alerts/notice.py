"""What every channel is told, before it is rendered for one: a ``Notice``.

A notice is any kind of alert (a mention, an SLA escalation, a crisis, a digest, an operational
condition, a summary) with the facts a person needs to act on it: who, where, how urgent, why,
by when, and the link to the case in the web inbox. Routing reads its kind, priority, intents,
platform and sentiment; the renderers (``render`` for email and SMS, ``slack``, ``teams``,
``webhook``) all take one, so spike, crisis and digest notices need no renderer of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from heard.alerts.render import SlaNotice, subject, where, who
from heard.models import Intent, MentionRecord, Platform, Priority, Sentiment, utcnow
from heard.platforms import label

if TYPE_CHECKING:
    from heard.alerts.channels import Alert
    from heard.config import Brand


# A titled group of (label, value) facts.
Section = tuple[str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class Notice:
    id: str  # unique per notice: what a channel's delivery is deduplicated on
    kind: str  # heard.config.NOTICE_KINDS
    brand: str
    priority: Priority
    title: str  # one line: what and how urgent
    headline: str = ""  # one more line: the SLA sentence, the spike's figures...
    text: str | None = None  # the customer's words, quoted as they are
    facts: tuple[tuple[str, str], ...] = ()  # (label, value) in the order shown
    reasons: tuple[str, ...] = ()
    intents: tuple[Intent, ...] = ()
    platform: Platform | None = None
    sentiment: Sentiment | None = None
    case_url: str | None = None
    link: str | None = None  # the mention on its platform
    deadline: datetime | None = None  # the SLA deadline that runs first
    record: MentionRecord | None = field(default=None, compare=False)
    sla: SlaNotice | None = None
    # Named groups of facts after the facts (a digest's sentiment, complaints, SLA...): each
    # channel lays them out as its tables (Slack sections, Teams FactSets).
    sections: tuple[Section, ...] = ()
    # A conversation the notice belongs to (a crisis: ``crisis:<id>``): where a channel can
    # thread (Slack's chat.postMessage), the notice that starts it is the parent and the
    # others are replies in its thread.
    thread: str | None = None
    starts_thread: bool = False

    @property
    def critical(self) -> bool:
        return self.priority is Priority.CRITICAL


def case_url(inbox_url: str | None, case_id: str) -> str | None:
    """``<inbox_url>#/cases/<id>``: the case in the web inbox; None without an inbox URL."""
    if not inbox_url:
        return None
    base = inbox_url.split("#", 1)[0]
    return f"{base}#/cases/{quote(case_id, safe=':')}"


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def first_deadline(record: MentionRecord, brand: Brand | None, now: datetime) -> datetime | None:
    """The deadline of the case's SLA clock that runs out first, under the brand's policy."""
    if brand is None:
        return None
    from heard.cases.deadlines import first_running, state

    clock = first_running(state(record, brand.sla, now))
    return clock.deadline if clock is not None else None


def from_record(
    record: MentionRecord,
    brand: Brand | None = None,
    sla: SlaNotice | None = None,
    *,
    inbox_url: str | None = None,
    now: datetime | None = None,
) -> Notice:
    """The notice of a mention (``kind`` mention) or of an SLA warning or breach on its case
    (``kind`` escalation)."""
    now = now or utcnow()
    mention, triage = record.mention, record.triage
    deadline = sla.deadline if sla is not None else first_deadline(record, brand, now)
    facts: list[tuple[str, str]] = [
        ("Author", who(record)),
        ("Where", where(record)),
        ("Priority", record.priority.value),
        ("Sentiment", f"{triage.sentiment.value} ({triage.sentiment_score:+.2f})"),
        ("Intents", ", ".join(i.value for i in triage.intents) or "none"),
    ]
    if deadline is not None:
        clock = (sla.clock if sla is not None else "SLA").replace("_", " ")
        facts.append(("Due", f"{clock} by {_utc(deadline)}"))
    if record.assignee or sla is not None:
        facts.append(("Case", f"{record.status.value}, {record.assignee or 'unassigned'}"))
    reasons = tuple(triage.reasons) or (f"priority {triage.priority.value}",)
    return Notice(
        id=f"sla:{record.id}:{sla.event}" if sla is not None else f"mention:{record.id}",
        kind="escalation" if sla is not None else "mention",
        brand=record.brand,
        priority=record.priority,
        title=subject(record, sla, first_words=False),
        headline=sla.sentence if sla is not None else f"{label(mention.platform)}: {record.id}",
        text=mention.text,
        facts=tuple(facts),
        reasons=reasons,
        intents=tuple(triage.intents),
        platform=mention.platform,
        sentiment=triage.sentiment,
        case_url=case_url(inbox_url, record.id),
        link=mention.url,
        deadline=deadline,
        record=record,
        sla=sla,
    )


def from_alert(
    alert: Alert, *, inbox_url: str | None = None, now: datetime | None = None
) -> Notice:
    return from_record(alert.record, alert.brand, alert.sla, inbox_url=inbox_url, now=now)


__all__ = ["Notice", "Section", "case_url", "first_deadline", "from_alert", "from_record"]
