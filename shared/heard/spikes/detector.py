"""Streaming spike detectors over 5-minute mention counts.

Two detectors, each a JSON-able state and a ``step`` that folds in one bucket and returns the
alert that bucket raises, if any. A step sees only the buckets before it and its own: the
alert for a bucket never depends on later buckets.

Volume (``VolumeState``, ``step``). Mention counts are far burstier than Poisson (retweet
cascades, time of day, weekends, news), so everything is on the log scale (``log1p``) and
robust:

- the expected value is a seasonal profile plus a level. The profile is the median of the
  same time of day (and its neighbouring buckets) over the previous days, blended with the
  same time of week once a week of history exists; the level is an EWMA of how far today
  runs above or below the profile;
- the residuals (observed minus expected, in log) are standardised bucket by bucket by a
  Poisson-lognormal spread: the noise beyond Poisson that the last day's residuals show (a
  MAD, with a floor) and the Poisson noise of the bucket's own expected count, so a quiet
  night is not scored as tightly as a busy afternoon;
- the standardised residuals of the last 3 and the last 6 buckets are each reduced to a
  statistic that one bucket cannot carry (the smallest of three: all three up; over six, the
  mean of the clipped residuals without the largest), so that a sustained rise is caught
  within 30 minutes while a single-bucket blip or a short cascade is not, and scored against
  the median and MAD of the same statistic over the last day;
- a rise too slow or too small for the windows (a ramp, a doubling in noisy traffic) is
  caught by a one-sided CUSUM of the standardised residuals, each clipped (a blip adds
  little), which must build up within 30 minutes (a day that runs busier than the profile
  does not count) and be backed by the six-bucket window's score and ratio;
- a bucket enters the baseline winsorised (its residual clipped to a few spreads), so a spike
  neither inflates the profile of the days after nor the spread;
- every alert also needs the level it fired on to be new: the same statistic read on the
  counts (log1p) clearly above the second highest of its daily highs over the last two weeks.
  Real series have bursts that come back (a bot, a daily show); the first two are news, the
  third of the fortnight is not. On the labelled Twitter volume series of the public NAB
  corpus this cut the false alarms from about four a week to under one, and kept the
  labelled incidents, which stand above their series' recent levels;
- a rise that lasts (an hour and a half at x2 or more) alerts even when it is not new;
- one bucket far above the expected count and new by the same test (a post that took off
  within five minutes) is an alert on its own, where the windows need three;
- an empty bucket where several mentions were expected (and the empty ones after it) is an
  outage of collection: absent, so the baseline does not sink and traffic coming back raises
  nothing;
- an alert also needs a minimum volume and a minimum ratio over the expected count, comes
  only after a warm-up (two days: the daily profile alone until a week has been seen), and is
  followed by a cooldown that lasts while the rise lasts and ends after an hour back to
  normal: one spike, one alert (a new spike at least twice as large still alerts during it).

Negative share (``NegativeShareState``, ``step_negative_share``): the share of negative
mentions over the last 30 minutes against a slow, winsorised baseline share, scored as an
overdispersed binomial, with a minimum volume and a minimum rise. The share is the mean of the
buckets' shares without the two highest: one angry post retweeted for a quarter of an hour
lifts two or three buckets, and is the volume detector's to judge (or the single mention's
alert), while customers who turn angry lift them all. In the benchmark's streams
(``bench/spikes.py``), this is what finds the angry incidents that stay below the fortnight's
busiest hours, which the volume detector leaves to its lasting-rise test.

Buckets are numbered from their start time: a bucket 5 minutes after the previous one is
the next; a longer gap leaves the buckets between absent (not zero). Naive datetimes are
taken as UTC.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

BUCKET_SECONDS = 300
DAY = 24 * 60 * 60 // BUCKET_SECONDS  # buckets in a day (288)
WEEK = 7 * DAY  # buckets in a week (2016)

# --- volume: the baseline -------------------------------------------------------------------
# Previous days whose same time of day makes the daily profile (a median, so a weekend or a
# bad day among them does not move it).
SEASON_DAYS = 7
# Buckets either side of the same time of day also sampled: smooths a noisy profile.
NEIGHBOURS = 1
# Days of history at a time of day before the profile is used (before that: the level alone).
MIN_PROFILE_DAYS = 1
# Weight of the same time of week in the profile, by how many past weeks are available.
WEEKLY_WEIGHT = {1: 0.35, 2: 0.5}
# Weeks of history kept for the time-of-week profile.
SEASON_WEEKS = 2
# Half-life (buckets) of the level: how fast the baseline follows today running above or
# below the profile (2 hours: slower than a 30-minute incident, faster than a weekend).
LEVEL_HALF_LIFE = 24
# A bucket's residual enters the baseline clipped to this many spreads (winsorised).
CLIP_SPREADS = 2.5

# --- volume: the spread ---------------------------------------------------------------------
# Recent (clipped) residuals whose median and MAD scale the score: one day.
SPREAD_BUCKETS = DAY
# The median and MAD are recomputed every this many buckets (an hour): they move slowly.
SPREAD_REFRESH_BUCKETS = 12
# Fewest residuals before the MAD is trusted (else the floor alone).
MIN_SPREAD_BUCKETS = 24
# Floor of the noise beyond Poisson, log scale (about 10%): a series that has been very regular
# must still move well over 10% to score. A bucket's spread is the root of this noise squared
# (estimated from the MAD of the last day's residuals less their median Poisson variance) plus
# the Poisson variance of its own expected count: a quiet hour of the night is noisier than the
# busy afternoon, and is scored so.
SPREAD_FLOOR = 0.10
# Floor of the spread of a window's rise over standardised residuals (in standard deviations
# of one bucket, divided by the root of the window's length).
Z_SPREAD_FLOOR = 0.5
# MAD to standard deviation, for normal data.
MAD_TO_SIGMA = 1.4826

# --- volume: the decision -------------------------------------------------------------------
# Windows (buckets) whose rise is scored; for each: the score and the ratio over the expected
# count (exp of the rise) that an alert needs, and which residual of the window is its rise
# (0: the smallest). Three buckets all up catch a short burst at its third bucket; six buckets
# (a trimmed mean, below) catch a doubling within 30 minutes; a single-bucket blip, or a
# cascade that decays within 15 minutes, lifts neither. Tuned on bench/spikes.py --sizes wide.
WINDOWS = (3, 6)
THRESHOLD = {3: 4.0, 6: 3.25}
MIN_RATIO = {3: 3.0, 6: 1.6}
RANK = {3: 0, 6: 2}
# The ratio is read on the RANK order statistic of the window (four of six up at x1.6); the
# score of a window in TRIM on a trimmed mean instead: of the standardised residuals, each
# counted at most Z_CLIP, without the TRIM[window] largest. Over six buckets the mean of a
# noisy doubling stands out where an order statistic does not (a step of x2.4 in traffic whose
# buckets swing by 40% is a rise of under 2.5 spreads a bucket), and the largest bucket left
# out and the clip keep one blip or a cascade from lifting it.
TRIM = {6: 1}
Z_CLIP = 2.5
# Fewest mentions per bucket (mean over the window) for an alert: below it a doubling is noise
# to the people who would be paged.
MIN_VOLUME = 5.0
# Buckets observed before any alert: two days, so the profile has seen each time of day.
WARMUP_BUCKETS = 2 * DAY
# After an alert, none for this many buckets (3 hours) ...
COOLDOWN_BUCKETS = 36
# ... and while the score stays above this, the cooldown lasts at least this many buckets
# more: a step that lasts all afternoon raises one alert.
RESET_SCORE = 2.5
RESET_BUCKETS = 12
# ... but once every window has scored under CALM_SCORE for CALM_BUCKETS in a row (an hour back
# to normal), the cooldown is over: a new spike two hours after a short one is a new alert.
CALM_SCORE = 1.0
CALM_BUCKETS = 12
# During a cooldown, the three-bucket window alerts anyway on a new, larger spike (a burst
# after a false alarm): a rise at least this many times the rise of the last alert, from a
# bucket before it that was not above that last rise (a ramp that keeps rising is the same
# spike).
ESCALATION = 2.0
# A rise too slow or too small for the windows (a ramp over an hour, a step of x2 in noisy
# traffic) accumulates in a one-sided CUSUM of the standardised residuals: each bucket adds its
# standardised residual, clipped (one blip adds little), less a slack; an alert when the sum
# reaches the threshold and the third smallest of the last six buckets (CUSUM_RANK) is this far
# up. Tuned on bench/spikes.py --sizes wide, seed set 0, with a lower slack and a higher
# threshold than a textbook CUSUM: a ramp's first half hour is a rise of well under one spread
# a bucket.
CUSUM_CLIP = 3.0
CUSUM_SLACK = 0.75
CUSUM_THRESHOLD = 6.0
CUSUM_MIN_RATIO = 1.5
# ... and it must get there within this many buckets (30 minutes): either within them of
# leaving zero, or by the last CUSUM_MAX_RUN buckets alone (the most their clipped, slackened
# residuals add up to, counted back from the latest). A level that creeps up all day (a busier
# day than the profile) is not an incident; but a ramp whose first buckets are lifted by noise
# that set the sum off early is one, and is caught as soon as its last half hour would be.
CUSUM_MAX_RUN = 6
# ... and the six-bucket window's score (calibrated on the last day, so it knows how long the
# noise of this series runs up) must be at least this: CUSUM alone takes noise that persists
# for a while for a rise.
CUSUM_CONFIRM = 2.0
# An empty bucket where at least this many mentions were expected is an outage of collection,
# not of conversation: it is taken as absent, so the baseline does not sink and the return of
# normal traffic raises nothing. The empty buckets that follow one are absent too, however few
# mentions they would have had.
OUTAGE_EXPECTED = 5.0

# --- volume: novelty -----------------------------------------------------------------------
# Real mention series have bursts that come back: a bot posting two hundred times in a quarter
# of an hour every few hours, a daily show, a weekly newsletter. The first is news; the fifth is
# not. On the labelled Twitter volume series of the public NAB corpus the windows and the CUSUM
# alone raise about four false alarms per series per week, while the labelled incidents stand
# above nearly every level their series reached in the days before. So every alert also needs
# the level of what it fired on (the same statistic of the window, read on the counts, log1p,
# rather than on the residuals) clearly above the NOVELTY_RANK-th highest of the daily highs
# of that statistic over the last PEAK_DAYS days (once MIN_PEAK_DAYS days are known): at most
# one day of the last two weeks reached it. The price: a rise that stays below the fortnight's
# busiest hours (a doubling of the night's traffic) waits for the lasting-rise test below (an
# angry one is seen at once by the negative-share detector), and a third incident of the same
# size within two weeks raises nothing.
PEAK_DAYS = 14
NOVELTY_RANK = 2
MIN_PEAK_DAYS = 2
# ... and by at least 10% (log): a bot's bursts vary a little in size.
NOVELTY_MARGIN = math.log(1.1)
# One bucket far above anything of the last two weeks (a post that took off within five minutes)
# is an alert on its own, though the windows need three: its standardised residual at least
# SPIKE_Z, its count at least SPIKE_MIN_COUNT and SPIKE_MIN_RATIO times the expected count, and
# above the single buckets of the last PEAK_DAYS days as the windows are (see NOVELTY_RANK).
SPIKE_Z = 5.0
SPIKE_MIN_COUNT = 10.0
SPIKE_MIN_RATIO = 8.0
# A rise that lasts is an incident even when it is not new (a doubling of the night's traffic
# that stays below the afternoon's): an alert once SUSTAIN_BUCKETS buckets in a row (an hour
# and a half) have all but SUSTAIN_RANK of them at SUSTAIN_RATIO times the expected count or
# more, with the six-bucket window's score at least CUSUM_CONFIRM and the minimum volume. A
# bot's burst is over within half an hour; this costs the labelled real series under a tenth
# of a false alarm a week.
SUSTAIN_BUCKETS = 18
SUSTAIN_RATIO = 2.0
SUSTAIN_RANK = 2
# What the novelty of each alert is read on: the windows (by size), the CUSUM (on the six-bucket
# window's level) and the single bucket.
CUSUM_KEY = "cusum"
SPIKE_KEY = "1"

# --- negative share -------------------------------------------------------------------------
# Buckets whose negative and total counts make the current share (30 minutes).
SHARE_WINDOW = 6
# Half-life (buckets) of the baseline share: a day.
SHARE_HALF_LIFE = DAY
# Fewest mentions in the window for an alert.
SHARE_MIN_VOLUME = 30
# Smallest rise of the share over the baseline (absolute) for an alert.
SHARE_MIN_RISE = 0.15
# The share is read on the buckets of the window with mentions, without the SHARE_TRIM whose
# shares are highest (each weighing alike, whatever its volume), and needs SHARE_MIN_BUCKETS of
# them: a rise in how customers feel lifts every bucket; one post's cascade of retweets, two or
# three. On the benchmark's streams, where a tenth to a third of such cascades are of an angry
# post, the pooled share of the 30 minutes raised 2.29 false alarms per series per week on them
# (seed set 0), against 0.06 now.
SHARE_TRIM = 2
SHARE_MIN_BUCKETS = 4
# Score (overdispersed binomial) for an alert.
SHARE_THRESHOLD = 4.0
# Variance of the share over a binomial's: mentions come in clusters (replies, retweets).
SHARE_OVERDISPERSION = 3.0
# A bucket enters the baseline with its share clipped to the baseline plus this.
SHARE_CLIP_RISE = 0.10
# Mentions seen (in total) before any alert: the baseline must have seen some traffic.
SHARE_WARMUP_MENTIONS = 200
# Baseline share is kept within these bounds (no division by zero, no certainty).
SHARE_BOUNDS = (0.01, 0.99)
# Cooldown after a share alert (buckets) and its extension while the share stays high.
SHARE_COOLDOWN_BUCKETS = 36
SHARE_RESET_SCORE = 2.0
SHARE_RESET_BUCKETS = 12


@dataclass(frozen=True)
class Alert:
    """One spike: the bucket it was raised on, its score, what was seen and what was expected
    (a count per bucket for volume; a share for the negative share)."""

    kind: str  # "volume" or "negative_share"
    bucket_start: datetime
    score: float
    value: float
    expected: float
    window_minutes: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "bucket_start": self.bucket_start.isoformat(),
            "score": self.score,
            "value": self.value,
            "expected": self.expected,
            "window_minutes": self.window_minutes,
        }


def _epoch(bucket_start: datetime) -> float:
    if bucket_start.tzinfo is None:
        bucket_start = bucket_start.replace(tzinfo=UTC)
    return bucket_start.timestamp()


def _advance(last_index: int | None, last_epoch: float | None, epoch: float) -> int:
    """The bucket number of a bucket starting at ``epoch``, after the last one seen."""
    if last_index is None or last_epoch is None:
        return round(epoch / BUCKET_SECONDS)
    if epoch <= last_epoch:
        raise ValueError("buckets must come in increasing time order")
    return last_index + max(1, round((epoch - last_epoch) / BUCKET_SECONDS))


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _alpha(half_life: float) -> float:
    return 1.0 - 0.5 ** (1.0 / half_life)


HISTORY_BUCKETS = SEASON_WEEKS * WEEK + NEIGHBOURS + 1
LEVEL_ALPHA = _alpha(LEVEL_HALF_LIFE)
SHARE_ALPHA = _alpha(SHARE_HALF_LIFE)


@dataclass
class VolumeState:
    """What the volume detector remembers between buckets; ``to_dict`` / ``from_dict`` give a
    JSON-able form. Floats are rounded as they are stored, so the state is compact and a round
    trip through JSON changes no result."""

    last_index: int | None = None
    last_epoch: float | None = None
    # Clean (winsorised) log1p values of the last HISTORY_BUCKETS buckets, the last one being
    # last_index; None for an absent bucket.
    history: list[float | None] = field(default_factory=list)
    # Clipped residuals of the last SPREAD_BUCKETS observed buckets, oldest first, and the
    # Poisson variance (log scale) of each one's expected count.
    residuals: list[float] = field(default_factory=list)
    noise: list[float] = field(default_factory=list)
    # [index, residual, value, z] of the observed buckets among the last SUSTAIN_BUCKETS.
    recent: list[list[float]] = field(default_factory=list)
    level: float = 0.0
    has_profile: bool = False
    observed: int = 0
    quiet_until: int = -1
    # Median and MAD-sigma of the recent residuals per window ("1", "2", ...; None while too
    # few), and the buckets until they are recomputed.
    spreads: dict[str, list[float] | None] = field(default_factory=dict)
    spreads_age: int = 0
    # The one-sided CUSUM of standardised residuals, and for how many buckets it has been > 0.
    cusum: float = 0.0
    cusum_run: int = 0
    # Buckets in a row that every window has scored under CALM_SCORE (during a cooldown).
    calm: int = 0
    # Whether the last bucket was taken as an outage of collection.
    outage: bool = False
    # The rise (log of the ratio over the expected count) of the last alert.
    alerted_rise: float = 0.0
    # Novelty: the highest level each statistic has reached so far on the day of the last
    # bucket (last_index // DAY), and the highest of each of the last PEAK_DAYS days before it.
    today: dict[str, float] = field(default_factory=dict)
    peaks: dict[str, list[float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": 1,
            "last_index": self.last_index,
            "last_epoch": self.last_epoch,
            "history": list(self.history),
            "residuals": list(self.residuals),
            "noise": list(self.noise),
            "recent": [list(r) for r in self.recent],
            "level": self.level,
            "has_profile": self.has_profile,
            "observed": self.observed,
            "quiet_until": self.quiet_until,
            "spreads": {k: None if v is None else list(v) for k, v in self.spreads.items()},
            "spreads_age": self.spreads_age,
            "cusum": self.cusum,
            "cusum_run": self.cusum_run,
            "calm": self.calm,
            "outage": self.outage,
            "alerted_rise": self.alerted_rise,
            "today": dict(self.today),
            "peaks": {k: list(v) for k, v in self.peaks.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VolumeState:
        if data.get("v") != 1:
            raise ValueError(f"unknown volume state version: {data.get('v')!r}")
        return cls(
            last_index=data["last_index"],
            last_epoch=data["last_epoch"],
            history=list(data["history"]),
            residuals=list(data["residuals"]),
            noise=list(data.get("noise", [])),
            recent=[list(r) for r in data["recent"]],
            level=data["level"],
            has_profile=data["has_profile"],
            observed=data["observed"],
            quiet_until=data["quiet_until"],
            spreads={k: None if v is None else list(v) for k, v in data["spreads"].items()},
            spreads_age=data["spreads_age"],
            cusum=data.get("cusum", 0.0),
            cusum_run=data.get("cusum_run", 0),
            calm=data.get("calm", 0),
            outage=data.get("outage", False),
            alerted_rise=data.get("alerted_rise", 0.0),
            today=dict(data.get("today", {})),
            peaks={k: list(v) for k, v in data.get("peaks", {}).items()},
        )

    def _at(self, index: int) -> float | None:
        """The clean log value of bucket ``index`` (before the current one is appended)."""
        if self.last_index is None:
            return None
        back = self.last_index - index
        if back < 0 or back >= len(self.history):
            return None
        return self.history[-1 - back]

    def _profile(self, index: int) -> float | None:
        daily: list[float] = []
        days = 0
        for d in range(1, SEASON_DAYS + 1):
            found = [
                v
                for j in range(-NEIGHBOURS, NEIGHBOURS + 1)
                if (v := self._at(index - d * DAY + j)) is not None
            ]
            days += bool(found)
            daily.extend(found)
        if days < MIN_PROFILE_DAYS:
            return None
        profile = _median(daily)
        weekly: list[float] = []
        weeks = 0
        for w in range(1, SEASON_WEEKS + 1):
            found = [
                v
                for j in range(-NEIGHBOURS, NEIGHBOURS + 1)
                if (v := self._at(index - w * WEEK + j)) is not None
            ]
            weeks += bool(found)
            weekly.extend(found)
        if weeks:
            weight = WEEKLY_WEIGHT[weeks]
            profile = (1 - weight) * profile + weight * _median(weekly)
        return profile


def _rise(residuals: list[float], window: int) -> float:
    """How far a window runs above expectation: its RANK[window]-th smallest residual (the
    smallest of three: all three buckets up; the third smallest of six: four of six up)."""
    return sorted(residuals)[min(RANK.get(window, 0), len(residuals) - 1)]


def _lift(z: list[float], window: int) -> float:
    """What a window's standardised residuals score on: for a window in TRIM, their mean, each
    counted at most Z_CLIP, without the TRIM[window] largest; else as ``_rise``."""
    if window not in TRIM or len(z) <= TRIM[window]:
        return _rise(z, window)
    kept = sorted(z)[: len(z) - TRIM[window]]
    return sum(min(v, Z_CLIP) for v in kept) / len(kept)


def _recent_cusum(recent: list[list[float]], index: int) -> float:
    """The most the last CUSUM_MAX_RUN buckets add to the CUSUM, counted back from the latest:
    the CUSUM as it would stand had it left zero within them."""
    total, best = 0.0, 0.0
    for entry in sorted(recent, key=lambda r: -r[0]):
        if entry[0] <= index - CUSUM_MAX_RUN:
            break
        total += min(max(_z(entry), -CUSUM_CLIP), CUSUM_CLIP) - CUSUM_SLACK
        best = max(best, total)
    return best


def _z(entry: list[float]) -> float:
    """The standardised residual of a recent bucket (``[index, residual, value, z]``)."""
    return entry[3] if len(entry) > 3 else entry[1] / SPREAD_FLOOR


def _escalates(
    state: VolumeState, recent: list[list[float]], index: int, window: int, rise: float
) -> bool:
    """Whether a window's rise during a cooldown is a new, larger spike (see ESCALATION)."""
    before = [r[1] for r in recent if r[0] == index - window]
    return (
        window == min(WINDOWS)
        and rise >= state.alerted_rise + math.log(ESCALATION)
        and all(b < state.alerted_rise for b in before)
    )


