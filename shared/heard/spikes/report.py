"""What a crisis alert and its end message say.

``CrisisReport`` and ``CrisisEnd`` hold the facts, channel-neutral (``to_dict`` / ``from_dict``
keep them on the crisis record); ``subject()``, ``text()`` and ``sms()`` render them for SNS
(an email subject, the full message for email and chat, one SMS). A chat renderer (Slack
blocks, a Teams card) takes the same facts.

``top_terms`` is the simple part of "what are people saying": the words and two-word phrases
found in most of the window's mention texts, without stopwords and without the brand's own
names, handles, hashtags and keywords (which every mention has).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from heard.alerts.notice import Notice
from heard.alerts.render import SMS_LIMIT, SUBJECT_LIMIT, fit, where, who
from heard.config import Brand
from heard.models import MentionRecord, Priority

_UNPRINTABLE = re.compile(r"[^\x20-\x7e]+")
_TOKEN = re.compile(r"[#@]?[a-z0-9][a-z0-9'\u2019_-]*")
_URL = re.compile(r"https?://\S+")
SAMPLE_TEXT_BYTES = 280
TOP_TERMS = 6

_STOPWORDS = """a about after again all also am an and any are aren't as at be because been before
    being but by can can't could did didn't do does doesn't doing don't for from get got
    had has hasn't have haven't having he her here hers him his how i i'm i've if in into is
    isn't it it's its just me more most my no nor not now of on once only or other our ours
    own same she should so some still such than that that's the their them then there
    these they this those through to too under until us very was wasn't we we're were what
    when where which while who why will with won't would you you're your yours yet via amp rt
    im dont cant wont ive its"""
STOPWORDS = frozenset(_STOPWORDS.split())


def _clean(text: str) -> str:
    return " ".join(_UNPRINTABLE.sub(" ", text).split())


def own_terms(brand: Brand) -> set[str]:
    """The brand's own words (name, handles, hashtags, keywords), as tokens to leave out."""
    words: set[str] = set()
    phrases = [brand.name, *brand.keywords, *brand.hashtags]
    for handles in brand.handles.values():
        phrases += handles
    for phrase in phrases:
        for token in _TOKEN.findall(phrase.lower()):
            bare = token.lstrip("#@")
            words |= {bare, f"#{bare}", f"@{bare}"}
    return words


def top_terms(texts: Iterable[str], exclude: set[str], n: int = TOP_TERMS) -> list[list[Any]]:
    """``[[term, mentions], ...]``: the words and two-word phrases in the most texts (each text
    counts once per term), most first; a word is left out when a phrase holding it is in
    almost as many texts."""
    words: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    for text in texts:
        tokens = [
            t.replace("\u2019", "'").strip("'_-")
            for t in _TOKEN.findall(_URL.sub(" ", text.lower()))
        ]
        kept = [
            t
            if t
            and t not in STOPWORDS
            and t not in exclude
            and not t.startswith("@")
            and len(t.lstrip("#")) > 1
            else None
            for t in tokens
        ]
        words.update({t for t in kept if t})
        # Phrases of two words next to each other in the text.
        pairs.update({f"{a} {b}" for a, b in itertools.pairwise(kept) if a and b and a != b})
    ranked = [(term, count) for term, count in pairs.items() if count >= 2]
    ranked += [(term, count) for term, count in words.items() if count >= 2]
    ranked.sort(key=lambda tc: (-tc[1], -tc[0].count(" "), tc[0]))
    chosen: list[list[Any]] = []
    for term, count in ranked:
        if " " not in term and any(
            term in c[0].split() and c[1] >= 0.8 * count for c in chosen if " " in c[0]
        ):
            continue
        if " " in term and any(
            c[0] in term.split() and count < 0.8 * c[1] for c in chosen if " " not in c[0]
        ):
            continue
        chosen.append([term, count])
        if len(chosen) == n:
            break
    return chosen


@dataclass(frozen=True)
class Sample:
    """One of the most-reached mentions of the window."""

    key: str
    who: str
    where: str
    text: str
    followers: int = 0
    url: str | None = None

    @classmethod
    def of(cls, record: MentionRecord) -> Sample:
        return cls(
            key=record.id,
            who=who(record),
            where=where(record),
            text=fit(" ".join(record.mention.text.split()), SAMPLE_TEXT_BYTES),
            followers=record.mention.author.followers,
            url=record.mention.url,
        )


