"""A notice as a Microsoft Teams message: an Adaptive Card for a Workflows webhook.

The body is a ``message`` with one attachment of contentType
``application/vnd.microsoft.card.adaptive`` whose ``content`` is an AdaptiveCard (version 1.4:
what Teams renders everywhere): TextBlocks for the title, the headline, the quote, the
reasons and a context line (brand, kind, notice id), a FactSet for the facts and a heading
and a FactSet for each group of them (a digest's tables), and an
``Action.OpenUrl`` "Open case". The "Post card in a chat or channel" step of the Workflow posts
``attachments[0].content``.
"""

from __future__ import annotations

from typing import Any

from heard.alerts.notice import Notice

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.4"
TEXT_LIMIT = 3000
FACTS_LIMIT = 10

_COLOUR = {"critical": "Attention", "high": "Warning"}


def _cut(text: str, limit: int = TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": _cut(text), "wrap": True, **style}


def card(notice: Notice) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        _text(
            notice.title,
            size="Medium",
            weight="Bolder",
            color=_COLOUR.get(notice.priority.value, "Default"),
        )
    ]
    if notice.headline:
        body.append(_text(notice.headline, isSubtle=True, spacing="None"))
    if notice.text is not None:
        body.append(_text(notice.text.strip() or "(no text: known only by id)", separator=True))
    if notice.facts:
        body.append(
            {
                "type": "FactSet",
                "facts": [
                    {"title": label, "value": _cut(value, 500)}
                    for label, value in notice.facts[:FACTS_LIMIT]
                ],
            }
        )
    for heading, rows in notice.sections:
        body.append(_text(heading, weight="Bolder", separator=True))
        body.append(
            {
                "type": "FactSet",
                "facts": [
                    {"title": label, "value": _cut(value, 500)}
                    for label, value in rows[:FACTS_LIMIT]
                ],
            }
        )
    if notice.reasons:
        body.append(_text("Why: " + "; ".join(notice.reasons), isSubtle=True))
    # As Slack's context line: the brand, the kind and the notice id (what a reader quotes).
    body.append(_text(f"{notice.brand} · {notice.kind} · {notice.id}", isSubtle=True, size="Small"))
    content: dict[str, Any] = {
        "$schema": SCHEMA,
        "type": "AdaptiveCard",
        "version": VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if notice.case_url:
        content["actions"] = [
            {"type": "Action.OpenUrl", "title": "Open case", "url": notice.case_url}
        ]
    return content


def message(notice: Notice) -> dict[str, Any]:
    return {
        "type": "message",
        "attachments": [{"contentType": CONTENT_TYPE, "contentUrl": None, "content": card(notice)}],
    }


__all__ = ["CONTENT_TYPE", "VERSION", "card", "message"]
