"""A brand's crisis: opened by a spike, kept open while the series stays up, ended once it has
been back near its usual level for an hour. Pure: the record and its lifecycle, no AWS.

One crisis at a time per brand (``crisis#<brand>/current`` in the signals table). The spike
check opens it (one alert), updates it on every later bucket (more alerts of the same spike
only extend it), and ends it after ``END_CALM_BUCKETS`` calm buckets in a row (one "crisis
over" message). Each of those two messages is a ``notice`` on the record, written in the same
conditional write as the change that makes it due, then sent, then cleared: a run that dies in
between leaves it for the next run to send (after ``NOTICE_RETRY_AFTER``), and two
overlapping runs cannot both make it (only one of their writes succeeds).

The alert path asks ``open_crisis(store, brand)`` (or ``store.current(brand)``) whether a
crisis is open; an individual alert it folds into the crisis thread is counted on the record
with ``store.collapse(brand, crisis_id, mention_key)``, which the end message reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

# Calm buckets in a row (an hour) that end a crisis: no alert of either detector, mentions
# over the last 30 minutes under END_RATIO times the usual for that time (or under the
# minimum volume), and the negative share within END_SHARE_RISE of its usual.
END_CALM_BUCKETS = 12
END_RATIO = 1.5
END_SHARE_RISE = 0.15
# Below this many mentions in 30 minutes a window is calm whatever its ratio (6 buckets at the
# detector's minimum volume of 5 a bucket).
END_MIN_WINDOW = 30
# A notice (opened or ended) still unsent this long after it was due is sent by the next run:
# longer than a run may last (the function's timeout), shorter than the schedule's period.
NOTICE_RETRY_AFTER = timedelta(minutes=3)

Notice = Literal["opened", "ended"]


@dataclass
class Crisis:
    """A crisis record. ``report`` holds the facts of the opening alert (``CrisisReport``'s
    dict), so a notice re-sent by a later run says exactly what the first attempt said."""

    id: str
    brand: str
    opened_at: datetime  # the end of the bucket that raised it
    first_bucket: datetime
    last_bucket: datetime  # the last bucket folded into it
    last_alert_bucket: datetime
    kinds: list[str] = field(default_factory=list)  # "volume", "negative_share"
    status: Literal["open", "ended"] = "open"
    ended_at: datetime | None = None
    calm_buckets: int = 0
    mentions: int = 0  # since the first bucket, all mentions of the brand
    negative: int = 0
    peak: int = 0  # the busiest bucket's mentions
    peak_bucket: datetime | None = None
    report: dict[str, Any] = field(default_factory=dict)
    notice: Notice | None = None
    notice_since: datetime | None = None
    # Written by the alert path, never by the spike check: individual alerts collapsed into
    # the crisis thread.
    collapsed: int = 0
    version: int = 0

    @property
    def open(self) -> bool:
        return self.status == "open"

    @property
    def duration(self) -> timedelta:
        return (self.ended_at or self.last_bucket) - self.opened_at

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.isoformat() if isinstance(value, datetime) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Crisis:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name in (
            "opened_at",
            "first_bucket",
            "last_bucket",
            "last_alert_bucket",
            "ended_at",
            "peak_bucket",
            "notice_since",
        ):
            if isinstance(values.get(name), str):
                values[name] = datetime.fromisoformat(values[name])
        values["kinds"] = list(values.get("kinds") or [])
        values["report"] = dict(values.get("report") or {})
        for name in ("calm_buckets", "mentions", "negative", "peak", "collapsed", "version"):
            values[name] = int(values.get(name) or 0)
        return cls(**values)


class CrisisReader(Protocol):
    def current(self, brand: str) -> Crisis | None: ...


def open_crisis(store: CrisisReader, brand: str) -> Crisis | None:
    """The brand's open crisis, if one is open: what the alert path asks before alerting."""
    crisis = store.current(brand)
    return crisis if crisis is not None and crisis.open else None


def is_calm(
    *,
    alerted: bool,
    window: int,
    usual: float,
    share: float | None,
    usual_share: float | None,
) -> bool:
    """Whether a bucket counts towards the end of a crisis: no alert, and the last 30
    minutes back near their usual volume and negative share."""
    if alerted:
        return False
    if window >= END_MIN_WINDOW and window > END_RATIO * usual:
        return False
    return not (
        window >= END_MIN_WINDOW
        and share is not None
        and share > (usual_share or 0.0) + END_SHARE_RISE
    )
