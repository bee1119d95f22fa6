"""The fakes of the scheduled sources, by source name, for the local stack and the tests.

Each is a ``FakeApi`` subclass taking ``(host, port=0, on_reply=None)``, with a ``base_url``
property (the source's ``base_url`` pointing at it: what the local stack puts in
``HEARD_POLL_URLS``) and ``seed_demo()``, which adds a few posts about the demo brand, Acme.
"""

from __future__ import annotations

import importlib
from typing import Any

FAKES = {
    "hackernews": "heard_local.fakes.hackernews:FakeHackerNews",
    "reddit": "heard_local.fakes.reddit:FakeReddit",
    "bluesky": "heard_local.fakes.bluesky:FakeBluesky",
    "mastodon": "heard_local.fakes.mastodon:FakeMastodon",
    "rss": "heard_local.fakes.feeds:FakeFeeds",
    "youtube": "heard_local.fakes.youtube:FakeYouTube",
    # X recent search is served by the X fake that also takes replies (heard_local.fakes.x).
}


def fake_class(source: str) -> Any:
    module, _, name = FAKES[source].partition(":")
    return getattr(importlib.import_module(module), name)


__all__ = ["FAKES", "fake_class"]
