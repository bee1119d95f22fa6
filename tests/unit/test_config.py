"""Brand configuration: validation that names every error's location, and brand matching."""

import pytest
from heard_cli import main
from heard_local.defaults import DEMO_CONFIG

from heard.config import BrandMatcher, ConfigError, load_config_file, parse_config
from heard.models import Platform, Priority

VALID = """
brands:
  - name: Acme
    handles: {x: ["@Acme"]}
    hashtags: ["#acmefail"]
    keywords: ["acme", "road runner"]
    exclusions: ["acme acres"]
    platforms: [x, generic]
  - name: Globex
    account_ids: {facebook: ["2000000009"]}
    keywords: ["globex"]
    routing: {alert_min_priority: critical}
"""


@pytest.fixture
def matcher():
    return BrandMatcher(parse_config(VALID))


def test_demo_config_is_valid_and_tracks_acme():
    config = load_config_file(DEMO_CONFIG)
    acme = config.brand("acme")
    assert acme is not None
    assert acme.account_ids[Platform.X] == ["1000000001"]
    assert acme.account_ids[Platform.FACEBOOK] == ["2000000001"]
    assert "acme" in acme.keywords


def test_handles_and_hashtags_are_normalised():
    brand = parse_config(VALID).brands[0]
    assert brand.handles[Platform.X] == ["acme"]
    assert brand.hashtags == ["acmefail"]
    assert parse_config(VALID).brands[1].routing.alert_min_priority is Priority.CRITICAL


def test_every_error_is_reported_with_its_location():
    text = """
brands:
  - name: Acme
    keywords: ["acme"]
    routing: {alert_min_priority: urgent}
    platforms: [x, myspace]
  - name: ""
    keywords: []
"""
    with pytest.raises(ConfigError) as info:
        parse_config(text, "brands.yaml")
    errors = info.value.errors
    assert any(e.startswith("brands[0] (Acme).routing.alert_min_priority:") for e in errors)
    assert any(e.startswith("brands[0] (Acme).platforms[1]:") for e in errors)
    assert any(e.startswith("brands[1]") and "name" in e for e in errors)
    assert len(errors) >= 3


def test_unknown_keys_are_refused_not_ignored():
    with pytest.raises(ConfigError) as info:
        parse_config("brands:\n  - name: Acme\n    keywords: [acme]\n    keyword: [typo]\n")
    assert any("brands[0] (Acme).keyword" in e for e in info.value.errors)


def test_a_brand_needs_something_to_match_and_unique_names():
    with pytest.raises(ConfigError, match="at least one of"):
        parse_config("brands:\n  - name: Acme\n")
    with pytest.raises(ConfigError, match="appears twice"):
        parse_config("brands:\n  - {name: A, keywords: [a]}\n  - {name: a, keywords: [b]}\n")


def test_yaml_syntax_errors_name_the_line():
    with pytest.raises(ConfigError) as info:
        parse_config("brands:\n  - name: [unclosed\n", "x.yaml")
    assert "line" in info.value.errors[0]


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("Thanks @acme, all sorted", "@acme"),
        ("THANKS @ACME!", "@ACME"),
        ("so much for #AcmeFail", "#AcmeFail"),
        ("my Acme order is late", "Acme"),
        ("the road runner is fast", "road runner"),
        ("acme.", "acme"),
    ],
)
def test_matching_is_case_insensitive_on_word_boundaries(matcher, text, matched):
    match = matcher.match(text, platform="x")
    assert match is not None and match.brand.name == "Acme" and match.matched == matched


@pytest.mark.parametrize(
    "text",
    [
        "acmeville is lovely",  # not a word boundary
        "@acmecorp is another company",  # another handle
        "#acmefailover",  # another hashtag
        "weekend at Acme Acres",  # an exclusion
    ],
)
def test_matching_refuses_near_misses_and_exclusions(matcher, text):
    assert matcher.match(text, platform="x") is None


