"""``heard alerts examples``: one message of each kind for each channel, from fixed example data.

Kinds: a mention, an SLA escalation, a crisis, the crisis's end, a storm-control summary, a
digest and an operational alert. Channels: email (subject and body, as SNS sends them), SMS
(one GSM-7 line), Slack (the Block Kit JSON the notifier posts), Teams (the Adaptive Card
message) and HTTPS (the signed JSON POST: its headers and body). Each is rendered by the code
that renders the real thing; where a kind never goes to a channel, that is said instead (a
digest has no SMS; operational alerts go to the ops topic, whose subscribers read email).

``--kind`` and ``--channel`` pick one; ``--json`` prints them all as one JSON object
(``{kind: {channel: {...}}}``, ``null`` where a kind never goes) for scripts and tests.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from heard.alerts import slack, teams, webhook
from heard.alerts.channels import Alert, notice_request, sns_request
from heard.alerts.notice import Notice, from_record
from heard.alerts.render import SlaNotice
from heard.alerts.storm import Decision, Held, Summary, Window
from heard.config import Brand, parse_config
from heard.digest import render as digest_render
from heard.digest.compute import Digest
from heard.digest.periods import Cadence, Period
from heard.models import (
    Author,
    Intent,
    Mention,
    MentionRecord,
    Platform,
    Priority,
    Sentiment,
    Triage,
)
from heard.spikes.report import CrisisEnd, CrisisReport, Sample

KINDS = ("mention", "escalation", "crisis", "crisis end", "summary", "digest", "operational")
CHANNELS = ("email", "sms", "slack", "teams", "https")
INBOX = "https://heard.example.com/app/"
SIGNING_KEY = "example-signing-key"  # the HTTPS example's signing secret
NOW = datetime(2026, 11, 23, 9, 31, tzinfo=UTC)
NOT_SENT = {
    ("digest", "sms"): "a digest has no SMS: the SMS subscription filters on severity",
    **{
        ("operational", channel): "operational alerts go to the ops topic (email) only"
        for channel in ("sms", "slack", "teams", "https")
    },
}

_BRAND = """
brands:
  - name: Acme
    keywords: [acme]
    handles: {x: ["@acme"]}
    alerts:
      channels:
        care-slack: {type: slack, secret: slack_care_webhook}
        crisis-teams: {type: teams, secret: teams_crisis_webhook}
        legal-hook: {type: https, secret: legal_url, signing_secret: legal_key}
        email: {type: email}
        sms: {type: sms}
      routes:
        - {channels: [care-slack, crisis-teams, legal-hook, email, sms]}
