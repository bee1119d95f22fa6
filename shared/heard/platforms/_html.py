"""HTML from strangers (Mastodon statuses, Hacker News comments, feed entries) to plain text.

``nh3`` (Rust's ammonia, a maintained sanitiser) first reduces the HTML to paragraphs, line
breaks and links with their ``href``; no script, style or attribute survives it. The result is
then flattened to text: paragraphs and breaks become newlines, every entity is decoded once,
and the links' targets are returned beside the text so a poller can keep one as the mention's
URL. The text is for triage and for the inbox, which shows it as text, never as HTML.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import nh3

_KEEP_TAGS = {"a", "p", "br", "li", "blockquote", "div"}
_BLOCK = re.compile(r"<\s*/?\s*(?:p|li|blockquote|div)\b[^>]*>", re.IGNORECASE)
_BREAK = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
_HREF = re.compile(r"<a\b[^>]*\bhref=\"([^\"]*)\"", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_NEWLINES = re.compile(r"\s*\n\s*")


@dataclass(frozen=True)
class Text:
    text: str
    links: tuple[str, ...]  # http(s) targets of the links, in order, without duplicates


def html_to_text(markup: str | None, *, max_length: int = 20_000) -> Text:
    """Plain text and link targets from untrusted HTML."""
    if not markup:
        return Text("", ())
    safe = nh3.clean(
        markup[: max_length * 4],
        tags=_KEEP_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        link_rel=None,
        strip_comments=True,
    )
    links = tuple(
        dict.fromkeys(
            h
            for h in (html.unescape(m) for m in _HREF.findall(safe))
            if h.lower().startswith(("http://", "https://"))
        )
    )
    text = _BREAK.sub("\n", safe)
    text = _BLOCK.sub("\n", text)
    text = html.unescape(_TAG.sub("", text))
    text = _SPACES.sub(" ", text)
    text = _NEWLINES.sub("\n", text).strip()
    return Text(text[:max_length], links)


__all__ = ["Text", "html_to_text"]
