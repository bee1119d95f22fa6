"""Native ids that can travel in a URL path: a case is ``/mentions/{platform}:{native_id}``.

API Gateway's HTTP APIs decode the request path before routing, so an id holding ``/`` (a
Mastodon status URI, a Bluesky ``at://`` URI, a feed entry id that is a URL) would never reach
its route, however the client encoded it. Those sources key their mentions with these
functions: the same post always gets the same key (duplicates still collapse), and the key
holds only characters a path segment keeps as they are.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

_SAFE = re.compile(r"^[A-Za-z0-9._:@~+=,!*'()$-]{1,256}$")


def path_safe(key: str) -> str:
    """``key`` itself when a path segment keeps it as it is, else a digest of it."""
    if _SAFE.match(key):
        return key
    return "sha256-" + hashlib.sha256(key.encode()).hexdigest()[:40]


def at_uri_key(uri: str) -> str:
    """A Bluesky post ``at://<did>/app.bsky.feed.post/<rkey>`` as ``<did>:<rkey>``."""
    parts = uri.removeprefix("at://").split("/")
    if len(parts) == 3 and parts[1] == "app.bsky.feed.post" and parts[0] and parts[2]:
        return path_safe(f"{parts[0]}:{parts[2]}")
    return path_safe(uri)


def activitypub_key(uri: str) -> str:
    """An ActivityPub object id (``https://host/users/a/statuses/113…``) as ``host:113…``:
    the last segment of an object's id is unique on its server (Mastodon, Misskey, Pleroma)."""
    split = urlsplit(uri)
    last = split.path.rstrip("/").rsplit("/", 1)[-1]
    if split.scheme in ("http", "https") and split.hostname and last and not split.query:
        host = f"{split.hostname}:{split.port}" if split.port else split.hostname
        return path_safe(f"{host}:{last}")
    return path_safe(uri)


__all__ = ["activitypub_key", "at_uri_key", "path_safe"]
