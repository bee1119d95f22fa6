"""How well the spike detector finds incidents, and how often it cries wolf, on synthetic
mention streams; beside a naive z-score over the trailing 24 hours.

Each stream is WEEKS weeks of 5-minute counts, generated from a seed (the same figures every
run):

- a volume from about 5 to about 500 mentions per bucket, a time-of-day curve (peak to trough
  3 to 6 times), quieter weekends, a level that drifts from day to day;
- heavy-tailed noise: a lognormal multiplicative factor that persists for a few buckets
  (AR(1) in log), then negative binomial counts;
- bursts that are not incidents: single-bucket blips of 2-4x (a few a day) and retweet
  cascades that peak at 2.5-4x and are gone within 15 minutes (about one a day);
- labelled incidents, one shape per scenario: a step (x2-x5 for 2-6 hours), a ramp (rising
  over 30-90 minutes to x3-x6, then holding for 1-3 hours), a short burst (x5-x20 for 15-30
  minutes); the "quiet" scenario has none and only measures false alarms.

An incident is found when an alert falls between its onset and 30 minutes after its end; the
delay is from its onset. Any other alert is a false alarm, except one within two hours after
an incident ends (the same incident's tail).

    .venv/bin/python bench/spikes.py [--series 3] [--weeks 4]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "shared")]

from heard.spikes import detector  # noqa: E402

START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
BUCKET = timedelta(minutes=5)
DAY = detector.DAY
VOLUMES = (5, 25, 100, 500)  # mean mentions per bucket, one series set per volume
SHAPES = ("step", "ramp", "burst", "quiet")
INCIDENTS_PER_SERIES = 6
FIRST_INCIDENT_DAY = 3  # after the detector's two-day warm-up
FOUND_WITHIN_MIN = 30
TAIL_BUCKETS = 24  # alerts up to 2 hours after an incident's end are its tail, not false
TARGET_FOUND = 90.0  # % of incidents found within 30 minutes
TARGET_FALSE = 1.0  # false alarms per series per week

# The naive baseline: a z-score of the count over the trailing 24 hours' mean and standard
# deviation, with the robust detector's minimum volume and cooldown.
NAIVE_WINDOW = DAY
NAIVE_THRESHOLD = 3.0


@dataclass
class Incident:
    onset: int
    end: int  # last bucket of the incident (inclusive)


@dataclass
class Series:
    counts: list[int]
    incidents: list[Incident] = field(default_factory=list)
    factor: list[float] = field(default_factory=list)  # blips, cascades and incidents


def poisson(rng: random.Random, lam: float) -> int:
    if lam < 30:
        limit, k, p = math.exp(-lam), 0, rng.random()
        while p > limit:
            k += 1
            p *= rng.random()
        return k
    return max(0, round(rng.gauss(lam, math.sqrt(lam))))


def generate(seed: int, volume: float, shape: str, weeks: int) -> Series:
    rng = random.Random(seed)
    n = weeks * 7 * DAY
    amplitude = rng.uniform(0.55, 0.9)  # peak/trough = exp(2 * amplitude)
    peak_hour = rng.uniform(13, 20)
    weekend = rng.uniform(0.6, 0.85)
    dispersion = rng.uniform(8, 30)  # negative binomial shape: smaller is burstier
    noise_sd, phi = rng.uniform(0.05, 0.15), 0.7
    day_level = [0.0]
    for _ in range(weeks * 7):
        day_level.append(0.85 * day_level[-1] + rng.gauss(0, 0.1))

    factor = [1.0] * n
    for _ in range(n // DAY * 3):  # blips
        at = rng.randrange(n)
        factor[at] = max(factor[at], rng.uniform(2, 4))
    for _ in range(n // DAY):  # retweet cascades
        at, peak = rng.randrange(n - 3), rng.uniform(2.5, 4)
        for k, share in enumerate((1.0, 0.45, 0.15)):
            factor[at + k] = max(factor[at + k], 1 + (peak - 1) * share)

    incidents: list[Incident] = []
    if shape != "quiet":
        days = rng.sample(range(FIRST_INCIDENT_DAY, weeks * 7 - 1), INCIDENTS_PER_SERIES)
        for day in sorted(days):
            onset = day * DAY + rng.randrange(DAY)
            if shape == "step":
                size, length = rng.uniform(2, 5), rng.randrange(24, 73)
                profile = [size] * length
            elif shape == "ramp":
                size, rise = rng.uniform(3, 6), rng.randrange(6, 19)
                profile = [1 + (size - 1) * (k + 1) / rise for k in range(rise)]
                profile += [size] * rng.randrange(12, 37)
            else:
                size = rng.uniform(5, 20)
                profile = [size] * rng.randrange(3, 7)
            for k, f in enumerate(profile):
                if onset + k < n:
                    factor[onset + k] *= f
            incidents.append(Incident(onset, min(onset + len(profile), n) - 1))

    mean_daily = statistics.fmean(
        math.exp(amplitude * math.cos(2 * math.pi * (h / 12 - peak_hour) / 24)) for h in range(288)
    )
    counts: list[int] = []
    ar = 0.0
    for t in range(n):
        hour = (t % DAY) / 12
        weekday = (t // DAY) % 7
        ar = phi * ar + rng.gauss(0, noise_sd * math.sqrt(1 - phi * phi))
        mu = (
            volume
            / mean_daily
            * math.exp(amplitude * math.cos(2 * math.pi * (hour - peak_hour) / 24))
            * (weekend if weekday >= 5 else 1.0)
            * math.exp(day_level[t // DAY] + ar)
            * factor[t]
        )
        counts.append(poisson(rng, rng.gammavariate(dispersion, mu / dispersion)))
    return Series(counts, incidents, factor)


def robust_alerts(counts: list[int]) -> list[int]:
    state = detector.VolumeState()
    alerts = []
    for t, count in enumerate(counts):
        if detector.step(state, START + t * BUCKET, count) is not None:
            alerts.append(t)
    return alerts


def naive_alerts(counts: list[int]) -> list[int]:
    alerts: list[int] = []
    total = squares = 0.0
    quiet_until = -1
    for t, count in enumerate(counts):
        if t >= NAIVE_WINDOW:
            mean = total / NAIVE_WINDOW
            std = math.sqrt(max(squares / NAIVE_WINDOW - mean * mean, 1e-9))
            if (
                (count - mean) / std >= NAIVE_THRESHOLD
                and count >= detector.MIN_VOLUME
                and t >= quiet_until
            ):
                alerts.append(t)
                quiet_until = t + detector.COOLDOWN_BUCKETS
            old = counts[t - NAIVE_WINDOW]
            total -= old
            squares -= old * old
        total += count
        squares += count * count
    return alerts


@dataclass
class Tally:
    series: int = 0
    weeks: float = 0.0
    incidents: int = 0
    found: int = 0  # within FOUND_WITHIN_MIN
    missed: int = 0
    delays: list[float] = field(default_factory=list)
    false: int = 0

    def add(self, other: Tally) -> None:
        self.series += other.series
        self.weeks += other.weeks
        self.incidents += other.incidents
        self.found += other.found
        self.missed += other.missed
        self.delays += other.delays
        self.false += other.false

    def row(self) -> list[str]:
        found = 100 * self.found / self.incidents if self.incidents else math.nan
        delay = statistics.median(self.delays) if self.delays else math.nan
        return [
            "—" if math.isnan(found) else f"{found:.0f}%",
            "—" if math.isnan(delay) else f"{delay:.0f}",
            str(self.missed) if self.incidents else "—",
            f"{self.false / self.weeks:.2f}",
        ]


def score(series: Series, alerts: list[int], weeks: int) -> Tally:
    tally = Tally(series=1, weeks=weeks, incidents=len(series.incidents))
    owned: set[int] = set()
    for incident in series.incidents:
        hits = [a for a in alerts if incident.onset <= a <= incident.end + 6]
        owned.update(a for a in alerts if incident.onset <= a <= incident.end + TAIL_BUCKETS)
        if not hits:
            tally.missed += 1
            continue
        delay = (hits[0] - incident.onset) * 5
        tally.delays.append(delay)
        tally.found += delay <= FOUND_WITHIN_MIN
    tally.false = sum(a not in owned for a in alerts)
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=3, help="series per scenario")
    parser.add_argument("--weeks", type=int, default=4)
    args = parser.parse_args()

    methods: dict[str, Callable[[list[int]], list[int]]] = {
        "robust": robust_alerts,
        "naive": naive_alerts,
    }
    totals = {m: Tally() for m in methods}
    rows = []
    for shape in SHAPES:
        for volume in VOLUMES:
            tallies = {m: Tally() for m in methods}
            for k in range(args.series):
                seed = SHAPES.index(shape) * 1_000_003 + volume * 1_009 + k
                series = generate(seed, volume, shape, args.weeks)
                for name, run in methods.items():
                    tallies[name].add(score(series, run(series.counts), args.weeks))
            for name in methods:
                totals[name].add(tallies[name])
            rows.append((f"{shape}, ~{volume}/bucket", tallies))
    rows.append(("overall", totals))

    head = [
        "scenario",
        "incidents",
        f"found ≤{FOUND_WITHIN_MIN} min",
        "median delay (min)",
        "missed",
        "false alarms /series/week",
    ]
    print(
        f"{args.series} series per scenario, {args.weeks} weeks each, "
        f"{INCIDENTS_PER_SERIES} incidents per series (none in 'quiet')"
    )
    print(
        f"targets: found ≤{FOUND_WITHIN_MIN} min >= {TARGET_FOUND:.0f}%, "
        f"false alarms <= {TARGET_FALSE:g} per series per week\n"
    )
    print("| " + " | ".join([head[0], head[1], *(f"{h}: robust / naive" for h in head[2:])]) + " |")
    print("|" + "---|" * 6)
    for label, tallies in rows:
        robust, naive = tallies["robust"].row(), tallies["naive"].row()
        cells = [label, str(tallies["robust"].incidents)]
        cells += [f"{r} / {n}" for r, n in zip(robust, naive, strict=True)]
        print("| " + " | ".join(cells) + " |")
    overall = totals["robust"]
    found = 100 * overall.found / overall.incidents
    false = overall.false / overall.weeks
    print(
        f"\nrobust overall: found ≤{FOUND_WITHIN_MIN} min {found:.1f}% "
        f"(target >= {TARGET_FOUND:.0f}%: {'met' if found >= TARGET_FOUND else 'NOT met'}), "
        f"false alarms {false:.2f} per series per week "
        f"(target <= {TARGET_FALSE:g}: {'met' if false <= TARGET_FALSE else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
