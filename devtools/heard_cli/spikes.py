"""``heard spikes scan FILE.csv``: the spike detectors over a recorded series.

The file has the columns ``timestamp,value`` (a header line, then one 5-minute bucket per line,
oldest first; timestamps such as ``2015-02-26 21:42:53``, taken as UTC), and optionally
``negative``: how many of the bucket's mentions were negative. Each bucket goes through
``heard.spikes.check.fold_bucket`` in order, exactly as the scheduled check feeds it: the
volume detector, and with a ``negative`` column the negative-share detector too. A gap in the
timestamps leaves the buckets between absent, not zero (the check, which reads stored counts,
takes a bucket without counts as zero). Each alert is printed as one JSON object per line:
``timestamp`` (as written in the file), ``kind`` (``volume`` or ``negative_share``),
``score``, ``value`` (the bucket's count; for the share, the 30 minutes' share of negatives),
``expected`` and ``window_minutes``. A file that cannot be read (missing column, unparsable
timestamp or value, a negative count above the bucket's, timestamps not increasing) exits with
status 2 and a message naming the line, before any alert is printed.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from heard.spikes import NegativeShareState, VolumeState
from heard.spikes.check import fold_bucket

COLUMNS = ("timestamp", "value")
NEGATIVE = "negative"  # optional


class BadFile(Exception):
    pass


@dataclass(frozen=True)
class Bucket:
    raw: str
    start: datetime
    value: float
    negative: float | None = None


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("spikes", help="spike detection over recorded mention counts")
    spikes_commands = parser.add_subparsers(dest="spikes_command", required=True)
    scan = spikes_commands.add_parser(
        "scan",
        help="run the spike detectors over a timestamp,value[,negative] CSV; print their alerts",
    )
    scan.add_argument("file", metavar="FILE.csv")
    scan.set_defaults(func=run)


def read_buckets(path: str) -> list[Bucket]:
    try:
        # utf-8-sig: a file saved by a spreadsheet starts with a byte-order mark.
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return _parse(csv.reader(handle))
    except OSError as exc:
        raise BadFile(f"cannot read it: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BadFile(f"not a CSV text file: {exc}") from exc


def _parse(rows: Any) -> list[Bucket]:
    header = next(rows, None)
    if header is None:
        raise BadFile("empty file: expected a header line with timestamp,value")
    names = [name.strip().lower() for name in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise BadFile(
            f"line 1: missing column(s) {', '.join(missing)} (the header is {','.join(header)!r}; "
            "expected timestamp,value)"
        )
    at_time, at_value = names.index("timestamp"), names.index("value")
    at_negative = names.index(NEGATIVE) if NEGATIVE in names else None
    last = max(at_time, at_value, -1 if at_negative is None else at_negative)
    buckets: list[Bucket] = []
    for line, row in enumerate(rows, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) <= last:
            raise BadFile(f"line {line}: expected {len(header)} columns, found {len(row)}")
        raw, text = row[at_time].strip(), row[at_value].strip()
        try:
            start = datetime.fromisoformat(raw)
        except ValueError:
            raise BadFile(
                f"line {line}: unparsable timestamp {raw!r} (expected e.g. 2015-02-26 21:42:53)"
            ) from None
        value = _count(text)
        if value is None:
            raise BadFile(f"line {line}: unparsable value {text!r} (expected a count >= 0)")
        negative = None
        if at_negative is not None:
            given = row[at_negative].strip()
            negative = _count(given)
            if negative is None or negative > value:
                raise BadFile(
                    f"line {line}: unparsable negative {given!r} (expected a count from 0 to "
                    f"the value, {text})"
                )
        if buckets and _epoch(start) <= _epoch(buckets[-1].start):
            raise BadFile(
                f"line {line}: timestamp {raw!r} is not after the previous one "
                f"({buckets[-1].raw!r}); timestamps must be increasing"
            )
        buckets.append(Bucket(raw, start, value, negative))
    return buckets


def _count(text: str) -> float | None:
    """``text`` as a count (a finite number >= 0), or None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _epoch(moment: datetime) -> float:
    """Seconds since the epoch; a timestamp without an offset is UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _number(value: float) -> float | int:
    return int(value) if value.is_integer() else value


def run(args: argparse.Namespace) -> int:
    try:
        buckets = read_buckets(args.file)
    except BadFile as exc:
        print(f"heard spikes scan: {args.file}: {exc}", file=sys.stderr)
        return 2
    state = VolumeState()
    negative = NegativeShareState() if buckets and buckets[0].negative is not None else None
    try:
        _scan(state, negative, buckets)
    except BrokenPipeError:  # the reader stopped early (| head): not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    return 0


def _scan(state: VolumeState, negative: NegativeShareState | None, buckets: list[Bucket]) -> None:
    for bucket in buckets:
        alerts = fold_bucket(state, negative, bucket.start, bucket.value, bucket.negative or 0.0)
        for alert in alerts:
            volume = alert.kind == "volume"
            print(
                json.dumps(
                    {
                        "timestamp": bucket.raw,
                        "kind": alert.kind,
                        "score": alert.score,
                        "value": _number(bucket.value) if volume else alert.value,
                        "expected": alert.expected,
                        "window_minutes": alert.window_minutes,
                    }
                ),
                flush=True,
            )