"""


def example_brand() -> Brand:
    brand = parse_config(_BRAND).brand("Acme")
    assert brand is not None
    return brand


def example_record() -> MentionRecord:
    created = NOW - timedelta(minutes=1)
    mention = Mention(
        platform=Platform.X,
        native_id="1861234567890123456",
        text="@acme charged twice for my order and support won't answer. My lawyer will hear "
        "about this — call me on +44 7700 900123",
        author=Author(id="44196397", handle="dana_reviews", followers=84_213, verified=True),
        url="https://x.com/dana_reviews/status/1861234567890123456",
        created_at=created,
    )
    triage = Triage(
        sentiment=Sentiment.NEGATIVE,
        sentiment_score=-0.86,
        complaint=True,
        complaint_probability=0.97,
        intents=[Intent.LEGAL, Intent.BILLING],
        priority=Priority.CRITICAL,
        reasons=["legal threat: 'my lawyer'", "84k followers", "verified author"],
        lang="en",
    )
    return MentionRecord(
        id=mention.key, brand="Acme", mention=mention, triage=triage, received_at=created
    )


def example_report() -> CrisisReport:
    return CrisisReport(
        crisis_id="acme-2026-11-23T09:20Z",
        brand="Acme",
        at=datetime(2026, 11, 23, 9, 25, tzinfo=UTC),
        window_minutes=30,
        mentions=2841,
        usual_mentions=62.0,
        negative_share=0.91,
        usual_negative_share=0.12,
        triggers=[
            {"kind": "negative_share", "score": 9.4, "value": 0.91, "expected": 0.12},
            {"kind": "volume", "score": 6.1, "value": 1410, "expected": 11.5},
        ],
        top_terms=[["app down", 1203], ["log in", 655], ["refund", 301]],
        top_intents=[["outage", 1990], ["billing", 402]],
        samples=[
            Sample(
                key="x:1861234567890120001",
                who="@techreviewer (1.2M followers, verified)",
                where="X post",
                text="Is @acme down for everyone? App down, site down, no answer",
                followers=1_200_000,
                url="https://x.com/techreviewer/status/1861234567890120001",
            )
        ],
        sampled=1000,
    )


def example_end() -> CrisisEnd:
    return CrisisEnd(
        crisis_id="acme-2026-11-23T09:20Z",
        brand="Acme",
        opened_at=datetime(2026, 11, 23, 9, 25, tzinfo=UTC),
        ended_at=datetime(2026, 11, 23, 11, 40, tzinfo=UTC),
        mentions=6120,
        negative=5402,
        peak=1410,
        collapsed=212,
    )


def example_summary() -> Summary:
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    window = Window("Acme", "care-slack", Decision.CAPPED, start, start + timedelta(hours=1))
    priorities = [Priority.HIGH if n % 4 else Priority.NORMAL for n in range(14)]
    held = [
        Held(
            f"mention:x:18612345678901{n:05d}",
            p,
            "mention",
            f"[{p.value.upper()}] Acme: X post from @customer{n}: app down again, can't log in",
            start + timedelta(minutes=20, seconds=n * 7),
        )
        for n, p in enumerate(priorities)
    ]
    return Summary(window, held)


def example_digest() -> Digest:
    period = Period(
        Cadence.DAILY,
        datetime(2026, 11, 22, 8, 0, tzinfo=UTC),
        datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
        "Europe/London",
    )
    attain = {"met": 3, "missed": 1, "open": 2, "no_target": 0}
    return Digest.model_validate(
        {
            "brand": "Acme",
            "period": period,
            "previous": period.previous(),
            "generated_at": datetime(2026, 11, 23, 8, 5, tzinfo=UTC),
            "volume": {"current": 148, "previous": 121},
            "sentiment": [
                {
                    "sentiment": s,
                    "count": {"current": c, "previous": p},
                    "share": sh,
                    "previous_share": ps,
                }
                for s, c, p, sh, ps in (
                    ("positive", 52, 40, 35.1, 33.1),
                    ("neutral", 41, 39, 27.7, 32.2),
                    ("negative", 55, 42, 37.2, 34.7),
                )
            ],
            "complaints": {"current": 38, "previous": 30},
            "top_complaint_intents": [
                {"name": "billing", "count": 17},
                {"name": "delivery", "count": 12},
            ],
            "top_intents": [{"name": "billing", "count": 21}, {"name": "praise", "count": 19}],
            "praise": {
                "count": 49,
                "terms": [{"name": "fast", "count": 14}, {"name": "friendly", "count": 9}],
                "quotes": [
                    {
                        "id": "x:1861234567890100001",
                        "platform": "x",
                        "author": "@ivy",
                        "followers": 15_000,
                        "text": "Acme support was fast and friendly, fixed my billing in minutes",
                        "url": "https://x.com/ivy/status/1861234567890100001",
                    }
                ],
            },
            "top_authors": [
                {"author": "@techreviewer", "platform": "x", "followers": 1_200_000, "mentions": 2},
                {"author": "@dana_reviews", "platform": "x", "followers": 84_213, "mentions": 3},
            ],
            "cases": {
                "open": 23,
                "overdue": 2,
                "by_status": {"new": 11, "acknowledged": 5, "replied": 7},
                "overdue_by_priority": {"critical": 1, "high": 1},
            },
            "first_response": {"count": 31, "p50": 1260.0, "p90": 5400.0},
            "previous_first_response": {"count": 27, "p50": 1500.0, "p90": 6000.0},
            "sla": [
                {"priority": "critical", "first_response": attain, "resolution": attain},
                {"priority": "overall", "first_response": attain, "resolution": attain},
            ],
            "spikes": [],
            "records_read": 148,
        }
    )


def _https(notice: Notice) -> dict[str, Any]:
    body = webhook.encode(webhook.payload(notice))
    headers = webhook.signed_headers(SIGNING_KEY, body, now=NOW.timestamp())
    return {"headers": headers, "body": json.loads(body)}


def _chat(notice: Notice) -> dict[str, Callable[[], Any]]:
    return {
        "slack": lambda: slack.message(notice),
        "teams": lambda: teams.message(notice),
        "https": lambda: _https(notice),
    }


def _sns(request: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    message = json.loads(request["Message"])
    return {
        "email": lambda: {"subject": request["Subject"], "body": message["email"]},
        "sms": lambda: message["sms"],
    }


def renderers() -> dict[str, dict[str, Callable[[], Any]]]:
    """``{kind: {channel: render}}``; a pair a kind never goes to is absent."""
    brand, record = example_brand(), example_record()
    notice = from_record(record, brand, inbox_url=INBOX, now=NOW)
    sla = SlaNotice("breach", "first_response", NOW - timedelta(minutes=16), level=0, route="team")
    escalation = from_record(record, brand, sla, inbox_url=INBOX, now=NOW)
    report, end = example_report(), example_end()
    summary = example_summary().notice()
    digest = example_digest()
    return {
        "mention": {
            **_sns(sns_request(Alert(record, brand), notice=notice, channels=["email", "sms"])),
            **_chat(notice),
        },
        "escalation": {
            **_sns(
                sns_request(Alert(record, brand, sla), notice=escalation, channels=["email", "sms"])
            ),
            **_chat(escalation),
        },
        "crisis": {
            "email": lambda: {"subject": report.subject(), "body": report.text()},
            "sms": report.sms,
            **_chat(report.notice()),
        },
        "crisis end": {
            "email": lambda: {"subject": end.subject(), "body": end.text()},
            "sms": end.sms,
            **_chat(end.notice()),
        },
        "summary": {**_sns(notice_request(summary, ["email", "sms"])), **_chat(summary)},
        "digest": {
            "email": lambda: {
                "subject": digest_render.subject(digest),
                "body": digest_render.text(digest),
            },
            **_chat(digest_render.notice(digest)),
        },
        "operational": {
            "email": lambda: {
                "subject": "Heard: alerts to care-slack (Acme) keep failing",
                "body": "5 deliveries in a row to care-slack (Acme) failed; the last: HTTP 404: "
                "no_service. Check the channel's URL or token in AlertsSecret and the brand "
                "config.",
            }
        },
    }


def examples(kinds: tuple[str, ...] = KINDS, channels: tuple[str, ...] = CHANNELS) -> dict:
    table = renderers()
    return {
        kind: {c: (table[kind][c]() if c in table[kind] else None) for c in channels}
        for kind in kinds
    }


def _text(kind: str, channel: str, value: Any) -> str:
    head = f"=== {kind} / {channel} ==="
    if value is None:
        return f"{head}\n(not sent: {NOT_SENT[(kind, channel)]})"
    if channel == "email":
        return f"{head}\nSubject: {value['subject']}\n\n{value['body'].rstrip()}"
    if channel == "sms":
        return f"{head}\n{value}"
    if channel == "https":
        headers = "\n".join(f"{k}: {v}" for k, v in value["headers"].items())
        return f"{head}\n{headers}\n\n{json.dumps(value['body'], indent=2, ensure_ascii=False)}"
    return f"{head}\n{json.dumps(value, indent=2, ensure_ascii=False)}"


def run(args: argparse.Namespace) -> int:
    kinds = (args.kind,) if args.kind else KINDS
    channels = (args.channel,) if args.channel else CHANNELS
    found = examples(kinds, channels)
    if args.json:
        print(json.dumps(found, indent=2, ensure_ascii=False))
        return 0
    print(
        "\n\n".join(
            _text(kind, channel, value)
            for kind, by_channel in found.items()
            for channel, value in by_channel.items()
        )
    )
    return 0


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("alerts", help="alert messages")
    alerts_commands = parser.add_subparsers(dest="alerts_command", required=True)
    shown = alerts_commands.add_parser(
        "examples", help="one message of each kind for each channel, from fixed example data"
    )
    shown.add_argument("--kind", choices=KINDS, help="one kind only")
    shown.add_argument("--channel", choices=CHANNELS, help="one channel only")
    shown.add_argument("--json", action="store_true", help="all of them as one JSON object")
    shown.set_defaults(func=run)


__all__ = ["CHANNELS", "KINDS", "NOT_SENT", "add_parser", "examples", "run"]
