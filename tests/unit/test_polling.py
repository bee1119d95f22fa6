"""The polling mechanics' pure parts: Retry-After, rate-limit headers, backoff, exclusions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from heard.config import parse_config
from heard.ingest.polling import (
    MAX_BACKOFF,
    RateLimit,
    backoff_for,
    excluded,
)
from heard.ingest.runs import BadRun, PollRun
from heard.platforms._reply import retry_after

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_retry_after_in_seconds_or_as_an_http_date():
    def parse(value: str | None) -> float | None:
        return retry_after(httpx.Headers({"retry-after": value} if value else {}), NOW)

    assert parse("120") == 120
    assert parse("Mon, 30 Nov 2026 12:05:00 GMT") == 300
    assert parse("Mon, 30 Nov 2026 11:00:00 GMT") == 0
    assert parse("soon") is None
    assert parse(None) is None


@pytest.mark.parametrize(
    ("headers", "remaining", "reset"),
    [
        # Reddit: seconds until the window resets
        (
            {"x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "42"},
            0.0,
            NOW + timedelta(seconds=42),
        ),
        # X: an epoch
        (
            {
                "x-rate-limit-remaining": "3",
                "x-rate-limit-reset": str(int((NOW + timedelta(minutes=15)).timestamp())),
            },
            3.0,
            NOW + timedelta(minutes=15),
        ),
        # Mastodon: an ISO 8601 time
        (
            {"x-ratelimit-remaining": "299", "x-ratelimit-reset": "2026-11-30T12:05:00.000Z"},
            299.0,
            NOW + timedelta(minutes=5),
        ),
        # Bluesky: the IETF draft's names
        (
            {
                "ratelimit-remaining": "0",
                "ratelimit-reset": str(int((NOW + timedelta(minutes=1)).timestamp())),
            },
            0.0,
            NOW + timedelta(minutes=1),
        ),
        ({}, None, None),
    ],
)
def test_rate_limit_headers_of_each_platform(headers, remaining, reset):
    limit = RateLimit.read(httpx.Headers(headers), NOW)
    assert limit.remaining == remaining
    assert limit.reset_at == reset


def test_backoff_honours_retry_after_else_doubles_up_to_an_hour():
    assert backoff_for(5, timedelta(seconds=30)) == timedelta(seconds=30)
    assert [backoff_for(n, None) for n in (1, 2, 3)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]
    assert backoff_for(30, None) == MAX_BACKOFF


def test_exclusions_match_whole_terms_case_insensitively():
    brand = parse_config(
        "brands:\n  - name: Acme\n    keywords: [acme]\n    exclusions: [acme acres]\n"
    ).brands[0]
    assert excluded(brand, "Lovely day at ACME Acres")
    assert not excluded(brand, "Acme acresome is not a word")
    assert not excluded(brand, "Acme lost my order")


def test_a_poll_run_message_is_checked():
    assert PollRun.from_json('{"source": "reddit", "brand": "Acme"}') == PollRun("reddit", "Acme")
    for body in ("[]", "{", '{"source": "myspace", "brand": "Acme"}', '{"source": "reddit"}'):
        with pytest.raises(BadRun):
            PollRun.from_json(body)
