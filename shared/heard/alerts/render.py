"""What an alert says: a subject line, a full message (email, chat) and one SMS line.

Every rendering fits its channel: the subject is one printable ASCII line under 100
characters, the SMS line 160 characters, and the full message cuts only the quoted text (with
an ellipsis) to the bytes its channel can carry, never the reasons, the link or the mention id.
"""

from __future__ import annotations

import re

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


def subject(record: MentionRecord, escalation: bool = False) -> str:
    """SNS subjects: printable ASCII on one line, under 100 characters (SNS refuses others)."""
    prefix = "SLA breach: " if escalation else ""
    text = (
        f"{prefix}[{record.triage.priority.value.upper()}] {record.brand}: "
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
    record: MentionRecord, escalation: bool = False, *, quote_bytes: int | None = None
) -> str:
    """The full message. ``quote_bytes`` caps the quoted mention text (UTF-8 bytes)."""
    mention, triage = record.mention, record.triage
    lines = [subject(record, escalation)]
    if escalation:
        lines.append("Still new and unacknowledged past its SLA.")
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
    head = f"{triage.priority.value.upper()} {record.brand} {who(record)}: "
    why = "; ".join(triage.reasons[:2])
    text = record.mention.text.strip()
    body = f'{head}"{text}"'
    if len(body) + len(why) + 1 > SMS_LIMIT:
        room = SMS_LIMIT - len(head) - len(why) - 5
        body = f'{head}"{text[: max(room, 10)]}..."'
    return f"{body} {why}"[:SMS_LIMIT]