def _spread(
    residuals: list[float], window: int, statistic: Callable[[list[float], int], float] = _lift
) -> list[float] | None:
    """Median and MAD-sigma of the rises of ``window`` consecutive recent residuals."""
    if len(residuals) < max(MIN_SPREAD_BUCKETS, window + 1):
        return None
    medians = [
        statistic(residuals[i - window : i], window) for i in range(window, len(residuals) + 1)
    ]
    centre = _median(medians)
    mad = _median([abs(m - centre) for m in medians])
    return [round(centre, 6), round(MAD_TO_SIGMA * mad, 6)]


def _spreads(residuals: list[float], noise: list[float]) -> dict[str, list[float] | None]:
    """The noise of the recent residuals: under "1", their median and the spread (log scale)
    of the noise beyond Poisson; under each window, the median and MAD-sigma of the window's
    rise over the standardised residuals."""
    one = _spread(residuals, 1, _rise)
    if one is None:
        return {str(w): None for w in (1, *WINDOWS)}
    noise = ([0.0] * len(residuals) + noise)[-len(residuals) :]
    centre, sigma = one
    extra = math.sqrt(max(sigma * sigma - _median(noise), SPREAD_FLOOR * SPREAD_FLOOR))
    z = [(r - centre) / math.sqrt(extra * extra + v) for r, v in zip(residuals, noise, strict=True)]
    return {"1": [centre, round(extra, 6)], **{str(w): _spread(z, w) for w in WINDOWS}}


