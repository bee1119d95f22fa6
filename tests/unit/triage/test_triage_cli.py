"""The ``heard classify`` contract, run as a user would: ``python -m heard_cli classify``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def classify(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HEARD_CONFIG", "HEARD_TRIAGE_BACKEND")}
    return subprocess.run(
        [sys.executable, "-m", "heard_cli", "classify", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.fixture(scope="module")
def stream() -> tuple[subprocess.CompletedProcess[str], list[dict]]:
    lines = [
        json.dumps(
            {"text": "@acme still waiting for my refund, worst service", "author_followers": 84000}
        ),
        "this is not json",
        json.dumps({"author_followers": 10}),
        json.dumps({"text": "thank you @acme, lovely staff", "verified": True, "id": "m-4"}),
        "",
        json.dumps({"text": "hello", "brand": "Nope"}),
        json.dumps({"text": "hello", "author_followers": -5}),
        json.dumps(["text"]),
        json.dumps({"text": "is there a recall on the acme kettle", "brand": "acme"}),
    ]
    proc = classify(stdin="\n".join(lines) + "\n")
    return proc, [json.loads(line) for line in proc.stdout.splitlines()]


def test_one_object_per_non_blank_line_in_order(stream) -> None:
    _, out = stream
    assert [o["line"] for o in out] == [1, 2, 3, 4, 6, 7, 8, 9]


def test_good_lines_carry_the_triage(stream) -> None:
    _, out = stream
    first = out[0]
    for key in (
        "sentiment",
        "complaint",
        "complaint_probability",
        "intents",
        "priority",
        "reasons",
    ):
        assert key in first
    assert first["complaint"] is True
    assert first["priority"] in ("high", "critical")
    assert "84k followers" in first["reasons"]
    assert out[3]["id"] == "m-4"
    assert out[3]["sentiment"] == "positive"
    assert out[-1]["priority"] == "critical"
    assert "crisis word: 'recall'" in out[-1]["reasons"]


def test_bad_lines_get_an_error_naming_the_problem(stream) -> None:
    _, out = stream
    errors = {o["line"]: o["error"] for o in out if "error" in o}
    assert set(errors) == {2, 3, 6, 7, 8}
    assert "not valid JSON" in errors[2]
    assert errors[3].startswith("text:")
    assert "unknown brand 'Nope'" in errors[6]
    assert errors[7].startswith("author_followers:")
    assert "JSON object" in errors[8]


def test_exit_status_is_non_zero_when_a_line_failed(stream) -> None:
    proc, _ = stream
    assert proc.returncode == 1


def test_exit_status_is_zero_when_every_line_is_good() -> None:
    proc = classify(stdin=json.dumps({"text": "hi @acme"}) + "\n")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["priority"] == "low"


def test_one_text_is_printed_readably() -> None:
    proc = classify("@acme you will be hearing from my lawyer")
    assert proc.returncode == 0, proc.stderr
    assert "priority" in proc.stdout
    assert "legal threat: 'my lawyer'" in proc.stdout
    assert not proc.stdout.lstrip().startswith("{")


def test_one_text_as_json() -> None:
    proc = classify("--json", "--followers", "150000", "@acme my parcel never arrived, useless")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["priority"] == "critical"
