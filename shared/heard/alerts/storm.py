"""Storm control: what keeps an alert channel worth reading when everyone is talking at once.

``StormControl.collapses`` comes first, once per notice: while a crisis is open for the
brand, a mention alert below critical is counted on the crisis (its end message carries the
count) and sent nowhere. Then ``StormControl.admit`` decides, for the notice and each channel
it is routed to, one of:

- ``send``: it goes out now.
- ``quiet``: the channel is in its quiet hours and the notice is below critical: it is held
  for the summary sent when the quiet hours end.
- ``capped``: the channel has sent its ``max_per_hour`` this clock hour: it is held for the
  summary sent when the hour closes.

Critical notices always go out (they still take a place under the cap, so the hour's count
is honest), and so do summaries and crisis messages themselves: storm control never holds
the message that explains what it held. Nothing held is dropped: every held notice is a line
in its window's summary, and ``summaries(now)`` hands each closed window out once (a claim),
however many schedulers overlap.

State lives behind ``StormState`` (DynamoDB in AWS: ``DynamoStormState``; in memory in
tests), crises behind ``CrisisLookup``; the channel's rules arrive as ``ChannelRules``, so this
module knows nothing of a channel's wire format.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from heard.alerts.notice import Notice
from heard.models import Priority

# How long held lines and counters outlive their window (then DynamoDB's TTL removes them).
KEEP_FOR = timedelta(days=2)
# Lines a summary quotes; the rest are counted.
SUMMARY_LINES = 10
# Kinds that are never held: they are what storm control itself sends, the crisis itself, or
# a digest (a summary of its own, at the time the brand chose).
NEVER_HELD = frozenset(
    {"summary", "crisis", "crisis_update", "crisis_end", "operational", "digest"}
)


class Decision(StrEnum):
    SEND = "send"
    QUIET = "quiet"
    CAPPED = "capped"


@dataclass(frozen=True)
class ChannelRules:
    """What storm control needs to know of one channel of one brand.

    ``quiet_spell(now)`` answers the start and end of the quiet hours ``now`` is in, or None
    when it is not in quiet hours (the channel's own time zone is the caller's business)."""

    brand: str
    channel: str
    max_per_hour: int | None = None
    quiet_spell: Callable[[datetime], tuple[datetime, datetime] | None] = lambda _now: None


@dataclass(frozen=True)
class Held:
    """One line of a summary: enough to say what was held without the mention itself."""

    id: str
    priority: Priority
    kind: str
    headline: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "priority": self.priority.value,
            "kind": self.kind,
            "headline": self.headline,
            "at": self.at.astimezone(UTC).isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Held:
        return cls(
            id=str(data["id"]),
            priority=Priority(data["priority"]),
            kind=str(data["kind"]),
            headline=str(data["headline"]),
            at=datetime.fromisoformat(str(data["at"])),
        )


@dataclass(frozen=True)
class Window:
    """Where held notices gather: one channel's quiet spell or one clock hour over its cap."""

    brand: str
    channel: str
    reason: Decision  # QUIET or CAPPED
    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        return f"{self.reason.value}#{self.start.astimezone(UTC).strftime('%Y-%m-%dT%H:%MZ')}"