def _level(entries: list[list[float]], window: int) -> float:
    """The level (log1p of the counts) of a window's buckets, read as its score reads their
    residuals: the trimmed mean for a window in TRIM, else the RANK order statistic."""
    values = [math.log1p(r[2]) for r in entries]
    if not values:
        return 0.0
    if window in TRIM and len(values) > TRIM[window]:
        kept = sorted(values)[: len(values) - TRIM[window]]
        return sum(kept) / len(kept)
    return _rise(values, window)


def _roll_day(state: VolumeState, index: int) -> None:
    """Close the day of the last bucket once bucket ``index`` falls on a later one."""
    if state.last_index is not None and index // DAY != state.last_index // DAY:
        for key, value in state.today.items():
            kept = state.peaks.setdefault(key, [])
            kept.append(value)
            del kept[:-PEAK_DAYS]
        state.today = {}


def _novel(state: VolumeState, key: str, level: float) -> bool:
    """Whether ``level`` is NOVELTY_MARGIN above the NOVELTY_RANK-th highest of ``key``'s
    recorded daily highs."""
    past = state.peaks.get(key, [])
    if len(past) < MIN_PEAK_DAYS:
        return True
    return level > sorted(past, reverse=True)[min(NOVELTY_RANK, len(past)) - 1] + NOVELTY_MARGIN


