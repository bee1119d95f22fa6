"""Each channel's message: SMS (length, GSM-7, no contact details or links from the text),
email (subject and body), Slack Block Kit, the Teams Adaptive Card, signed HTTPS."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from helpers import brand, record

from heard.alerts import slack, teams, webhook
from heard.alerts.channels import Alert, sns_request
from heard.alerts.notice import from_record
from heard.alerts.render import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    SlaNotice,
    gsm7_length,
    render_sms,
    subject,
)
from heard.models import Platform, Priority

INBOX = "https://heard.example.com/app/"
HOSTILE = [
    "😡😡😡 @acme you ruined my day 🤬🔥" * 20,
    "call me on +44 7700 900123 or (555) 010-4477 about my refund @acme",
    "mail x@y.com or jo.bloggs+acme@example.co.uk, @acme",
    "see http://evil.example/phish?a=1 and www.evil.com and evil.com/login @acme",
    "Ünïcödé — “smart quotes” … and 中文 and ∑ and €5 and {braces} [brackets] ^~|\\ @acme",
    "x" * 5000,
    "",
]


def _gsm7_only(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize(
    "sla", [None, SlaNotice("breach", "first_response", datetime.now(UTC), 0, "team")]
)
def test_sms_is_160_gsm7_characters_without_contacts_or_links(text, sla):
    sms = render_sms(record(text=text), sla)
    assert gsm7_length(sms) <= 160 and _gsm7_only(sms)
    for leak in ("7700", "900123", "010-4477", "x@y.com", "example.co.uk", "http", "evil", "www"):
        assert leak not in sms
    assert sms.startswith(("CRITICAL Acme @angrycustomer", "SLA BREACH CRITICAL Acme"))
    assert "legal threat" in sms  # the reasons always fit


def test_sms_counts_extension_characters_twice():
    sms = render_sms(record(text="{[]}" * 100))
    assert gsm7_length(sms) <= 160 and len(sms) < 160


def test_sms_transliterates_rather_than_drops_accents():
    sms = render_sms(record(text="Ça ne marche pas, ôtez-moi ça — “vite” @acme"))
    assert "ôtez" not in sms and "otez" in sms and "Ça" in sms and '"vite"' in sms


def test_sms_carries_no_email_handle():
    generic = record(text="refund please", platform=Platform.GENERIC, handle="jo@example.com")
    sms = render_sms(generic)
    assert "jo@example.com" not in sms and "example.com" not in sms


def test_email_subject_is_triageable_from_an_inbox_list():
    s = subject(record())
    assert s.startswith("[CRITICAL] Acme: X post from @angrycustomer (84k followers, verified)")
    assert ': "@acme still waiting' in s and len(s) < 100 and s.isascii()


def test_email_body_has_the_mention_author_reach_triage_deadline_and_case_link():
    rec = record()
    acme = brand("alerts: {channels: {m: {type: email}}, routes: [{channels: [m]}]}")
    notice = from_record(rec, acme, inbox_url=INBOX, now=rec.received_at)
    request = sns_request(Alert(rec, acme), notice=notice, channels=["m"])
    body = json.loads(request["Message"])["email"]
    assert '"@acme still waiting for my refund after 3 weeks. Talking to my lawyer."' in body
    assert "@angrycustomer (84k followers, verified)" in body
    assert "Why: legal threat: 'my lawyer'" in body
    assert "First response due by 2026-11-22 09:45 UTC." in body  # critical: 15 minutes
    assert f"Open the case: {INBOX}#/cases/x:1849" in body
    attrs = request["MessageAttributes"]
    assert attrs["kind"]["StringValue"] == "mention"
    assert json.loads(attrs["channels"]["StringValue"]) == ["m"]
    assert attrs["severity"]["StringValue"] == "critical"  # the existing attributes stay


def _notice(text: str = record().mention.text, priority: Priority = Priority.CRITICAL):
    return from_record(record(priority, text=text), inbox_url=INBOX)


@pytest.mark.parametrize("text", HOSTILE)
def test_slack_blocks_keep_to_block_kit_limits(text):
    message = slack.message(_notice(text))
    blocks = message["blocks"]
    assert message["text"] and len(blocks) <= 50
    assert blocks[0]["type"] == "header" and blocks[-1]["type"] == "actions"
    for block in blocks:
        assert block["type"] in {"header", "section", "context", "actions"}
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text" and len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            if "text" in block:
                assert 1 <= len(block["text"]["text"]) <= 3000
            for field in block.get("fields", []):
                assert len(field["text"]) <= 2000
            assert len(block.get("fields", [])) <= 10
        if block["type"] == "context":
            assert 1 <= len(block["elements"]) <= 10
    (button,) = blocks[-1]["elements"]
    assert button == {
        "type": "button",
        "text": {"type": "plain_text", "text": "Open case"},
        "url": f"{INBOX}#/cases/x:1849",
        "action_id": "open_case",
        "style": "danger",
    }


def test_slack_escapes_what_a_customer_wrote():
    blocks = slack.message(_notice("<!channel> <https://evil|click> & co"))["blocks"]
    quote = next(b for b in blocks if b["type"] == "section" and b["text"]["text"].startswith(">"))
    assert "<!channel>" not in quote["text"]["text"]
    assert "&lt;!channel&gt; &lt;https://evil|click&gt; &amp; co" in quote["text"]["text"]


def test_slack_shows_the_same_facts_as_the_email():
    fields = next(b for b in slack.blocks(_notice()) if "fields" in b)["fields"]
    text = "\n".join(f["text"] for f in fields)
    assert "*Author*\n@angrycustomer (84k followers, verified)" in text
    assert "*Priority*\ncritical" in text and "*Intents*\nlegal, billing" in text


def test_teams_message_is_an_adaptive_card_with_facts_and_open_url():
    message = teams.message(_notice())
    assert message["type"] == "message"
    (attachment,) = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] in ("1.4", "1.5")
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    kinds = [element["type"] for element in card["body"]]
    assert kinds[0] == "TextBlock" and "FactSet" in kinds
    facts = next(e for e in card["body"] if e["type"] == "FactSet")["facts"]
    assert {"title": "Author", "value": "@angrycustomer (84k followers, verified)"} in facts
    assert all(set(f) == {"title", "value"} for f in facts)
    assert card["actions"] == [
        {"type": "Action.OpenUrl", "title": "Open case", "url": f"{INBOX}#/cases/x:1849"}
    ]
    assert all(e.get("wrap") for e in card["body"] if e["type"] == "TextBlock")


def test_a_notice_without_an_inbox_url_has_no_button():
    notice = from_record(record())
    assert all(b["type"] != "actions" for b in slack.blocks(notice))
    assert "actions" not in teams.card(notice)


def test_https_body_is_signed_and_a_receiver_can_verify_it():
    body = webhook.encode(webhook.payload(_notice()))
    headers = webhook.signed_headers("s3cret", body, now=1_800_000_000)
    assert headers["X-Heard-Signature"].startswith("v1=")
    assert webhook.verify("s3cret", headers, body, now=1_800_000_100)
    assert not webhook.verify("other", headers, body, now=1_800_000_100)
    assert not webhook.verify("s3cret", headers, body + b" ", now=1_800_000_100)
    stale = 1_800_000_000 + webhook.TOLERANCE_S + 1
    assert not webhook.verify("s3cret", headers, body, now=stale)
    data = json.loads(body)
    assert data["kind"] == "mention" and data["case_url"].endswith("#/cases/x:1849")


def test_an_escalation_notice_carries_its_deadline():
    due = datetime(2026, 11, 22, 9, 45, tzinfo=UTC)
    sla = SlaNotice("breach", "first_response", due, level=1, route="manager")
    notice = from_record(record(), sla=sla, inbox_url=INBOX)
    assert notice.kind == "escalation" and notice.id == "sla:x:1849:first_response:level1"
    assert ("Due", "first response by 2026-11-22 09:45 UTC") in notice.facts
    assert notice.deadline == due and notice.deadline - timedelta(minutes=15) < due
