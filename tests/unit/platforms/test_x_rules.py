"""Filtered Stream rules: built from the brand config, synced against the fake X API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from heard_cli import main
from heard_local.fakes import FakeXApi

from heard.config import parse_config
from heard.platforms.x import rules
from heard.platforms.x.rules import Rule

CONFIG = """
brands:
  - name: Acme
    handles: {x: ["@Acme", "@acme_help"], facebook: ["acmepage"]}
    hashtags: ["#acmefail"]
    keywords: ["acme", "road runner", 'the "real" acme']
    exclusions: ["acme acres", "wile e. coyote"]
    platforms: [x, generic]
  - name: Globex
    keywords: ["globex"]
    platforms: [facebook]
  - name: Initech
    account_ids: {x: ["3000000001"]}
"""


@pytest.fixture
def config():
    return parse_config(CONFIG)


# --- building ---------------------------------------------------------------------------------


def test_a_brand_becomes_one_tagged_rule_with_every_term(config):
    [rule] = rules.build_rules(config.brand("Acme"))
    assert rule.tag == "heard:Acme"
    assert rule.value == (
        '(@acme OR @acme_help OR #acmefail OR "acme" OR "road runner" OR "the \\"real\\" acme") '
        '-"acme acres" -"wile e. coyote" -is:retweet'
    )


def test_only_brands_listening_on_x_with_terms_get_rules(config):
    assert rules.build_rules(config.brand("Globex")) == []  # not on X
    assert rules.build_rules(config.brand("Initech")) == []  # an account id only
    assert [r.tag for r in rules.build_all(config)] == ["heard:Acme"]


def test_a_single_term_needs_no_parentheses():
    config = parse_config("brands: [{name: Solo, handles: {x: ['@solo']}}]")
    assert rules.build_rules(config.brands[0]) == [Rule("@solo -is:retweet", "heard:Solo")]


def test_terms_are_split_across_rules_within_the_length_limit():
    keywords = [f"product line {i:03d}" for i in range(120)]
    config = parse_config(
        "brands:\n  - name: Big\n    keywords: [" + ", ".join(f'"{k}"' for k in keywords) + "]\n"
        '    exclusions: ["big deal"]\n'
    )
    built = rules.build_rules(config.brands[0], max_length=300)
    assert len(built) > 1
    assert all(len(rule.value) <= 300 for rule in built)
    assert all(rule.tag == "heard:Big" for rule in built)
    assert all(rule.value.endswith(' -"big deal" -is:retweet') for rule in built)
    # every keyword lands in exactly one rule, in order
    found = [k for rule in built for k in keywords if f'"{k}"' in rule.value]
    assert found == keywords
    assert all(len(r.value) <= rules.MAX_RULE_LENGTH for r in rules.build_rules(config.brands[0]))


def test_a_term_that_cannot_fit_is_an_error_naming_the_brand():
    config = parse_config("brands: [{name: Long, keywords: ['" + "x" * 80 + "']}]")
    with pytest.raises(rules.RuleError, match="Long"):
        rules.build_rules(config.brands[0], max_length=60)


def test_quoting_escapes_quotes_and_backslashes():
    assert rules.quote('say "hi"\\') == '"say \\"hi\\"\\\\"'


# --- syncing against the fake X API ------------------------------------------------------------


@pytest.fixture
def x_api() -> Iterator[FakeXApi]:
    with FakeXApi() as fake:
        yield fake


def values(fake: FakeXApi) -> set[tuple[str, str | None]]:
    return {(r["value"], r.get("tag")) for r in fake.rules.values()}


def test_apply_adds_missing_rules_and_deletes_only_its_own_stale_ones(x_api, config):
    foreign = x_api.add_rule("kittens has:images", "someone else")
    untagged = x_api.add_rule("acme anvils")
    stale = x_api.add_rule("@acme_old -is:retweet", "heard:Acme")
    wanted = rules.build_all(config)
    with rules.client(x_api.url, "app-token") as client:
        changes = rules.sync(client, wanted, dry_run=False)
    assert changes.add == wanted
    assert [r.id for r in changes.delete] == [stale]
    assert {r.id for r in changes.others} == {foreign, untagged}
    assert values(x_api) == {
        ("kittens has:images", "someone else"),
        ("acme anvils", None),
        (wanted[0].value, "heard:Acme"),
    }
    # a second run has nothing to do
    with rules.client(x_api.url, "app-token") as client:
        again = rules.sync(client, wanted, dry_run=False)
    assert not again.changes
    assert len(again.keep) == 1


def test_dry_run_changes_nothing(x_api, config):
    x_api.add_rule("@acme_old -is:retweet", "heard:Acme")
    before = dict(x_api.rules)
    with rules.client(x_api.url, "app-token") as client:
        changes = rules.sync(client, rules.build_all(config), dry_run=True)
    assert changes.changes
    assert x_api.rules == before
    assert not [r for r in x_api.received() if r.get("method") == "POST"]


def test_x_refusing_a_rule_is_a_sync_error(x_api):
    with (
        rules.client(x_api.url, "app-token") as client,
        pytest.raises(rules.SyncError, match="RuleTooLong"),
    ):
        rules.sync(client, [Rule("x" * 2000, "heard:Acme")], dry_run=False)
    with rules.client(x_api.url, "") as client, pytest.raises(rules.SyncError, match="401"):
        client.headers.pop("authorization")
        rules.sync(client, [], dry_run=True)


def test_cli_apply_and_dry_run_against_the_fake(x_api, tmp_path, monkeypatch, capsys):
    path = tmp_path / "heard.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("HEARD_X_BEARER_TOKEN", "app-token")
    args = ["x", "rules", "--config", str(path), "--api-url", x_api.url]

    assert main([*args, "--dry-run"]) == 0
    assert x_api.rules == {}
    assert "1 would add, 0 would delete" in capsys.readouterr().out

    assert main([*args, "--apply"]) == 0
    assert values(x_api) == {(r.value, r.tag) for r in rules.build_all(parse_config(CONFIG))}
    assert "1 added, 0 deleted" in capsys.readouterr().out


def test_cli_without_a_token_shows_the_rules_and_refuses_to_apply(tmp_path, monkeypatch, capsys):
    path = tmp_path / "heard.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    monkeypatch.delenv("HEARD_X_BEARER_TOKEN", raising=False)
    assert main(["x", "rules", "--config", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "[heard:Acme] (@acme OR" in out and "not compared" in out
    assert main(["x", "rules", "--config", str(path), "--apply"]) == 2
    assert "HEARD_X_BEARER_TOKEN" in capsys.readouterr().err