def _record(state: VolumeState, key: str, level: float) -> None:
    state.today[key] = round(max(state.today.get(key, -math.inf), level), 4)


def _volume_alert(
    bucket_start: datetime, score: float, value: float, expected: float, buckets: int
) -> Alert:
    """A volume alert on ``buckets`` buckets (the window, or how long the CUSUM built up)."""
    return Alert(
        kind="volume",
        bucket_start=bucket_start,
        score=round(score, 2),
        value=value,
        expected=round(expected, 2),
        window_minutes=buckets * BUCKET_SECONDS // 60,
    )


def _append_history(state: VolumeState, index: int, clean: float | None) -> None:
    """Bucket ``index`` enters the history (None: absent), after absent ones for any gap."""
    if state.last_index is not None:
        gap = index - state.last_index
        state.history.extend([None] * min(gap - 1, HISTORY_BUCKETS))
    state.history.append(clean)
    del state.history[:-HISTORY_BUCKETS]


def step(state: VolumeState, bucket_start: datetime, value: float) -> Alert | None:
    """Fold one bucket's mention count into ``state`` (in place); the alert it raises, if any.

    Raises ValueError for a bucket not after the last one, or a negative or non-finite count.
    """
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"a bucket's count must be a finite number >= 0, not {value!r}")
    epoch = _epoch(bucket_start)
    index = _advance(state.last_index, state.last_epoch, epoch)
    observed = math.log1p(value)
    _roll_day(state, index)

    profile = state._profile(index)
    if profile is not None and not state.has_profile:
        state.has_profile = True
        state.level = 0.0
    if profile is None:
        # No time of day seen yet: the level is a plain EWMA of the log count.
        if state.observed == 0:
            state.level = observed
        profile = 0.0
    expected = profile + state.level
    residual = observed - expected
    expected_count = max(math.expm1(expected), 0.0)
    # Poisson variance of log1p(count) around log1p(expected): a quiet hour is noisier.
    poisson_var = expected_count / (expected_count + 1.0) ** 2

    state.outage = (
        value == 0 and state.has_profile and (expected_count >= OUTAGE_EXPECTED or state.outage)
    )
    if state.outage:
        _append_history(state, index, None)
        state.last_index, state.last_epoch = index, epoch
        return None

    if state.spreads_age <= 0 or len(state.spreads) != len(WINDOWS) + 1:
        state.spreads = _spreads(state.residuals, state.noise)
        state.spreads_age = SPREAD_REFRESH_BUCKETS
    state.spreads_age -= 1
    one = state.spreads["1"]
    centre1, extra = one if one else (0.0, SPREAD_FLOOR)
    sigma1 = math.sqrt(extra * extra + poisson_var)
    z = (residual - centre1) / sigma1

    recent = [r for r in state.recent if r[0] > index - max(*WINDOWS, SUSTAIN_BUCKETS)]
    recent.append([index, round(residual, 6), value, round(z, 4)])

    alert: Alert | None = None
    best = -math.inf
    scores: dict[int, float] = {}
    alert_rise = 0.0
    for window in WINDOWS:
        spread = state.spreads[str(window)]
        inside = [r for r in recent if r[0] > index - window]
        if spread is None or 2 * len(inside) < window:
            continue
        centre, sigma = spread
        sigma = max(sigma, Z_SPREAD_FLOOR / math.sqrt(window))
        # An order statistic, not the mean: a blip or a cascade inside the window moves it little.
        rise = _rise([r[1] for r in inside], window)
        mean_value = sum(r[2] for r in inside) / len(inside)
        score = (_lift([_z(r) for r in inside], window) - centre) / sigma
        scores[window] = score
        best = max(best, score)
        if (
            score >= THRESHOLD[window]
            and rise >= math.log(MIN_RATIO[window])
            and mean_value >= MIN_VOLUME
            and state.observed >= WARMUP_BUCKETS
            and state.has_profile
            and (index >= state.quiet_until or _escalates(state, recent, index, window, rise))
            and (alert is None or score > alert.score)
            and _novel(state, str(window), _level(inside, window))
        ):
            alert_rise = rise
            alert = _volume_alert(bucket_start, score, value, expected_count, window)

    cusum = max(0.0, state.cusum + min(max(z, -CUSUM_CLIP), CUSUM_CLIP) - CUSUM_SLACK)
    run = state.cusum_run + 1 if cusum > 0 else 0
    last6 = [r for r in recent if r[0] > index - 6]
    cusum_rise = _rise([r[1] for r in last6], 6)
    if (
        alert is None
        and cusum >= CUSUM_THRESHOLD
        and (run <= CUSUM_MAX_RUN or _recent_cusum(recent, index) >= CUSUM_THRESHOLD)
        and scores.get(6, -math.inf) >= CUSUM_CONFIRM
        and len(last6) >= 4
        and cusum_rise >= math.log(CUSUM_MIN_RATIO)
        and sum(r[2] for r in last6) / len(last6) >= MIN_VOLUME
        and state.observed >= WARMUP_BUCKETS
        and state.has_profile
        and index >= state.quiet_until
        and _novel(state, CUSUM_KEY, _level(last6, 6))
    ):
        alert = _volume_alert(bucket_start, cusum, value, expected_count, min(run, SPREAD_BUCKETS))
        alert_rise = cusum_rise

    if (
        alert is None
        and z >= SPIKE_Z
        and value >= SPIKE_MIN_COUNT
        and value >= SPIKE_MIN_RATIO * expected_count
        and state.observed >= WARMUP_BUCKETS
        and state.has_profile
        and index >= state.quiet_until
        and _novel(state, SPIKE_KEY, observed)
    ):
        alert = _volume_alert(bucket_start, z, value, expected_count, 1)
        alert_rise = residual
    lasting = sorted(r[1] for r in recent if r[0] > index - SUSTAIN_BUCKETS)
    if (
        alert is None
        and len(lasting) == SUSTAIN_BUCKETS
        and lasting[SUSTAIN_RANK] >= math.log(SUSTAIN_RATIO)
        and scores.get(6, -math.inf) >= CUSUM_CONFIRM
        and sum(r[2] for r in last6) / len(last6) >= MIN_VOLUME
        and state.observed >= WARMUP_BUCKETS
        and state.has_profile
        and index >= state.quiet_until
    ):
        alert = _volume_alert(bucket_start, scores[6], value, expected_count, SUSTAIN_BUCKETS)
        alert_rise = lasting[SUSTAIN_RANK]
    for window in WINDOWS:
        _record(state, str(window), _level([r for r in recent if r[0] > index - window], window))
    _record(state, CUSUM_KEY, _level(last6, 6))
    _record(state, SPIKE_KEY, observed)

    state.calm = state.calm + 1 if best < CALM_SCORE else 0
    if alert is not None:
        state.quiet_until = index + COOLDOWN_BUCKETS
        state.calm = 0
        state.alerted_rise = round(alert_rise, 6)
    elif index < state.quiet_until and best >= RESET_SCORE:
        state.quiet_until = max(state.quiet_until, index + RESET_BUCKETS)
    elif index < state.quiet_until and state.calm >= CALM_BUCKETS:
        state.quiet_until = index + 1
    if index < state.quiet_until:
        cusum, run = 0.0, 0
    state.cusum, state.cusum_run = round(cusum, 4), run

    # The bucket enters the baseline winsorised.
    clipped = min(max(residual, -CLIP_SPREADS * sigma1), CLIP_SPREADS * sigma1)
    _append_history(state, index, round(expected + clipped, 4))
    state.residuals.append(round(clipped, 4))
    del state.residuals[:-SPREAD_BUCKETS]
    state.noise.append(round(poisson_var, 5))
    del state.noise[:-SPREAD_BUCKETS]
    state.recent = recent
    state.level = round(state.level + LEVEL_ALPHA * clipped, 6)
    state.observed += 1
    state.last_index, state.last_epoch = index, epoch
    return alert


