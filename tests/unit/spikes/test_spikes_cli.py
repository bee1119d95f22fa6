"""``heard spikes scan FILE.csv`` on small files written here: alerts as JSON lines, and bad
files refused with status 2 and the line at fault."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from heard_cli import main
from spike_series import BUCKET, DAY, START, seasonal

ONSET = 5 * DAY + 14 * 12  # day 5, 14:00


def write(tmp_path: Path, lines: list[str]) -> str:
    path = tmp_path / "series.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def stamp(t: int) -> str:
    # Real exports start buckets at odd seconds (Twitter volume: 2015-02-26 21:42:53).
    return (START + t * BUCKET).strftime("%Y-%m-%d %H:%M:53")


def scan(path: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict], str]:
    status = main(["spikes", "scan", path])
    out, err = capsys.readouterr()
    return status, [json.loads(line) for line in out.splitlines()], err


def test_a_step_is_one_alert_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    counts = seasonal(7)
    for t in range(ONSET, ONSET + 48):
        counts[t] *= 3
    lines = ["timestamp,value", *(f"{stamp(t)},{c:g}" for t, c in enumerate(counts))]
    status, alerts, err = scan(write(tmp_path, lines), capsys)
    assert status == 0, err
    assert len(alerts) == 1
    (alert,) = alerts
    assert {"timestamp", "score", "value", "expected"} <= alert.keys()
    assert alert["kind"] == "volume"
    assert alert["timestamp"] in [stamp(t) for t in range(ONSET, ONSET + 7)]
    at = [stamp(t) for t in range(len(counts))].index(alert["timestamp"])
    assert alert["value"] == counts[at]
    assert alert["expected"] < alert["value"] / 2
    assert alert["score"] > 0


def test_steady_traffic_with_gaps_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    counts = seasonal(4)
    lines = ["timestamp,value"] + [
        f"{stamp(t)},{c:g}" for t, c in enumerate(counts) if not DAY <= t < DAY + 30
    ]
    assert scan(write(tmp_path, lines), capsys) == (0, [], "")


def test_a_negative_column_runs_the_share_detector_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A tenth of the mentions negative, then from day 5, 14:00, for three hours, 40% of them:
    # as many mentions as ever, so only the share's detector speaks.
    counts = seasonal(7)
    negative = [round(c * (0.4 if ONSET <= t < ONSET + 36 else 0.1)) for t, c in enumerate(counts)]
    lines = ["timestamp,value,negative"] + [
        f"{stamp(t)},{c:g},{n}" for t, (c, n) in enumerate(zip(counts, negative, strict=True))
    ]
    status, alerts, err = scan(write(tmp_path, lines), capsys)
    assert status == 0, err
    assert [a["kind"] for a in alerts] == ["negative_share"]
    (alert,) = alerts
    assert alert["timestamp"] in [stamp(t) for t in range(ONSET, ONSET + 7)]
    assert alert["value"] > 0.3 and alert["expected"] < 0.15
    assert alert["window_minutes"] == 30

    # The same counts without the column: the volume detector alone, and nothing to say.
    plain = ["timestamp,value", *(f"{stamp(t)},{c:g}" for t, c in enumerate(counts))]
    assert scan(write(tmp_path, plain), capsys) == (0, [], "")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["time,value", "2015-02-26 21:42:53,3"], "line 1: missing column(s) timestamp"),
        (["timestamp,count", "2015-02-26 21:42:53,3"], "missing column(s) value"),
        ([], "empty file"),
        (
            ["timestamp,value", "2015-02-26 21:42:53,3", "26/02/2015 21:47,4"],
            "line 3: unparsable timestamp '26/02/2015 21:47'",
        ),
        (
            ["timestamp,value", "2015-02-26 21:42:53,3", "2015-02-26 21:47:53,many"],
            "line 3: unparsable value 'many'",
        ),
        (["timestamp,value", "2015-02-26 21:42:53,-1"], "line 2: unparsable value '-1'"),
        (["timestamp,value", "2015-02-26 21:42:53"], "line 2: expected 2 columns, found 1"),
        (
            ["timestamp,value,negative", "2015-02-26 21:42:53,3,4"],
            "line 2: unparsable negative '4' (expected a count from 0 to the value, 3)",
        ),
        (
            ["timestamp,value,negative", "2015-02-26 21:42:53,3,", "2015-02-26 21:47:53,3,1"],
            "line 2: unparsable negative ''",
        ),
        (
            ["negative,timestamp,value", "2,2015-02-26 21:42:53,3", "1,2015-02-26 21:47:53"],
            "line 3: expected 3 columns, found 2",
        ),
        (
            ["timestamp,value", "2015-02-26 21:42:53,3", "2015-02-26 21:37:53,4"],
            "line 3: timestamp '2015-02-26 21:37:53' is not after the previous one",
        ),
        (
            ["timestamp,value", "2015-02-26 21:42:53,3", "2015-02-26 21:42:53,4"],
            "line 3: timestamp '2015-02-26 21:42:53' is not after",
        ),
    ],
)
def test_a_bad_file_exits_2_naming_the_problem(
    lines: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "series.csv"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    status, alerts, err = scan(str(path), capsys)
    assert status == 2
    assert alerts == []
    assert message in err
    assert str(path) in err


def test_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, alerts, err = scan(str(tmp_path / "nope.csv"), capsys)
    assert (status, alerts) == (2, [])
    assert "cannot read it" in err


def test_a_file_saved_with_a_byte_order_mark_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    counts = seasonal(7)
    for t in range(ONSET, ONSET + 48):
        counts[t] *= 3
    lines = ["timestamp,value", *(f"{stamp(t)},{c:g}" for t, c in enumerate(counts))]
    path = tmp_path / "series.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    status, alerts, err = scan(str(path), capsys)
    assert (status, err) == (0, "")
    assert len(alerts) == 1 and alerts[0]["kind"] == "volume"
