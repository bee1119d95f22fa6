"""A polled mention is a case like any other: the inbox lists it and opens it by its key, even
one made from a URI (Mastodon's status URI, Bluesky's at:// URI: keyed path-safe, with no "/"),
and a reply there is refused saying to answer on the platform."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from heard_local.fakes.bluesky import FakeBluesky
from heard_local.fakes.mastodon import FakeMastodon

AUTH = {"authorization": "Bearer local-api-token"}


@pytest.mark.parametrize(
    ("source", "fake_class"), [("mastodon", FakeMastodon), ("bluesky", FakeBluesky)]
)
def test_a_polled_case_with_a_uri_key_opens_in_the_inbox_and_refuses_a_reply(
    poll, call_api, source, fake_class
):
    with fake_class() as fake:
        fake.seed_demo()
        report = poll.run(source, fake.base_url)
    assert report.queued > 0 and report.stopped == "done"
    poll.deliver()
    key = poll.stored(source)[0]
    # From a URI, yet path-safe: API Gateway decodes the path before routing, so a "/"
    # (even as %2F) would split the segment and never reach the case's route.
    assert key.startswith(f"{source}:") and "/" not in key
    assert re.fullmatch(r"[A-Za-z0-9._:@~+=,!*'()$-]{1,256}", key.split(":", 1)[1])

    listing = call_api("GET", f"/mentions?platform={source}", headers=AUTH)
    assert listing.status == 200
    assert key in {c["id"] for c in json.loads(listing.body)["items"]}

    path = f"/mentions/{quote(key, safe='')}"
    case = call_api("GET", path, headers=AUTH)
    assert case.status == 200 and json.loads(case.body)["id"] == key

    reply = call_api(
        "POST",
        f"{path}/replies",
        json.dumps({"text": "Sorry to hear this", "visibility": "public"}).encode(),
        {**AUTH, "idempotency-key": "k1", "content-type": "application/json"},
    )
    assert reply.status == 422
    assert "by polling and cannot reply there" in json.loads(reply.body)["message"]