@dataclass
class NegativeShareState:
    """What the negative-share detector remembers between buckets (JSON-able via to_dict)."""

    last_index: int | None = None
    last_epoch: float | None = None
    negative_base: float = 0.0  # EWMA of (winsorised) negative mentions per bucket
    total_base: float = 0.0  # EWMA of all mentions per bucket
    mentions: float = 0.0  # mentions seen in all
    # [index, negative, total] of the observed buckets among the last SHARE_WINDOW.
    recent: list[list[float]] = field(default_factory=list)
    quiet_until: int = -1

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": 1,
            "last_index": self.last_index,
            "last_epoch": self.last_epoch,
            "negative_base": round(self.negative_base, 9),
            "total_base": round(self.total_base, 9),
            "mentions": self.mentions,
            "recent": [[int(i), n, t] for i, n, t in self.recent],
            "quiet_until": self.quiet_until,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NegativeShareState:
        if data.get("v") != 1:
            raise ValueError(f"unknown negative share state version: {data.get('v')!r}")
        return cls(
            last_index=data["last_index"],
            last_epoch=data["last_epoch"],
            negative_base=data["negative_base"],
            total_base=data["total_base"],
            mentions=data["mentions"],
            recent=[list(r) for r in data["recent"]],
            quiet_until=data["quiet_until"],
        )

    def baseline(self) -> float | None:
        if self.total_base <= 0:
            return None
        low, high = SHARE_BOUNDS
        return min(max(self.negative_base / self.total_base, low), high)


