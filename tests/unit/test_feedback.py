"""The feedback form's pure parts: its configuration, reading a submission, the page and its
Content-Security-Policy."""

from __future__ import annotations

import json
import re

import pytest

from heard.config import ConfigError, parse_config, slugify
from heard.feedback.errors import FeedbackError
from heard.feedback.page import content_security_policy, error_page, form_page, thanks_page
from heard.feedback.ratelimit import address_hash, counter_key
from heard.feedback.service import cross_origin
from heard.feedback.submission import MAX_TEXT_CHARS, read

FORM = "application/x-www-form-urlencoded"


def config(feedback: str, name: str = "Acme", extra: str = "") -> str:
    return f"""
brands:
  - name: "{name}"
    keywords: [acme]
    feedback: {feedback}
{extra}"""


def brand(feedback: str = "{enabled: true}", name: str = "Acme"):
    return parse_config(config(feedback, name)).brands[0]


# --- configuration ------------------------------------------------------------------------------


def test_the_form_is_off_unless_a_brand_opts_in():
    parsed = parse_config("brands: [{name: Acme, keywords: [acme]}]")
    assert parsed.brands[0].feedback.enabled is False
    assert parsed.feedback_brand("acme") is None
    assert parse_config(config("{enabled: true}")).feedback_brand("acme") is not None


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Acme", "acme"),
        ("Acme Café & Co.", "acme-cafe-co"),
        ("  Über--Bank  ", "uber-bank"),
        ("ACME 2", "acme-2"),
    ],
)
def test_the_slug_is_the_name_slugified(name, slug):
    assert slugify(name) == slug
    assert brand(name=name).feedback_slug == slug


def test_an_explicit_slug_wins_and_assets_is_reserved():
    assert brand("{enabled: true, slug: acme-uk}").feedback_slug == "acme-uk"
    with pytest.raises(ConfigError, match="assets"):
        brand("{enabled: true, slug: assets}")
    with pytest.raises(ConfigError, match="slug"):
        brand("{enabled: true, slug: Not A Slug}")


def test_two_forms_on_one_slug_are_refused_with_the_place():
    text = config(
        "{enabled: true}",
        extra='  - {name: "ACME!", keywords: [x], feedback: {enabled: true}}',
    )
    with pytest.raises(ConfigError) as raised:
        parse_config(text)
    assert any("brands[1]" in e and "'acme'" in e for e in raised.value.errors)


def test_a_name_without_letters_needs_a_slug():
    with pytest.raises(ConfigError, match=r"feedback\.slug"):
        brand(name="!!!")
    assert brand("{enabled: true, slug: bang}", name="!!!").feedback_slug == "bang"


@pytest.mark.parametrize(
    "origin",
    [
        "https://shop.acme.example",
        "https://shop.acme.example:8443",
        "HTTPS://Shop.Acme.Example/",
    ],
)
def test_allowed_origins_are_origins(origin):
    found = brand(f"{{enabled: true, allowed_origins: ['{origin}']}}").feedback.allowed_origins
    assert found == [origin.lower().rstrip("/")]


@pytest.mark.parametrize(
    "origin",
    [
        "http://shop.acme.example",
        "https://shop.acme.example/feedback",
        "https://shop.acme.example?x=1",
        "https://user@shop.acme.example",
        "https://*.acme.example",
        "https://shop.acme.example:99999",
        "shop.acme.example",
    ],
)
def test_anything_but_an_https_origin_is_refused(origin):
    with pytest.raises(ConfigError, match="allowed_origins"):
        brand(f"{{enabled: true, allowed_origins: ['{origin}']}}")


def test_captcha_names_a_provider_a_site_key_and_a_secret_key():
    found = brand(
        "{enabled: true, captcha: {provider: hcaptcha, site_key: 10000000-ffff, secret: acme_h}}"
    ).feedback.captcha
    assert found is not None and found.provider == "hcaptcha"
    with pytest.raises(ConfigError, match="provider"):
        brand("{enabled: true, captcha: {provider: recaptcha, site_key: k, secret: s}}")
    with pytest.raises(ConfigError, match="secret"):
        brand("{enabled: true, captcha: {provider: turnstile, site_key: k}}")
    with pytest.raises(ConfigError, match="max_per_hour"):
        brand("{enabled: true, max_per_hour: 0}")
    with pytest.raises(ConfigError, match="colour"):
        brand("{enabled: true, colour: red}")


# --- reading a submission -----------------------------------------------------------------------


def test_a_form_and_json_read_alike():
    from_form = read(b"text=Too+slow&email=jo%40example.com&rating=4", FORM)
    from_json = read(
        json.dumps({"text": "Too slow", "email": "jo@example.com", "rating": 4}).encode(),
        "application/json; charset=utf-8",
    )
    assert from_form == from_json
    assert (from_form.text, from_form.email, from_form.rating) == ("Too slow", "jo@example.com", 4)


def test_the_widgets_token_fields_are_read():
    assert read(b"text=a&cf-turnstile-response=t1", FORM).captcha_token == "t1"
    assert read(b"text=a&h-captcha-response=t2&g-recaptcha-response=t2", FORM).captcha_token == "t2"


def test_controls_are_dropped_and_newlines_kept():
    assert read(b"text=line+1%0D%0Aline+2%00%07", FORM).text == "line 1\nline 2"


