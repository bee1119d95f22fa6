"""``heard alerts examples``: every kind for every channel it goes to, each passing the checks
the channel tests apply (SMS length and GSM-7, Block Kit and Adaptive Card limits, a signature
a receiver verifies), from the command's own output."""

from __future__ import annotations

import json

import pytest
from heard_cli import main
from heard_cli.alerts import CHANNELS, KINDS, NOT_SENT, NOW, SIGNING_KEY
from heard_local.fakes.slack import block_problems
from heard_local.fakes.teams import card_problems

from heard.alerts import webhook
from heard.alerts.render import GSM7_BASIC, GSM7_EXTENSION, SMS_LIMIT, SUBJECT_LIMIT, gsm7_length


@pytest.fixture(scope="module")
def printed() -> dict:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["alerts", "examples", "--json"]) == 0
    return json.loads(out.getvalue())


def test_every_kind_and_channel_is_there_or_said_not_to_go(printed):
    assert list(printed) == list(KINDS)
    for kind in KINDS:
        assert list(printed[kind]) == list(CHANNELS)
        missing = {c for c, value in printed[kind].items() if value is None}
        assert missing == {c for k, c in NOT_SENT if k == kind}


@pytest.mark.parametrize("kind", KINDS)
def test_each_example_passes_its_channels_checks(printed, kind):
    by_channel = printed[kind]
    email = by_channel["email"]
    subject = email["subject"]
    assert subject.isascii() and subject.isprintable() and len(subject) <= SUBJECT_LIMIT
    assert email["body"].strip()
    if (sms := by_channel["sms"]) is not None:
        assert 0 < gsm7_length(sms) <= SMS_LIMIT
        assert all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in sms)
        assert "7700" not in sms  # the example mention's phone number stays out
    if (message := by_channel["slack"]) is not None:
        assert block_problems(message) == []
        assert message["blocks"][0]["type"] == "header"
    if (card := by_channel["teams"]) is not None:
        assert card_problems(card) == []
    if (post := by_channel["https"]) is not None:
        body = webhook.encode(post["body"])
        assert webhook.verify(SIGNING_KEY, post["headers"], body, now=NOW.timestamp())
        assert post["body"]["kind"] == ("crisis" if kind == "crisis end" else kind)


def test_the_text_output_heads_each_pair(capsys):
    assert main(["alerts", "examples", "--kind", "digest"]) == 0
    out = capsys.readouterr().out
    for channel in CHANNELS:
        assert f"=== digest / {channel} ===" in out
    assert "(not sent: a digest has no SMS" in out
    assert "Subject: Heard: Acme daily digest, Mon 23 Nov" in out
