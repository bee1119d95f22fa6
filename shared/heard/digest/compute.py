"""A brand's digest for one period: pure figures over what the store reads.

``compute`` takes the period, the store (``DigestReader``), the spikes (``SpikesReader``) and
the brand, and returns a ``Digest``. It reads:

- the cases created in the period and in the period before it (``created_between``: the
  ``Feed`` index's projected summaries, no item read), for the volumes, the sentiment mix, the
  complaints and intents, and the first-response and SLA figures, which are
  ``heard.api.stats.compute`` over the same summaries (the figures ``GET /stats`` gives for
  that window);
- the brand's open cases now (``open_cases``: ``ByBrandStatus``, no item read), for the open
  and overdue counts; overdue as the inbox's ``overdue=true`` says: an open case on which the
  escalation run has recorded a breach (``<clock>:level0``) of a clock still running;
- the full records of the period's cases (``records_of``: BatchGetItem), for what the
  summaries do not hold: authors, their reach and the texts people praise with. At most
  ``MAX_RECORDS`` are read, highest priority first (reach raises priority, so the most-reached
  authors come first); ``records_read`` says how many, and the authors and praise are over
  those.

Definitions: volume is cases (conversations) created in the period, a follow-up message joins
its case and is not counted again; an author's ``mentions`` are the messages of their cases
created in the period (the first and its follow-ups). Praise is a case with the ``praise``
intent, or positive and not a complaint. Shares are of the period's cases, rounded to 0.1%;
deltas are current minus previous (points for shares).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from heard.api import stats
from heard.config import Brand, SlaPolicy
from heard.digest.periods import Period
from heard.models import CaseSummary, Intent, MentionRecord, Platform, Sentiment, Status
from heard.spikes.detector import Alert as SpikeAlert
from heard.store.mentions import BREACHES

MAX_RECORDS = 2000
TOP = 5
QUOTES = 3
QUOTE_CHARS = 140


class DigestReader(Protocol):
    def created_between(
        self, start: datetime, end: datetime, *, brand: str | None = None
    ) -> Iterable[CaseSummary]: ...

    def open_cases(self, brand: str) -> Iterable[CaseSummary]: ...

    def records_of(self, keys: list[str]) -> list[MentionRecord]: ...


class SpikesReader(Protocol):
    """The spikes and crises raised for a brand in ``[start, end)``."""

    def crises_between(
        self, brand: str, start: datetime, end: datetime
    ) -> Sequence[SpikeAlert]: ...


class NoSpikes:
    """Until spikes are stored (the signals table), a digest reports none."""

    def crises_between(self, brand: str, start: datetime, end: datetime) -> Sequence[SpikeAlert]:
        return []


class DigestModel(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)


class Change(DigestModel):
    current: int
    previous: int

    @property
    def delta(self) -> int:
        return self.current - self.previous

    @property
    def percent(self) -> float | None:
        """The change in percent of the previous count; None when there was nothing before."""
        return round(100 * self.delta / self.previous, 1) if self.previous else None


class SentimentMix(DigestModel):
    sentiment: Sentiment
    count: Change
    share: float  # percent of the period's cases
    previous_share: float

    @property
    def delta_points(self) -> float:
        return round(self.share - self.previous_share, 1)


class Count(DigestModel):
    name: str
    count: int


class Quote(DigestModel):
    id: str
    platform: Platform
    author: str
    followers: int
    text: str  # cut to QUOTE_CHARS, one line; written by strangers: escape it when rendering
    url: str | None = None


class Praise(DigestModel):
    count: int
    quotes: list[Quote]
    terms: list[Count]  # the words most praise mentions use, each counted once a mention


class AuthorReach(DigestModel):
    author: str
    platform: Platform
    followers: int
    mentions: int


class OpenCases(DigestModel):
    open: int
    overdue: int
    by_status: dict[str, int]
    overdue_by_priority: dict[str, int]


class SlaLine(DigestModel):
    """First-response and resolution SLA attainment of one priority (or all: ``overall``)."""

    priority: str
    first_response: stats.Attainment
    resolution: stats.Attainment


class Digest(DigestModel):
    brand: str
    period: Period
    previous: Period
    generated_at: datetime
    volume: Change
    sentiment: list[SentimentMix]
    complaints: Change
    top_complaint_intents: list[Count]
    top_intents: list[Count]
    praise: Praise
    top_authors: list[AuthorReach]
    cases: OpenCases
    first_response: stats.Durations
    previous_first_response: stats.Durations
    sla: list[SlaLine]  # priorities with a case under a target, then "overall"
    spikes: list[SpikeAlert]
    records_read: int


def _share(count: int, total: int) -> float:
    return round(100 * count / total, 1) if total else 0.0


def _top(counter: Counter[str], n: int = TOP) -> list[Count]:
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    return [Count(name=name, count=count) for name, count in ranked[:n] if count > 0]


def overdue(case: CaseSummary) -> bool:
    """The inbox's ``overdue``: an open case with a recorded breach of a clock still running."""
    first, resolution = BREACHES
    return case.status.open and (
        (first in case.sla_events and case.first_response_at is None)
        or resolution in case.sla_events
    )


