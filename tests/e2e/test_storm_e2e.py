"""End to end: a storm replayed through the local stack (signed webhooks, triage, storm control,
the spike check as the scheduler runs it, the notifier) reaches the fake Slack and Teams as one
crisis alert, the critical mentions each once, and a summary of what was held: not hundreds of
messages.

The storm is ``heard_local storm``'s (``heard_local.replay``): 300 angry mentions in 10 minutes
of the stack's clock, 50 of them from big accounts (each would alert on its own) and 3 legal
threats from very big accounts (critical); fewer than the 5,000 of the command's default, the
same shape, and the detectors see it the same way.
"""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
from e2e_stack import RunningStack
from heard_local import defaults
from heard_local.replay import replay

from heard.config import load_config_file

pytestmark = pytest.mark.e2e

COUNT, HIGH, CRITICAL = 300, 50, 3


def _kinds(messages, where: str) -> Counter[str]:
    return Counter(
        f"{m.priority} {m.kind}" if m.kind == "mention" else m.kind
        for m in messages
        if m.where == where
    )


def test_a_replayed_storm_is_one_crisis_the_criticals_and_a_summary(running: RunningStack):
    brand = load_config_file(defaults.config_file()).brand("Acme")
    assert brand is not None and brand.alerts is not None
    cap = brand.alerts.channels["care-slack"].max_per_hour
    assert cap is not None

    lines: list[str] = []
    outcome = replay(running.info, count=COUNT, high=HIGH, critical=CRITICAL, say=lines.append)

    assert outcome.posted == COUNT and outcome.high == HIGH
    assert outcome.opened_at is not None
    assert outcome.storm_start < outcome.opened_at < outcome.storm_end  # found during it
    messages = outcome.messages

    # Teams (crisis-teams takes crises only): the crisis alert, once.
    assert _kinds(messages, "Teams") == Counter({"crisis": 1})
    # The care channel: the crisis once, each critical mention once, the big accounts' alerts
    # up to the hourly cap, and one summary of the rest; nothing else.
    care = _kinds(messages, "Slack webhook")
    assert care["crisis"] == 1 and care["critical mention"] == CRITICAL
    assert care["summary"] == 1
    assert 0 < care["high mention"] <= cap
    assert sum(care.values()) == 1 + CRITICAL + care["high mention"] + 1
    # Every big account's alert went out, was held for the summary or collapsed into the
    # crisis: exactly one of the three.
    held = outcome.held.get("care-slack", 0)
    assert held > 0 and outcome.collapsed > 0
    assert care["high mention"] + held + outcome.collapsed == HIGH
    # The legal channel (chat.postMessage): the legal threats, each once.
    assert _kinds(messages, "Slack #C0HEARD0001") == Counter({"critical mention": CRITICAL})
    # The topic (email and SMS): one crisis alert, and email's cap held the rest too.
    topic = _kinds(messages, "topic (email, SMS)")
    assert topic["crisis"] == 1 and topic["critical mention"] == CRITICAL
    assert topic["summary"] == 1 and outcome.held.get("email", 0) > 0
    # Not one message per mention: at most the two capped channels' fill, the criticals and
    # the crisis, summary and legal messages.
    assert len(messages) <= 2 * (cap + CRITICAL + 2) + CRITICAL + 1

    # What the fakes recorded is what the outcome says (no message the replay missed).
    slack = httpx.get(running.info["platform_fakes"]["slack"] + "/_heard/requests").json()
    accepted = [r for r in slack["requests"] if r["status"] == 200]
    assert len(accepted) == sum(1 for m in messages if m.where.startswith("Slack"))

    printed = "\n".join(outcome.lines())
    assert "opened one crisis" in printed
    assert f"alerts collapsed into the crisis: {outcome.collapsed}" in printed
    assert f"{held} on care-slack" in printed
    assert any(line.startswith("SEEDED") for line in lines)