def most_reached(records: Iterable[MentionRecord], n: int = 3) -> list[Sample]:
    """The ``n`` mentions of the most-followed authors (engagement breaks ties)."""
    ordered = sorted(
        records,
        key=lambda r: (-r.mention.author.followers, -r.mention.engagement, r.id),
    )
    return [Sample.of(r) for r in ordered[:n]]


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{share:.0%}"


def _times(now: float, usual: float) -> str:
    return f"{now / usual:.1f}x" if usual >= 1 else "far above"


def _when(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _hours(duration: timedelta) -> str:
    minutes = max(0, int(duration.total_seconds() // 60))
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


@dataclass(frozen=True)
class CrisisReport:
    """The facts of a crisis alert: now against the usual for this time, what is said, who."""

    crisis_id: str
    brand: str
    at: datetime  # the end of the bucket that raised it
    window_minutes: int
    mentions: int  # in the window
    usual_mentions: float  # the usual for this window at this time of day
    negative_share: float | None = None
    usual_negative_share: float | None = None
    triggers: list[dict[str, Any]] = field(default_factory=list)  # the detectors' alerts
    top_terms: list[list[Any]] = field(default_factory=list)  # [[term, mentions], ...]
    top_intents: list[list[Any]] = field(default_factory=list)  # [[intent, mentions], ...]
    samples: list[Sample] = field(default_factory=list)
    sampled: int = 0  # mention texts the terms and samples were taken from

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrisisReport:
        values = dict(data)
        values["at"] = datetime.fromisoformat(values["at"])
        values["samples"] = [Sample(**s) for s in values.get("samples") or []]
        return cls(**values)

    @property
    def what(self) -> str:
        kinds = {t.get("kind") for t in self.triggers}
        if kinds == {"negative_share"}:
            return "negative spike"
        if kinds == {"volume"}:
            return "mention spike"
        return "mention and negative spike"

    def subject(self) -> str:
        text = (
            f"CRISIS [CRITICAL] {self.brand}: {self.what}, {self.mentions} mentions in "
            f"{self.window_minutes} min (usually {self.usual_mentions:.0f})"
        )
        return _clean(text)[:SUBJECT_LIMIT]

    def text(self) -> str:
        lines = [
            self.subject(),
            f"Possible crisis for {self.brand}, raised at {_when(self.at)}.",
            "",
            f"Mentions, last {self.window_minutes} min: {self.mentions} "
            f"(usually {self.usual_mentions:.0f} at this time; "
            f"{_times(self.mentions, self.usual_mentions)})",
            f"Negative share: {_pct(self.negative_share)} "
            f"(usually {_pct(self.usual_negative_share)})",
        ]
        for trigger in self.triggers:
            if trigger.get("kind") == "volume":
                lines.append(
                    f"Volume detector: {trigger['value']:.0f} a bucket against "
                    f"{trigger['expected']:.1f} expected (score {trigger['score']})"
                )
            else:
                lines.append(
                    f"Negative-share detector: {trigger['value']:.0%} against "
                    f"{trigger['expected']:.0%} (score {trigger['score']})"
                )
        if self.top_terms:
            terms = ", ".join(f'"{t}" ({c})' for t, c in self.top_terms)
            lines.append(f"Top terms: {terms}")
        if self.top_intents:
            lines.append("Top intents: " + ", ".join(f"{i} ({c})" for i, c in self.top_intents))
        if self.samples:
            lines += ["", "Most-reached mentions:"]
            for sample in self.samples:
                lines.append(f'- {sample.who} on {sample.where}: "{sample.text}"')
                lines.append(f"  {sample.url or sample.key}")
        if self.sampled:
            lines.append(f"(terms and samples from {self.sampled} mentions of the window)")
        lines += [
            "",
            f"Crisis {self.crisis_id}: its end is announced once mentions have been back near "
            "their usual level for an hour.",
        ]
        return "\n".join(lines)

    def notice(self) -> Notice:
        """The crisis alert for the chat and HTTPS channels (kind ``crisis``, critical): the
        figures as facts, the most-reached mentions as reasons to look."""
        facts = [
            (
                f"Mentions, {self.window_minutes} min",
                f"{self.mentions} (usually {self.usual_mentions:.0f}; "
                f"{_times(self.mentions, self.usual_mentions)})",
            ),
            (
                "Negative share",
                f"{_pct(self.negative_share)} (usually {_pct(self.usual_negative_share)})",
            ),
        ]
        if self.top_terms:
            facts.append(("Top terms", ", ".join(f"{t} ({c})" for t, c in self.top_terms)))
        if self.top_intents:
            facts.append(("Top intents", ", ".join(f"{i} ({c})" for i, c in self.top_intents)))
        samples = tuple(
            f'{sample.who} on {sample.where}: "{sample.text}" {sample.url or sample.key}'
            for sample in self.samples
        )
        return Notice(
            id=f"crisis:{self.crisis_id}:opened",
            kind="crisis",
            brand=self.brand,
            priority=Priority.CRITICAL,
            title=self.subject(),
            headline=f"Possible crisis for {self.brand}, raised at {_when(self.at)}.",
            facts=tuple(facts),
            reasons=samples,
            thread=f"crisis:{self.crisis_id}",
            starts_thread=True,
        )

    def sms(self) -> str:
        terms = ", ".join(str(t) for t, _ in self.top_terms[:3])
        text = (
            f"CRISIS {self.brand}: {self.mentions} mentions in {self.window_minutes} min "
            f"(usually {self.usual_mentions:.0f}), negative {_pct(self.negative_share)} "
            f"(usually {_pct(self.usual_negative_share)})"
        )
        if terms:
            text += f". Terms: {terms}"
        return _clean(text)[:SMS_LIMIT]


@dataclass(frozen=True)
class CrisisEnd:
    """The facts of a crisis-over message."""

    crisis_id: str
    brand: str
    opened_at: datetime
    ended_at: datetime
    mentions: int
    negative: int
    peak: int
    collapsed: int = 0

    @property
    def duration(self) -> timedelta:
        return self.ended_at - self.opened_at

    def subject(self) -> str:
        text = f"Crisis over [CRITICAL] {self.brand}: back to usual after {_hours(self.duration)}"
        return _clean(text)[:SUBJECT_LIMIT]

    def notice(self) -> Notice:
        """The crisis-over message for the chat and HTTPS channels."""
        share = self.negative / self.mentions if self.mentions else None
        return Notice(
            id=f"crisis:{self.crisis_id}:ended",
            kind="crisis",
            brand=self.brand,
            priority=Priority.CRITICAL,
            title=self.subject(),
            headline=(
                f"The crisis raised at {_when(self.opened_at)} is over: back near the usual "
                "level for an hour."
            ),
            facts=(
                ("Duration", f"{_hours(self.duration)} (to {_when(self.ended_at)})"),
                ("Mentions", f"{self.mentions}, {self.negative} negative ({_pct(share)})"),
                ("Busiest 5 minutes", str(self.peak)),
                ("Alerts collapsed into it", str(self.collapsed)),
            ),
            thread=f"crisis:{self.crisis_id}",
        )

    def text(self) -> str:
        share = self.negative / self.mentions if self.mentions else None
        lines = [
            self.subject(),
            f"The crisis for {self.brand} raised at {_when(self.opened_at)} is over: mentions "
            f"and their negative share have been near their usual level for an hour.",
            "",
            f"Duration: {_hours(self.duration)} (to {_when(self.ended_at)})",
            f"Mentions during it: {self.mentions}, {self.negative} negative ({_pct(share)}); "
            f"busiest 5 minutes: {self.peak}",
            f"Individual alerts collapsed into it: {self.collapsed}",
            f"Crisis {self.crisis_id}.",
        ]
        return "\n".join(lines)

    def sms(self) -> str:
        text = (
            f"Crisis over {self.brand}: back to usual after {_hours(self.duration)}; "
            f"{self.mentions} mentions, {self.negative} negative"
        )
        return _clean(text)[:SMS_LIMIT]