@dataclass
class Summary:
    """What a closed window says: how many were held, by priority, and the first of them."""

    window: Window
    held: list[Held] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.held)

    def by_priority(self) -> dict[Priority, int]:
        counts = Counter(h.priority for h in self.held)
        return {p: counts[p] for p in sorted(counts, key=lambda p: -p.rank)}

    def title(self) -> str:
        w = self.window
        span = f"{_hhmm(w.start)}-{_hhmm(w.end)} UTC"
        why = "during quiet hours" if w.reason is Decision.QUIET else "over the hourly cap"
        noun = "alert" if self.count == 1 else "alerts"
        return f"{w.brand}: {self.count} {noun} held {why} on {w.channel}, {span}"

    def lines(self) -> list[str]:
        mix = ", ".join(f"{n} {p.value}" for p, n in self.by_priority().items())
        out = [f"{self.count} held ({mix}). Each one is in the inbox."]
        out += [f"- [{h.priority.value}] {h.headline}" for h in self._ordered()[:SUMMARY_LINES]]
        if self.count > SUMMARY_LINES:
            out.append(f"… and {self.count - SUMMARY_LINES} more")
        return out

    def text(self) -> str:
        return "\n".join([self.title(), "", *self.lines()])

    def notice(self) -> Notice:
        """The summary as a notice for its one channel (kind ``summary``: never held)."""
        w = self.window
        top = max((h.priority for h in self.held), key=lambda p: p.rank, default=Priority.LOW)
        lines = self.lines()
        return Notice(
            id=f"summary:{w.brand}:{w.channel}:{w.key}",
            kind="summary",
            brand=w.brand,
            priority=top,
            title=self.title(),
            headline=lines[0],
            facts=tuple((h.priority.value, h.headline) for h in self._ordered()[:SUMMARY_LINES]),
            reasons=tuple(lines[1 + min(self.count, SUMMARY_LINES) :]),
        )

    def _ordered(self) -> list[Held]:
        return sorted(self.held, key=lambda h: (-h.priority.rank, h.at))