def step_negative_share(
    state: NegativeShareState, bucket_start: datetime, negative: float, total: float
) -> Alert | None:
    """Fold one bucket's negative and total mention counts into ``state`` (in place); the
    negative-share alert it raises, if any."""
    if not (math.isfinite(negative) and math.isfinite(total)) or not 0 <= negative <= total:
        raise ValueError(f"need 0 <= negative <= total, not {negative!r} of {total!r}")
    epoch = _epoch(bucket_start)
    index = _advance(state.last_index, state.last_epoch, epoch)
    recent = [r for r in state.recent if r[0] > index - SHARE_WINDOW]
    recent.append([index, negative, total])
    base = state.baseline()

    alert: Alert | None = None
    mentions = sum(r[2] for r in recent)
    score = -math.inf
    if base is not None and mentions > 0:
        share = sum(r[1] for r in recent) / mentions
        each = sorted((r[1] / r[2], r[2]) for r in recent if r[2] > 0)
        kept = each[: len(each) - SHARE_TRIM] if len(each) >= SHARE_MIN_BUCKETS else []
        trimmed = -math.inf
        if kept:
            trimmed = sum(s for s, _ in kept) / len(kept)
            var = sum(base * (1 - base) * SHARE_OVERDISPERSION / n for _, n in kept)
            score = (trimmed - base) / (math.sqrt(var) / len(kept))
        if (
            score >= SHARE_THRESHOLD
            and trimmed - base >= SHARE_MIN_RISE
            and mentions >= SHARE_MIN_VOLUME
            and state.mentions >= SHARE_WARMUP_MENTIONS
            and index >= state.quiet_until
        ):
            alert = Alert(
                kind="negative_share",
                bucket_start=bucket_start,
                score=round(score, 2),
                value=round(share, 4),
                expected=round(base, 4),
                window_minutes=SHARE_WINDOW * BUCKET_SECONDS // 60,
            )
    if alert is not None:
        state.quiet_until = index + SHARE_COOLDOWN_BUCKETS
    elif index < state.quiet_until and score >= SHARE_RESET_SCORE:
        state.quiet_until = max(state.quiet_until, index + SHARE_RESET_BUCKETS)

    # The bucket enters the baseline with its share clipped (an angry hour does not become
    # the new normal at once).
    clean = negative if base is None else min(negative, total * min(1.0, base + SHARE_CLIP_RISE))
    if state.total_base <= 0 and base is None:
        state.negative_base, state.total_base = clean, total
    else:
        state.negative_base += SHARE_ALPHA * (clean - state.negative_base)
        state.total_base += SHARE_ALPHA * (total - state.total_base)
    state.mentions += total
    state.recent = recent
    state.last_index, state.last_epoch = index, epoch
    return alert
