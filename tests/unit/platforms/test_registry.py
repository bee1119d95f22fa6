"""The platform registry: every platform has one adapter, and each adapter's own signature is
the one its verifier accepts."""

from __future__ import annotations

import importlib
import json

import pytest
from heard_local import defaults
from heard_local.signing import reader

from heard import platforms
from heard.models import Platform
from heard.platforms import SignatureError, WebhookRequest

BODY = json.dumps({"for_user_id": "1", "object": "page", "entry": []}).encode()


def test_every_platform_is_delivered_by_one_adapter_or_heard_by_polling_alone() -> None:
    owners = [p for a in platforms.adapters() for p in a.labels]
    assert len(owners) == len(set(owners))
    assert sorted(owners + list(platforms.POLLED_LABELS)) == sorted(Platform)
    for platform in owners:
        assert platform in platforms.adapter_for(platform).labels
        assert platforms.label(platform)
    for platform in platforms.POLLED_LABELS:
        with pytest.raises(platforms.NoAdapter, match="by polling and cannot reply there"):
            platforms.adapter_for(platform)
        assert platforms.label(platform) == platforms.POLLED_LABELS[platform]


def test_every_source_has_a_poller_whose_secrets_the_local_stack_supplies() -> None:
    from heard.ingest.runs import load_source

    for name in platforms.SOURCES:
        source = load_source(name)
        assert source.name == name
        module = importlib.import_module(platforms.source_module(name))
        for ref in getattr(module, "SECRETS", ()):
            assert defaults.LOCAL_SECRETS[ref.env_var] == ref.local_default


def test_adapter_names_are_the_registry_names_and_unknown_names_are_refused() -> None:
    assert [a.name for a in platforms.adapters()] == list(platforms.PACKAGES)
    with pytest.raises(platforms.UnknownPlatform, match="known: x, meta, generic"):
        platforms.adapter("myspace")


def test_local_secrets_cover_every_adapter_secret() -> None:
    refs = [ref for a in platforms.adapters() for ref in a.secrets]
    assert {ref.env_var for ref in refs} <= set(defaults.LOCAL_SECRETS)
    assert all(ref.local_default for ref in refs)


@pytest.mark.parametrize("name", platforms.PACKAGES)
def test_each_adapter_verifies_what_it_signs_and_refuses_a_changed_body(name: str) -> None:
    adapter = platforms.adapter(name)
    secret = reader(defaults.LOCAL_SECRETS)
    headers = {k.lower(): v for k, v in adapter.sign(BODY, secret).items()}
    adapter.verify(WebhookRequest(BODY, headers), secret)
    with pytest.raises(SignatureError):
        adapter.verify(WebhookRequest(BODY + b" ", headers), secret)
    with pytest.raises(SignatureError):
        adapter.verify(WebhookRequest(BODY, {}), secret)


@pytest.mark.parametrize("name", platforms.PACKAGES)
def test_an_adapter_answers_its_own_challenge_or_says_it_has_none(name: str) -> None:
    adapter = platforms.adapter(name)
    secret = reader(defaults.LOCAL_SECRETS)
    try:
        query = adapter.challenge_query(secret)
    except platforms.NoChallenge:
        with pytest.raises(platforms.NoChallenge):
            adapter.challenge({}, secret)
        return
    answer = adapter.challenge(query, secret)
    assert answer.body
    assert answer.content_type in ("application/json", "text/plain")