def is_praise(case: CaseSummary) -> bool:
    return Intent.PRAISE in case.intents or (
        case.sentiment is Sentiment.POSITIVE and not case.complaint
    )


# Words that say nothing about what is praised.
_STOPWORDS = frozenset(
    {
        "a",
        "about",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "done",
        "for",
        "from",
        "get",
        "got",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "i'm",
        "im",
        "if",
        "in",
        "into",
        "is",
        "it",
        "it's",
        "its",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "our",
        "out",
        "over",
        "own",
        "really",
        "same",
        "she",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "too",
        "up",
        "us",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "thanks",
        "thank",
        "today",
        "still",
        "ever",
        "one",
        "every",
    }
)
_APOSTROPHE = "\u2019"  # a typographic apostrophe, read as '
_WORD = re.compile(rf"[^\W\d_][\w'{_APOSTROPHE}-]*[^\W_]|[^\W\d_]", re.UNICODE)


def _terms(text: str, ignore: frozenset[str]) -> set[str]:
    text = re.sub(r"https?://\S+|[@#]\w+", " ", text)
    words = {w.casefold().replace(_APOSTROPHE, "'") for w in _WORD.findall(text)}
    return {w for w in words if len(w) >= 3 and w not in _STOPWORDS and w not in ignore}


def _brand_words(brand: Brand) -> frozenset[str]:
    words: set[str] = {brand.name.casefold()}
    for term in [
        *brand.keywords,
        *brand.hashtags,
        *(h for hs in brand.handles.values() for h in hs),
    ]:
        words.update(w.casefold() for w in _WORD.findall(term))
    return frozenset(words)


