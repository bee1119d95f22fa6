"""``heard poll SOURCE --once`` without a running stack: a throwaway moto stack, the mentions
printed, the report as JSON, and an exit status that says how the run ended."""

from __future__ import annotations

import json
import os
import time

import pytest
from heard_cli import main
from heard_local import defaults
from heard_local.fakes.hackernews import FakeHackerNews

CONFIG = """
sources:
  hackernews: {}
brands:
  - name: Acme
    keywords: [acme]
  - name: Globex
    keywords: [globex]
"""


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    # The command sets the local secrets it needs when they are unset: set them here, so they
    # are unset again after the test.
    for name, value in defaults.secrets().items():
        monkeypatch.setenv(name, os.environ.get(name, value))
    monkeypatch.setenv("HEARD_STATE_DIR", str(tmp_path / "no-stack"))
    config = tmp_path / "brands.yaml"
    config.write_text(CONFIG)
    return config


def reports(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith('{"source"')]


def test_one_poll_of_one_brand_prints_its_mentions_and_report(cli_env, capsys):
    with FakeHackerNews() as hn:
        hn.add_comment("Acme refund still missing", created_at=time.time() - 900, object_id=77)
        hn.add_comment("Globex is great", created_at=time.time() - 800, object_id=78)
        code = main(
            [
                "poll",
                "hackernews",
                "--brand",
                "acme",
                "--once",
                "--config",
                str(cli_env),
                "--base-url",
                hn.base_url,
            ]
        )
    out = capsys.readouterr().out
    assert code == 0
    assert "a throwaway moto stack" in out
    assert "hackernews:77  @throwaway42: Acme refund still missing" in out
    assert "hackernews:78" not in out
    [report] = reports(out)
    assert (report["brand"], report["queued"], report["stopped"]) == ("Acme", 1, "done")


def test_every_brand_by_default_and_a_failing_run_exits_1(cli_env, capsys):
    with FakeHackerNews() as hn:
        hn.fail(503, times=5)
        code = main(["poll", "hackernews", "--config", str(cli_env), "--base-url", hn.base_url])
    out = capsys.readouterr().out
    assert code == 1
    assert [(r["brand"], r["stopped"]) for r in reports(out)] == [
        ("Acme", "error"),
        ("Globex", "backing-off"),
    ]


def test_an_unknown_brand_is_refused_naming_the_known_ones(cli_env, capsys):
    assert main(["poll", "hackernews", "--brand", "Initech", "--config", str(cli_env)]) == 2
    assert "no brand 'Initech'; known: Acme, Globex" in capsys.readouterr().err
