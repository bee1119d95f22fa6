"""What an alert says: a subject line, a full message (email, chat) and one SMS line.

Every rendering fits its channel: the subject is one printable ASCII line under 100
characters, the SMS line 160 characters, and the full message cuts only the quoted text (with
an ellipsis) to the bytes its channel can carry, never the reasons, the link or the mention id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from heard.models import MentionRecord, Platform
from heard.platforms import label
from heard.reach import followers_text

SUBJECT_LIMIT = 99  # SNS subjects: under 100 characters
SMS_LIMIT = 160
ELLIPSIS = "…"
NO_TEXT = "(no text: known only by id; enrichment pending)"


def who(record: MentionRecord) -> str:
    """``@dana (84k followers, verified)``: the author and their reach, where known."""
    author = record.mention.author
    name = f"@{author.handle}" if author.handle else author.name or author.id or "someone"
    if record.mention.platform is Platform.GENERIC and author.handle:
        name = author.handle
    # Zero means unknown on platforms that do not report reach (Facebook comments, forms).
    details = [followers_text(author.followers)] if author.followers else []
    if author.verified:
        details.append("verified")
    return f"{name} ({', '.join(details)})" if details else name


def where(record: MentionRecord) -> str:
    mention = record.mention
    place = label(mention.platform)
    if mention.platform is Platform.GENERIC and mention.source:
        place = mention.source
    return f"{place} {mention.kind.value}"


_UNPRINTABLE = re.compile(r"[^\x20-\x7e]+")


@dataclass(frozen=True)
class SlaNotice:
    """An SLA alert about a case: a warning before a deadline, or a breach at an escalation
    level (``route`` names who that level reaches: subscribers filter on it)."""

    kind: Literal["warning", "breach"]
    clock: str  # "first_response" | "resolution"
    deadline: datetime
    level: int | None = None
    route: str | None = None

    @property
    def event(self) -> str:
        """What the case records so that each notice goes out once: ``first_response:warning``,
        ``resolution:level1``."""
        return f"{self.clock}:{'warning' if self.kind == 'warning' else f'level{self.level}'}"

    @property
    def prefix(self) -> str:
        if self.kind == "warning":
            return "SLA warning: "
        return f"SLA breach ({self.route}): " if self.route else "SLA breach: "

    @property
    def sentence(self) -> str:
        what = self.clock.replace("_", " ")
        due = self.deadline.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        if self.kind == "warning":
            return f"The {what} is due by {due}."
        level = f" (level {(self.level or 0) + 1}, {self.route})" if self.route else ""
        return f"The {what} was due by {due} and is overdue{level}."


def subject(record: MentionRecord, notice: SlaNotice | None = None) -> str:
    """SNS subjects: printable ASCII on one line, under 100 characters (SNS refuses others)."""
    prefix = notice.prefix if notice is not None else ""
    text = (
        f"{prefix}[{record.priority.value.upper()}] {record.brand}: "
        f"{where(record)} from {who(record)}"
    )
    return " ".join(_UNPRINTABLE.sub(" ", text).split())[:SUBJECT_LIMIT]


def fit(text: str, max_bytes: int) -> str:
    """``text`` in at most ``max_bytes`` UTF-8 bytes: cut on a character boundary and ended
    with an ellipsis when it is longer."""
    data = text.encode()
    if len(data) <= max_bytes:
        return text
    room = max(0, max_bytes - len(ELLIPSIS.encode()))
    return data[:room].decode(errors="ignore").rstrip() + ELLIPSIS


def render(
    record: MentionRecord, notice: SlaNotice | None = None, *, quote_bytes: int | None = None
) -> str:
    """The full message. ``quote_bytes`` caps the quoted mention text (UTF-8 bytes)."""
    mention, triage = record.mention, record.triage
    lines = [subject(record, notice)]
    if notice is not None:
        lines.append(notice.sentence)
        who = f"assigned to {record.assignee}" if record.assignee else "unassigned"
        lines.append(f"Case {record.id}: {record.status.value}, {who}.")
    text = mention.text.strip() or NO_TEXT
    if quote_bytes is not None:
        text = fit(text, quote_bytes)
    lines += ["", f'"{text}"', ""]
    lines.append("Why: " + ("; ".join(triage.reasons) or f"priority {triage.priority.value}"))
    intents = ", ".join(i.value for i in triage.intents) or "none"
    lines.append(
        f"Sentiment: {triage.sentiment.value} ({triage.sentiment_score:+.2f}); "
        f"complaint: {'yes' if triage.complaint else 'no'} (p={triage.complaint_probability:.2f}); "
        f"intents: {intents}"
    )
    if not triage.lang_supported:
        lines.append(f"Language: {triage.lang} (not scored by the model)")
    if mention.url:
        lines.append(f"Link: {mention.url}")
    lines.append(f"Mention: {record.id} at {mention.created_at.isoformat()}")
    return "\n".join(lines)


def render_sms(record: MentionRecord) -> str:
    """One SMS: priority, brand, who, as much of the text as fits, and the first reasons."""
    triage = record.triage
    head = f"{record.priority.value.upper()} {record.brand} {who(record)}: "
    why = "; ".join(triage.reasons[:2])
    text = record.mention.text.strip()
    body = f'{head}"{text}"'
    if len(body) + len(why) + 1 > SMS_LIMIT:
        room = SMS_LIMIT - len(head) - len(why) - 5
        body = f'{head}"{text[: max(room, 10)]}..."'
    return f"{body} {why}"[:SMS_LIMIT]
