"""What an alert says: a subject line, a full message (email, chat) and one SMS line.

Every rendering fits its channel: the subject is one printable ASCII line under 100
characters, the SMS line 160 characters, and the full message cuts only the quoted text (with
an ellipsis) to the bytes its channel can carry, never the reasons, the link or the mention id.
"""

from __future__ import annotations

import re
import unicodedata
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
# Typographic punctuation people paste, as its ASCII (and GSM-7) equivalent.
_PUNCTUATION = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)


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


def ascii_line(text: str) -> str:
    """One line of printable ASCII: accents folded (é -> e), the rest dropped or spaced."""
    folded = unicodedata.normalize("NFKD", text.translate(_PUNCTUATION))
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(_UNPRINTABLE.sub(" ", folded).split())


def subject(
    record: MentionRecord, notice: SlaNotice | None = None, *, first_words: bool = True
) -> str:
    """SNS subjects: printable ASCII on one line, under 100 characters (SNS refuses others).
    Triage-able from an inbox list: priority, brand, platform, author and reach, then the first
    words of the mention as far as they fit."""
    prefix = notice.prefix if notice is not None else ""
    head = ascii_line(
        f"{prefix}[{record.priority.value.upper()}] {record.brand}: "
        f"{where(record)} from {who(record)}"
    )[:SUBJECT_LIMIT]
    words = ascii_line(record.mention.text) if first_words else ""
    room = SUBJECT_LIMIT - len(head) - 4  # ': "' and '"'
    if not words or room < 12:
        return head
    if len(words) > room:
        words = words[: room - 3].rsplit(" ", 1)[0].rstrip(" ,.;:") + "..."
    return f'{head}: "{words}"'


def fit(text: str, max_bytes: int) -> str:
    """``text`` in at most ``max_bytes`` UTF-8 bytes: cut on a character boundary and ended
    with an ellipsis when it is longer."""
    data = text.encode()
    if len(data) <= max_bytes:
        return text
    room = max(0, max_bytes - len(ELLIPSIS.encode()))
    return data[:room].decode(errors="ignore").rstrip() + ELLIPSIS


def render(
    record: MentionRecord,
    notice: SlaNotice | None = None,
    *,
    quote_bytes: int | None = None,
    case_url: str | None = None,
    deadline: datetime | None = None,
) -> str:
    """The full message (email): the mention, its author and reach, the triage and its
    reasons, the SLA deadline and the link to the case. ``quote_bytes`` caps the quoted
    mention text (UTF-8 bytes)."""
    mention, triage = record.mention, record.triage
    lines = [subject(record, notice, first_words=False)]
    if notice is not None:
        lines.append(notice.sentence)
        who = f"assigned to {record.assignee}" if record.assignee else "unassigned"
        lines.append(f"Case {record.id}: {record.status.value}, {who}.")
    elif deadline is not None:
        due = deadline.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        lines.append(f"First response due by {due}.")
    if case_url:
        lines.append(f"Open the case: {case_url}")
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


# GSM 03.38: the basic character set (one septet each) and the extension table (an escape
# and a septet: two each). An SMS of only these is 160 of them; one character outside makes
# the whole message UCS-2, 70 characters.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

_URL = re.compile(
    r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)\S+"  # scheme:// or www.
    r"|\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|co|uk|de|fr|info|biz|me|ly|gl|app|dev|xyz)"
    r"(?:/\S*)?\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Seven or more digits, with the separators people write phone numbers with.
_PHONE = re.compile(r"(?<!\w)\+?(?:\d[\s().-]{0,2}){6,}\d(?!\w)")


def gsm7_length(text: str) -> int:
    """Septets ``text`` takes in a GSM-7 SMS (extension characters count 2)."""
    return sum(2 if c in GSM7_EXTENSION else 1 for c in text)


def to_gsm7(text: str) -> str:
    """``text`` in GSM-7 only: typographic punctuation as ASCII, accents the basic set lacks
    folded (ô -> o), line breaks as spaces, anything else (emoji, other scripts) dropped."""
    out: list[str] = []
    for char in text.translate(_PUNCTUATION):
        if char in ("\n", "\r", "\t", "\f"):
            out.append(" ")
        elif char in GSM7_BASIC or char in GSM7_EXTENSION:
            out.append(char)
        else:
            folded = "".join(
                c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
            )
            out.extend(c for c in folded if c in GSM7_BASIC)
    return " ".join("".join(out).split())


def without_contacts(text: str) -> str:
    """``text`` with email addresses, links and phone numbers taken out (an SMS must not
    carry a customer's contact details, nor a link anyone put in a mention)."""
    text = _EMAIL.sub("[email]", text)
    text = _URL.sub("[link]", text)
    return _PHONE.sub("[phone]", text)


def fit_gsm7(text: str, septets: int) -> str:
    if gsm7_length(text) <= septets:
        return text
    out, used = [], 0
    for char in text:
        used += gsm7_length(char)
        if used > septets - 3:
            break
        out.append(char)
    return "".join(out).rstrip() + "..."


def render_sms(record: MentionRecord, notice: SlaNotice | None = None) -> str:
    """One SMS of at most 160 GSM-7 characters: priority, brand, who, as much of the text as
    fits, and the first reasons; no email address, phone number or link from the mention."""
    triage = record.triage
    prefix = "SLA " + notice.kind.upper() + " " if notice is not None else ""
    head = to_gsm7(
        without_contacts(f"{prefix}{record.priority.value.upper()} {record.brand} {who(record)}")
    )
    why = to_gsm7(without_contacts("; ".join(triage.reasons[:2])))
    text = to_gsm7(without_contacts(record.mention.text.strip()))
    head = fit_gsm7(head, SMS_LIMIT // 2)
    why = fit_gsm7(why, SMS_LIMIT - gsm7_length(head) - 16) if why else ""
    room = SMS_LIMIT - gsm7_length(head) - gsm7_length(why) - 5  # ': "', '"' and a space
    if not text or room < 8:
        return fit_gsm7(f"{head} {why}".strip(), SMS_LIMIT)
    return fit_gsm7(f'{head}: "{fit_gsm7(text, room)}" {why}'.rstrip(), SMS_LIMIT)
