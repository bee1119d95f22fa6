"""The form's static files, shipped in the package (``heard/feedback/assets/``); only these
names are served."""

from __future__ import annotations

from functools import cache
from importlib import resources

ASSETS = {
    "feedback.css": "text/css; charset=utf-8",
    "feedback.js": "text/javascript; charset=utf-8",
    "embed.js": "text/javascript; charset=utf-8",
}


@cache
def asset(name: str) -> tuple[str, str] | None:
    """``(content type, text)`` of an asset, or None for a name not in ``ASSETS``."""
    kind = ASSETS.get(name)
    if kind is None:
        return None
    text = resources.files("heard.feedback").joinpath("assets", name).read_text("utf-8")
    return kind, text
