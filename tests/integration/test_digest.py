"""Digests against a stack from template.yaml: the real store's reads give the seeded figures,
one digest per period under overlapping runs, SNS with kind=digest, SES with a sender, and
``heard digest`` over the store."""

from __future__ import annotations

import json
import threading

import boto3
import pytest
from fakes.digest import CONFIG, NOW, config, records
from fakes.store import FakeMentionStore
from heard_cli import main

from heard.digest import Cadence, compute, latest, render
from heard.digest.run import AwsChannels, DigestClaims, run_digests
from heard.store import MentionStore, MentionTable

SES_CONFIG = """\
      email_from: digest@acme.example
      email_to: [lead@acme.example]
"""


@pytest.fixture
def store(stack):
    resource = boto3.resource("dynamodb", endpoint_url=stack.endpoint_url, region_name=stack.region)
    seeded = MentionStore(MentionTable(resource.Table(stack.table_name("MentionsTable"))))
    for record in records():
        assert seeded.put_new(record)
    return seeded


@pytest.fixture
def claims(stack):
    return DigestClaims(stack.client("dynamodb"), stack.table_name("IdempotencyTable"))


def expected():
    brand = config().brands[0]
    period = latest(brand.digest, Cadence.DAILY, NOW)
    return compute(FakeMentionStore(records()), brand, period, now=NOW)


def test_the_stores_reads_give_the_seeded_figures(store):
    brand = config().brands[0]
    digest = compute(store, brand, latest(brand.digest, Cadence.DAILY, NOW), now=NOW)
    assert digest.volume.current == 10 and digest.cases.overdue == 2
    assert digest.model_dump(mode="json") == expected().model_dump(mode="json")


def test_two_overlapping_runs_send_one_digest_by_sns_with_kind_digest(
    stack, store, claims, capture_topic
):
    digests = capture_topic("AlertsTopic", filter_policy={"kind": ["digest"]})
    channels = AwsChannels(stack.client("sns"), stack.topic_arn("AlertsTopic"))
    start = threading.Barrier(2)
    results: list[list] = []

    def tick() -> None:
        start.wait()
        results.append(run_digests(config(), store, claims, channels, now=NOW))

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = [s for run in results for s in run]
    assert [(s.brand, s.period, s.via) for s in sent] == [
        ("Acme", "daily#2026-11-23T08:00Z", "sns")
    ]
    # A retried tick later in the grace finds the claim sent, too.
    assert run_digests(config(), store, claims, channels, now=NOW.replace(hour=9)) == []
    delivered = digests.drain(quiet_s=1.5)
    assert len(delivered) == 1
    message = delivered[0]
    assert message.attributes["kind"] == "digest" and message.attributes["brand"] == "Acme"
    assert message.subject == "Heard: Acme daily digest, Mon 23 Nov"
    assert message.message == render.text(expected())


def test_with_a_sender_the_html_digest_goes_by_ses(stack, store, claims, capture_topic):
    ses = stack.client("ses")
    ses.verify_email_identity(EmailAddress="digest@acme.example")
    digests = capture_topic("AlertsTopic", filter_policy={"kind": ["digest"]})
    channels = AwsChannels(stack.client("sns"), stack.topic_arn("AlertsTopic"), ses)
    before = ses.get_send_quota()["SentLast24Hours"]
    sent = run_digests(config(SES_CONFIG), store, claims, channels, now=NOW)
    assert [s.via for s in sent] == ["ses"]
    assert ses.get_send_quota()["SentLast24Hours"] == before + 1
    assert digests.drain(quiet_s=1.0) == []


def test_an_unverified_sender_falls_back_to_the_topic(stack, store, claims, capture_topic):
    digests = capture_topic("AlertsTopic", filter_policy={"kind": ["digest"]})
    channels = AwsChannels(stack.client("sns"), stack.topic_arn("AlertsTopic"), stack.client("ses"))
    # Never verified in this moto server (SES identities outlive a test's stack).
    unverified = SES_CONFIG.replace("digest@acme.example", "nobody@unverified.example")
    sent = run_digests(config(unverified), store, claims, channels, now=NOW)
    assert [s.via for s in sent] == ["sns (ses refused)"]
    assert len(digests.wait_for(1, timeout_s=10)) == 1


def test_the_function_sends_what_is_due_once(
    stack, store, load, lambda_context, capture_topic, tmp_path, monkeypatch
):
    path = tmp_path / "brands.yaml"
    path.write_text(CONFIG)
    monkeypatch.setenv("HEARD_CONFIG", str(path))
    digests = capture_topic("AlertsTopic", filter_policy={"kind": ["digest"]})
    handler = load("DigestFunction")
    import heard.digest.run

    monkeypatch.setattr(heard.digest.run, "utcnow", lambda: NOW)
    event = {"source": "aws.scheduler"}
    first = handler(event, lambda_context("DigestFunction"))
    second = handler(event, lambda_context("DigestFunction"))
    # The function runs on the local environment's brand config, the demo's, whose routes send
    # digests to two chat channels.
    chat = ["care-slack", "crisis-teams"]
    assert first == {
        "sent": [{"brand": "Acme", "period": "daily#2026-11-23T08:00Z", "via": "sns", "chat": chat}]
    }
    assert second == {"sent": []}
    assert len(digests.drain(quiet_s=1.5)) == 1


def test_heard_digest_prints_the_digest_from_the_local_stack(
    stack, store, tmp_path, monkeypatch, capsys
):
    (tmp_path / "local.json").write_text(
        json.dumps(
            {
                "aws_endpoint_url": stack.endpoint_url,
                "region": stack.region,
                "tables": {"MentionsTable": stack.table_name("MentionsTable")},
            }
        )
    )
    monkeypatch.setenv("HEARD_STATE_DIR", str(tmp_path))
    path = tmp_path / "brands.yaml"
    path.write_text(CONFIG)
    args = ["digest", "--brand", "acme", "--at", "2026-11-23T08:05:00Z", "--config", str(path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    digest = expected()
    assert out == f"{render.subject(digest)}\n\n{render.text(digest)}"
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["volume"] == {"current": 10, "previous": 4}
    assert main(["digest", "--brand", "nobody", "--config", str(path)]) == 2