def _hhmm(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M")


def hour_window(now: datetime) -> tuple[datetime, datetime]:
    start = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return start, start + timedelta(hours=1)


class StormState(Protocol):
    """Counters and held lines (``DynamoStormState``; in memory for tests)."""

    def take_slot(self, brand: str, channel: str, hour: datetime, cap: int) -> bool:
        """Count one send in ``hour`` if fewer than ``cap`` went out; False when full."""
        ...

    def count_send(self, brand: str, channel: str, hour: datetime) -> None:
        """Count a send that goes out whatever the cap (critical)."""
        ...

    def hold(self, window: Window, held: Held) -> None:
        """Keep ``held`` in ``window`` (idempotent per ``held.id``) and note the window due
        at its end."""
        ...

    def due(self, now: datetime) -> list[Window]:
        """Windows that ended at or before ``now`` and were not summarised yet."""
        ...

    def claim(self, window: Window) -> list[Held] | None:
        """Take ``window`` for summarising: its held lines, or None when another run took it."""
        ...


class CrisisLookup(Protocol):
    def open_crisis(self, brand: str) -> str | None:
        """The id of the brand's open crisis, if one is open."""
        ...

    def collapse(self, brand: str, crisis_id: str, notice_id: str) -> bool:
        """Count one alert into the open crisis; False when it is no longer open."""
        ...


class NoCrises:
    """For a deployment (or a test) without crisis detection."""

    def open_crisis(self, brand: str) -> str | None:
        return None

    def collapse(self, brand: str, crisis_id: str, notice_id: str) -> bool:
        return False


class StormControl:
    def __init__(self, state: StormState, crises: CrisisLookup | None = None):
        self.state = state
        self.crises = crises or NoCrises()

    def collapses(self, brand: str, held: Held) -> bool:
        """While a crisis is open for ``brand``, a mention alert below critical is counted on
        it and sent nowhere: True when ``held`` was collapsed so."""
        if held.kind != "mention" or held.priority is Priority.CRITICAL:
            return False
        crisis = self.crises.open_crisis(brand)
        return crisis is not None and self.crises.collapse(brand, crisis, held.id)

    def admit(self, rules: ChannelRules, held: Held, now: datetime) -> Decision:
        """Decide what happens to one notice on one channel, and record it."""
        if held.kind in NEVER_HELD:
            return Decision.SEND
        critical = held.priority is Priority.CRITICAL
        hour, hour_end = hour_window(now)
        if critical:
            self.state.count_send(rules.brand, rules.channel, hour)
            return Decision.SEND
        spell = rules.quiet_spell(now)
        if spell is not None:
            start, end = spell
            self.state.hold(Window(rules.brand, rules.channel, Decision.QUIET, start, end), held)
            return Decision.QUIET
        if rules.max_per_hour is None:
            return Decision.SEND
        if self.state.take_slot(rules.brand, rules.channel, hour, rules.max_per_hour):
            return Decision.SEND
        self.state.hold(Window(rules.brand, rules.channel, Decision.CAPPED, hour, hour_end), held)
        return Decision.CAPPED

    def summaries(self, now: datetime) -> list[Summary]:
        """Each window that has closed, with what it held, handed out once."""
        out = []
        for window in self.state.due(now):
            held = self.state.claim(window)
            if held:
                out.append(Summary(window, sorted(held, key=lambda h: h.at)))
        return out


class InMemoryStormState:
    """``StormState`` in a dict: for the domain's tests and the benchmark."""

    def __init__(self) -> None:
        self.sent: Counter[tuple[str, str, datetime]] = Counter()
        self.windows: dict[tuple[str, str, str], tuple[Window, dict[str, Held]]] = {}
        self.claimed: set[tuple[str, str, str]] = set()

    def take_slot(self, brand: str, channel: str, hour: datetime, cap: int) -> bool:
        if self.sent[(brand, channel, hour)] >= cap:
            return False
        self.sent[(brand, channel, hour)] += 1
        return True

    def count_send(self, brand: str, channel: str, hour: datetime) -> None:
        self.sent[(brand, channel, hour)] += 1

    def hold(self, window: Window, held: Held) -> None:
        key = (window.brand, window.channel, window.key)
        if key in self.claimed:
            # Summarised already (a notice that raced the window's close): it goes in a late
            # window of its own, due at once, so it is still summarised, never dropped.
            window = Window(window.brand, window.channel, window.reason, window.end, window.end)
            key = (window.brand, window.channel, window.key)
        existing = self.windows.setdefault(key, (window, {}))
        existing[1].setdefault(held.id, held)

    def due(self, now: datetime) -> list[Window]:
        return sorted(
            (w for key, (w, _) in self.windows.items() if key not in self.claimed and w.end <= now),
            key=lambda w: w.end,
        )

    def claim(self, window: Window) -> list[Held] | None:
        key = (window.brand, window.channel, window.key)
        if key in self.claimed or key not in self.windows:
            return None
        self.claimed.add(key)
        return list(self.windows[key][1].values())


def quiet_spell(
    start: time, end: time, zone: ZoneInfo, now: datetime
) -> tuple[datetime, datetime] | None:
    """The quiet hours ``start``-``end`` (local wall-clock times in ``zone``; an end at or
    before the start runs over midnight) that ``now`` is in, as UTC instants, or None.

    Wall-clock, so the spell follows daylight saving: 22:00-07:00 in London is 22:00-07:00
    in summer and in winter, and the night the clocks change is an hour shorter or longer."""
    local = now.astimezone(zone)
    overnight = end <= start
    for back in (1, 0):
        day = local.date() - timedelta(days=back)
        begins = datetime.combine(day, start, zone)
        ends = datetime.combine(day + timedelta(days=1) if overnight else day, end, zone)
        if begins <= now < ends:
            return begins.astimezone(UTC), ends.astimezone(UTC)
    return None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ttl(moment: datetime) -> int:
    return int((moment + KEEP_FOR).timestamp())


DUE_PK = "storm#due"


class DynamoStormState:
    """``StormState`` in a DynamoDB table keyed by ``pk``/``sk`` with a TTL (``expires_at``).

    - ``storm#<brand>#<channel>`` / ``sent#<hour>``: the sends of a clock hour (``sent``),
      taken with a conditional ADD, so concurrent senders never pass the cap together;
    - ``storm#<brand>#<channel>#<window>`` / ``held#<id>``: one held line;
    - ``storm#due`` / ``<end>#<brand>#<channel>#<window>``: a window with held lines, due at
      its end; ``claimed`` once a run took it for its summary (kept until the TTL, so a line
      that races the close goes to a late window instead of reviving this one).

    A hold writes its line before it touches the window's marker: a summary that races it
    either sees the line or the marker refuses it and the line goes to a late window too. A
    line is summarised twice at worst, never lost.
    """

    def __init__(self, table: Any):
        self._table = table

    def take_slot(self, brand: str, channel: str, hour: datetime, cap: int) -> bool:
        if cap <= 0:
            return False
        try:
            self._table.update_item(
                Key={"pk": f"storm#{brand}#{channel}", "sk": f"sent#{_iso(hour)}"},
                UpdateExpression="ADD sent :one SET expires_at = :ttl",
                ConditionExpression="attribute_not_exists(sent) OR sent < :cap",
                ExpressionAttributeValues={":one": 1, ":cap": cap, ":ttl": _ttl(hour)},
            )
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def count_send(self, brand: str, channel: str, hour: datetime) -> None:
        self._table.update_item(
            Key={"pk": f"storm#{brand}#{channel}", "sk": f"sent#{_iso(hour)}"},
            UpdateExpression="ADD sent :one SET expires_at = :ttl",
            ExpressionAttributeValues={":one": 1, ":ttl": _ttl(hour)},
        )

    @staticmethod
    def _window_pk(window: Window) -> str:
        return f"storm#{window.brand}#{window.channel}#{window.key}"

    @staticmethod
    def _due_sk(window: Window) -> str:
        return f"{_iso(window.end)}#{window.brand}#{window.channel}#{window.key}"

    def hold(self, window: Window, held: Held) -> None:
        self._put_line(window, held)
        if self._mark_due(window):
            return
        late = Window(window.brand, window.channel, window.reason, window.end, window.end)
        self._put_line(late, held)
        self._mark_due(late)

    def _put_line(self, window: Window, held: Held) -> None:
        self._table.put_item(
            Item={
                "pk": self._window_pk(window),
                "sk": f"held#{held.id}",
                "line": held.to_dict(),
                "expires_at": _ttl(window.end),
            }
        )

    def _mark_due(self, window: Window) -> bool:
        try:
            self._table.update_item(
                Key={"pk": DUE_PK, "sk": self._due_sk(window)},
                UpdateExpression=(
                    "SET brand = :b, channel = :c, reason = :r, window_start = :s, "
                    "window_end = :e, expires_at = :ttl"
                ),
                ConditionExpression="attribute_not_exists(claimed)",
                ExpressionAttributeValues={
                    ":b": window.brand,
                    ":c": window.channel,
                    ":r": window.reason.value,
                    ":s": _iso(window.start),
                    ":e": _iso(window.end),
                    ":ttl": _ttl(window.end),
                },
            )
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def due(self, now: datetime) -> list[Window]:
        windows: list[Window] = []
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND sk <= :now",
            "FilterExpression": "attribute_not_exists(claimed)",
            "ExpressionAttributeValues": {":pk": DUE_PK, ":now": _iso(now) + "#\uffff"},
        }
        while True:
            page = self._table.query(**kwargs)
            for item in page.get("Items", []):
                windows.append(
                    Window(
                        brand=str(item["brand"]),
                        channel=str(item["channel"]),
                        reason=Decision(str(item["reason"])),
                        start=datetime.fromisoformat(str(item["window_start"])),
                        end=datetime.fromisoformat(str(item["window_end"])),
                    )
                )
            if "LastEvaluatedKey" not in page:
                return windows
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def claim(self, window: Window) -> list[Held] | None:
        try:
            self._table.update_item(
                Key={"pk": DUE_PK, "sk": self._due_sk(window)},
                UpdateExpression="SET claimed = :now",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(claimed)",
                ExpressionAttributeValues={":now": _iso(datetime.now(UTC))},
            )
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            return None
        lines: list[Held] = []
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": self._window_pk(window)},
        }
        while True:
            page = self._table.query(**kwargs)
            lines += [Held.from_dict(item["line"]) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return lines
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