@pytest.mark.parametrize(
    ("body", "kind", "status", "field"),
    [
        (b"text=", FORM, 400, "text"),
        (b"text=%00%01", FORM, 400, "text"),
        (("text=" + "x" * (MAX_TEXT_CHARS + 1)).encode(), FORM, 413, "text"),
        (b"text=hi&email=a%40b", FORM, 400, "email"),
        (b"text=hi&rating=five", FORM, 400, "rating"),
        (b'{"text": "hi", "rating": true}', "application/json", 400, "rating"),
        (b'{"text": "hi", "rating": 4.5}', "application/json", 400, "rating"),
        (b'{"text": 5}', "application/json", 400, "text"),
        (b"text=%FF", FORM, 400, None),
        (b"\xff", FORM, 400, None),
        (b"text=hi", "multipart/form-data; boundary=x", 415, None),
        (b"text=hi", None, 415, None),
        (b"x" * (64 * 1024 + 1), FORM, 413, None),
    ],
)
def test_each_bad_submission_names_its_problem(body, kind, status, field):
    with pytest.raises(FeedbackError) as raised:
        read(body, kind)
    assert (raised.value.status, raised.value.field) == (status, field)
    assert raised.value.message


def test_a_filled_honeypot_skips_every_other_check():
    assert read(b"website=x&text=", FORM).honeypot is True
    assert read(b'{"website": "http://spam"}', "application/json").honeypot is True


def test_the_text_limit_is_in_characters_not_bytes():
    text = "é" * MAX_TEXT_CHARS
    assert read(json.dumps({"text": text}).encode(), "application/json").text == text


def test_a_submission_becomes_a_feedback_mention_for_its_brand():
    sent = read(b"text=Broken&email=jo%40example.com&rating=1", FORM)
    message = sent.message("Acme", "0000")
    assert message.brand == "Acme"
    assert message.mention.key == "generic:feedback-form:0000"
    assert message.mention.author.handle == "jo@example.com"
    anonymous = read(b"text=Broken", FORM).message("Acme", "1111").mention.author
    assert (anonymous.handle, anonymous.id) == ("anonymous", "feedback-form:1111")


# --- origins ------------------------------------------------------------------------------------


def test_origins_the_page_own_allowed_and_others():
    acme = brand("{enabled: true, allowed_origins: ['https://shop.acme.example']}")
    host = "abc.execute-api.eu-west-1.amazonaws.com"
    assert cross_origin(acme, None, host) is None
    assert cross_origin(acme, "null", host) is None  # the page's own (no-referrer)
    assert cross_origin(acme, f"https://{host}", host) is None
    assert cross_origin(acme, "https://shop.acme.example", host) == "https://shop.acme.example"
    with pytest.raises(FeedbackError) as raised:
        cross_origin(acme, "https://evil.example", host)
    assert raised.value.status == 403


# --- the page -----------------------------------------------------------------------------------


def test_the_policy_without_embedding_or_captcha():
    assert content_security_policy(brand()) == (
        "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; "
        "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


def test_the_policy_lets_allowed_origins_frame_and_the_captcha_load():
    acme = brand(
        "{enabled: true, allowed_origins: ['https://a.example', 'https://b.example:8443'],"
        " captcha: {provider: turnstile, site_key: k, secret: s}}"
    )
    policy = content_security_policy(acme)
    assert "frame-ancestors https://a.example https://b.example:8443" in policy
    assert "script-src 'self' https://challenges.cloudflare.com" in policy
    assert "frame-src https://challenges.cloudflare.com" in policy
    assert "'unsafe-inline'" not in policy


def test_a_brand_name_and_echoed_values_are_escaped():
    evil = brand(
        '{enabled: true, slug: evil, title: "<b>hi</b>", intro: "a & b"}',
        name="<script>alert(1)</script>",
    )
    pages = [
        form_page(evil, error="<img src=x>", text="</textarea><script>x</script>", email='"><x'),
        thanks_page(evil),
        error_page(429, "<i>slow down</i>", evil),
    ]
    for page in pages:
        assert "<script>alert" not in page and "<img" not in page and "<i>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;/textarea&gt;&lt;script&gt;x&lt;/script&gt;" in pages[0]
    assert 'value="&quot;&gt;&lt;x"' in pages[0]
    assert "&lt;b&gt;hi&lt;/b&gt;" in pages[0] and "a &amp; b" in pages[0]


def test_the_page_has_no_inline_script_or_style():
    page = form_page(
        brand("{enabled: true, captcha: {provider: hcaptcha, site_key: k, secret: s}}")
    )
    assert "<script>" not in page and "style=" not in page
    assert not re.search(r"\son\w+=", page)  # no event handler attributes
    assert '<script src="assets/feedback.js" defer></script>' in page
    assert '<script src="https://js.hcaptcha.com/1/api.js" async defer></script>' in page
    assert 'name="website"' in page and 'tabindex="-1"' in page


# --- the rate limit key -------------------------------------------------------------------------


def test_the_counter_key_holds_a_keyed_hash_not_the_address():
    from datetime import UTC, datetime

    now = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
    key = counter_key("acme", "203.0.113.7", "k1", now)
    assert key == f"feedback-rate#acme#{address_hash('203.0.113.7', 'k1')}#2026113023"
    assert "203.0.113.7" not in key
    assert address_hash("203.0.113.7", "k1") != address_hash("203.0.113.7", "k2")