def test_account_ids_match_without_text_and_platforms_are_respected(matcher):
    match = matcher.match("hello", platform="facebook", account_id="2000000009")
    assert match is not None and match.brand.name == "Globex"
    assert matcher.match("acme is great", platform="instagram") is None  # Acme not on instagram


def test_cli_validate_reports_errors_and_exit_codes(tmp_path, capsys):
    good = tmp_path / "good.yaml"
    good.write_text(VALID)
    bad = tmp_path / "bad.yaml"
    bad.write_text("brands:\n  - name: Acme\n    keywords: [acme]\n    routing: {channel: 3}\n")
    assert main(["config", "validate", str(good)]) == 0
    assert "OK (2 brand(s): Acme, Globex)" in capsys.readouterr().out
    assert main(["config", "validate", str(good), str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.yaml: 1 error(s)" in err and "brands[0] (Acme).routing.channel" in err
    assert main(["config", "validate", str(tmp_path / "missing.yaml")]) == 1
    assert "cannot read the file" in capsys.readouterr().err


def test_critical_reach_below_high_reach_is_refused_naming_both():
    text = """
brands:
  - name: Acme
    keywords: [acme]
  - name: Globex
    keywords: [globex]
    priority: {high_reach_followers: 50000, critical_reach_followers: 20000}
"""
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert info.value.errors == [
        "brands[1] (Globex).priority: critical_reach_followers (20000) must be at least "
        "high_reach_followers (50000)"
    ]
    # Against the defaults (high 10,000) too; equal thresholds are fine.
    with pytest.raises(ConfigError, match=r"critical_reach_followers \(5000\)"):
        parse_config(
            "brands:\n  - {name: A, keywords: [a], priority: {critical_reach_followers: 5000}}\n"
        )
    equal = (
        "brands:\n  - name: A\n    keywords: [a]\n"
        "    priority: {high_reach_followers: 7, critical_reach_followers: 7}\n"
    )
    assert parse_config(equal).brands[0].priority.critical_reach_followers == 7


def test_models_refuse_thresholds_out_of_order_when_built_directly():
    from pydantic import ValidationError

    from heard.config import PriorityRules

    with pytest.raises(ValidationError, match="must be at least"):
        PriorityRules(high_reach_followers=10, critical_reach_followers=5)


EVERYTHING_WRONG = """
brands:
  - name: Acme
    routing: {alert_min_priority: urgent}
  - name: Globex
    priority: {high_reach_followers: 500, critical_reach_followers: 100}
  - name: Initech
    keywords: [initech]
    platforms: [myspace]
    priority: {high_reach_followers: 9, critical_reach_followers: 1}
  - name: acme
    keywords: [acme]
"""


def test_every_field_and_cross_field_error_is_reported_in_one_run():
    with pytest.raises(ConfigError) as info:
        parse_config(EVERYTHING_WRONG, "brands.yaml")
    errors = info.value.errors
    expected = [
        "brands[0] (Acme).routing.alert_min_priority: ",
        "brands[0] (Acme): a brand needs at least one of",  # despite the field error
        "brands[1] (Globex): a brand needs at least one of",
        "brands[1] (Globex).priority: critical_reach_followers (100) must be at least "
        "high_reach_followers (500)",
        "brands[2] (Initech).platforms[0]: ",
        "brands[2] (Initech).priority: critical_reach_followers (1)",
        "brands[3] (acme).name: brand name 'acme' appears twice (also brands[0])",
    ]
    for start in expected:
        assert sum(e.startswith(start) for e in errors) == 1, (start, errors)
    assert len(errors) == len(expected), errors


def test_cli_validate_lists_every_error(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(EVERYTHING_WRONG)
    assert main(["config", "validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.yaml: 7 error(s)" in err
    assert "brands[1] (Globex).priority: critical_reach_followers (100)" in err
    assert "brands[3] (acme).name: brand name 'acme' appears twice" in err