def one_line(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` on one line, cut at a word to ``limit`` characters with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def _author(record: MentionRecord) -> str:
    author = record.mention.author
    if author.handle:
        if record.mention.platform is Platform.GENERIC or "@" in author.handle:
            return author.handle
        return f"@{author.handle}"
    return author.name or author.id or "someone"


def _sla_lines(figures: stats.CaseStats) -> list[SlaLine]:
    lines = []
    total_first: Counter[str] = Counter()
    total_resolution: Counter[str] = Counter()
    for priority, sla in reversed(figures.sla.items()):  # critical first
        first, resolution = sla.first_response, sla.resolution
        if (
            first.met
            + first.missed
            + first.open
            + resolution.met
            + resolution.missed
            + resolution.open
        ) == 0:
            continue
        lines.append(SlaLine(priority=priority, first_response=first, resolution=resolution))
        total_first.update(first.model_dump())
        total_resolution.update(resolution.model_dump())
    lines.append(
        SlaLine(
            priority="overall",
            first_response=stats.Attainment(**total_first),
            resolution=stats.Attainment(**total_resolution),
        )
    )
    return lines


def compute(
    reader: DigestReader,
    brand: Brand,
    period: Period,
    *,
    now: datetime,
    spikes: SpikesReader | None = None,
    max_records: int = MAX_RECORDS,
) -> Digest:
    """The digest of ``brand`` for ``period``, its cases' clocks as they stand at ``now``."""
    previous = period.previous()
    current = list(reader.created_between(period.start, period.end, brand=brand.name))
    before = list(reader.created_between(previous.start, previous.end, brand=brand.name))

    def policy_for(_: str) -> SlaPolicy:
        return brand.sla

    figures = stats.compute(
        current, policy_for, start=period.start, end=period.end, now=now, brand=brand.name
    )
    earlier = stats.compute(
        before, policy_for, start=previous.start, end=previous.end, now=now, brand=brand.name
    )
    sentiment = [
        SentimentMix(
            sentiment=s,
            count=Change(
                current=figures.by_sentiment.get(s.value, 0),
                previous=earlier.by_sentiment.get(s.value, 0),
            ),
            share=_share(figures.by_sentiment.get(s.value, 0), figures.cases),
            previous_share=_share(earlier.by_sentiment.get(s.value, 0), earlier.cases),
        )
        for s in (Sentiment.POSITIVE, Sentiment.NEUTRAL, Sentiment.NEGATIVE)
    ]
    complaint_intents: Counter[str] = Counter()
    for case in current:
        if case.complaint:
            complaint_intents.update(i.value for i in case.intents if i is not Intent.PRAISE)

    open_now = list(reader.open_cases(brand.name))
    late = [case for case in open_now if overdue(case)]
    by_status = Counter(case.status.value for case in open_now)

    praise_cases = {case.id for case in current if is_praise(case)}
    wanted = sorted(
        current,
        key=lambda c: (-c.priority.rank, c.id not in praise_cases, c.created_at, c.id),
    )[:max_records]
    records = reader.records_of([case.id for case in wanted])
    ignore = _brand_words(brand)
    authors: dict[tuple[Platform, str], AuthorReach] = {}
    quotes: list[tuple[tuple[int, int, datetime], Quote]] = []
    terms: Counter[str] = Counter()
    for record in records:
        who = _author(record)
        key = (record.mention.platform, who.casefold())
        seen = authors.get(key)
        authors[key] = AuthorReach(
            author=seen.author if seen else who,
            platform=record.mention.platform,
            followers=max(seen.followers if seen else 0, record.mention.author.followers),
            mentions=(seen.mentions if seen else 0) + 1 + len(record.message_keys),
        )
        if record.id in praise_cases and record.mention.text.strip():
            terms.update(_terms(record.mention.text, ignore))
            quote = Quote(
                id=record.id,
                platform=record.mention.platform,
                author=who,
                followers=record.mention.author.followers,
                text=one_line(record.mention.text),
                url=record.mention.url,
            )
            rank = (-record.mention.author.followers, -record.mention.engagement)
            quotes.append(((*rank, record.mention.created_at), quote))
    top_authors = sorted(
        authors.values(), key=lambda a: (-a.followers, -a.mentions, a.author.casefold())
    )
    return Digest(
        brand=brand.name,
        period=period,
        previous=previous,
        generated_at=now,
        volume=Change(current=figures.cases, previous=earlier.cases),
        sentiment=sentiment,
        complaints=Change(current=figures.complaints, previous=earlier.complaints),
        top_complaint_intents=_top(complaint_intents),
        top_intents=_top(Counter(figures.by_intent)),
        praise=Praise(
            count=len(praise_cases),
            quotes=[q for _, q in sorted(quotes, key=lambda item: item[0])[:QUOTES]],
            terms=[t for t in _top(terms) if t.count >= 2],
        ),
        top_authors=top_authors[:TOP],
        cases=OpenCases(
            open=len(open_now),
            overdue=len(late),
            by_status={s.value: by_status[s.value] for s in Status if s.open},
            overdue_by_priority=dict(sorted(Counter(c.priority.value for c in late).items())),
        ),
        first_response=figures.first_response,
        previous_first_response=earlier.first_response,
        sla=_sla_lines(figures),
        spikes=list((spikes or NoSpikes()).crises_between(brand.name, period.start, period.end)),
        records_read=len(records),
    )
