"""Brand.digest: defaults, the time, the zone, and the checks across fields."""

from __future__ import annotations

from datetime import time

import pytest
from heard_cli import main

from heard.config import ConfigError, parse_config

BASE = "brands:\n  - name: Acme\n    keywords: [acme]\n"


def digest_of(yaml: str):
    return parse_config(BASE + yaml).brands[0].digest


def errors(yaml: str) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        parse_config(BASE + yaml)
    return raised.value.errors


def test_defaults_a_daily_digest_at_eight_utc_by_sns():
    digest = digest_of("")
    assert digest.enabled and digest.daily and not digest.hourly and digest.weekly_on is None
    assert digest.daily_at == time(8, 0) and digest.timezone == "UTC"
    assert digest.email_from is None and digest.email_to == []


def test_times_quoted_or_not():
    # Unquoted 07:30 is a sexagesimal integer (450) to YAML 1.1: read the same.
    assert digest_of("    digest: {daily_at: 07:30}\n").daily_at == time(7, 30)
    assert digest_of("    digest: {daily_at: '7:05'}\n").daily_at == time(7, 5)
    assert digest_of("    digest: {daily_at: '07:30'}\n").model_dump(mode="json")["daily_at"] == (
        "07:30"
    )


def test_bad_values_are_reported_with_their_place():
    found = errors("    digest: {daily_at: '25:00', timezone: Mars/Base, weekly_on: funday}\n")
    assert any(e.startswith("brands[0] (Acme).digest.daily_at:") and "HH:MM" in e for e in found)
    assert any("digest.timezone" in e and "IANA" in e for e in found)
    assert any("digest.weekly_on" in e for e in found)


def test_cross_field_problems_each_with_a_clear_message():
    assert errors("    digest: {email_from: care@acme.example}\n") == [
        "brands[0] (Acme).digest.email_to: email_from is set, so the HTML digest needs "
        "email_to addresses"
    ]
    assert errors("    digest: {email_to: [lead@acme.example]}\n")[0].startswith(
        "brands[0] (Acme).digest.email_from: email_to needs email_from"
    )
    assert errors("    digest: {daily: false}\n") == [
        "brands[0] (Acme).digest: the digest is enabled but daily is false, hourly is false "
        "and weekly_on is unset: set one, or enabled: false"
    ]
    assert not digest_of("    digest: {daily: false, enabled: false}\n").enabled


def test_every_problem_is_reported_together_with_other_fields_errors():
    found = errors(
        "    digest: {email_to: [lead@acme.example], daily_at: nope}\n"
        "    routing: {alert_min_priority: urgent}\n"
    )
    assert len(found) == 3


def test_heard_config_validate_reports_them(tmp_path, capsys):
    path = tmp_path / "brands.yaml"
    path.write_text(BASE + "    digest: {email_from: care@acme.example, timezone: Nowhere}\n")
    assert main(["config", "validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "digest.timezone" in err and "digest.email_to" in err
