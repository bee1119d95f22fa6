"""A notice as a Slack message: Block Kit for an incoming webhook or ``chat.postMessage``.

Blocks: a header (plain text, at most 150 characters), the quoted mention (a section, at most
3000 characters), the facts as section fields (at most 10, 2000 characters each), one section
per group of facts (a digest's tables: a bold heading and a line per row), the reasons,
a context line, and an actions block with a url button "Open case". The top-level ``text`` is
the plain fallback notifications and screen readers show. Text from a customer is escaped
(``&``, ``<``, ``>``), so a mention cannot ping ``<!channel>`` or make a link of its own.
"""

from __future__ import annotations

from typing import Any

from heard.alerts.notice import Notice

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
FIELDS_LIMIT = 10
CONTEXT_ELEMENTS_LIMIT = 10
BUTTON_TEXT_LIMIT = 75
URL_LIMIT = 3000
BLOCKS_LIMIT = 50
TEXT_LIMIT = 3000  # the fallback: Slack truncates far later, people read far less

_EMOJI = {"critical": ":rotating_light:", "high": ":warning:"}


def escape(text: str) -> str:
    """Slack's mrkdwn control characters as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _quote(text: str, limit: int) -> str:
    lines = [f">{line}" if line else ">" for line in text.strip().splitlines()] or [">"]
    quoted = "\n".join(lines)
    if len(quoted) <= limit:
        return quoted
    return quoted[: limit - 1].rstrip() + "…"


def blocks(notice: Notice) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _cut(notice.title, HEADER_LIMIT), "emoji": True},
        }
    ]
    if notice.headline:
        out.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _cut(escape(notice.headline), SECTION_LIMIT)},
            }
        )
    if notice.text is not None:
        text = escape(notice.text) if notice.text.strip() else "_(no text: known only by id)_"
        out.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": _quote(text, SECTION_LIMIT)}}
        )
    if notice.facts:
        out.append(
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": _cut(f"*{label}*\n{escape(value)}", FIELD_LIMIT)}
                    for label, value in notice.facts[:FIELDS_LIMIT]
                ],
            }
        )
    for heading, rows in notice.sections:
        lines = [f"*{escape(heading)}*"]
        lines += [f"• *{escape(label)}*: {escape(value)}" for label, value in rows[:FIELDS_LIMIT]]
        out.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _cut("\n".join(lines), SECTION_LIMIT)},
            }
        )
    if notice.reasons:
        why = "*Why:* " + escape("; ".join(notice.reasons))
        out.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": _cut(why, SECTION_LIMIT)}}
        )
    context = [f"{notice.brand} · {notice.kind}", f"`{escape(notice.id)}`"]
    if notice.link and len(notice.link) < URL_LIMIT and "|" not in notice.link:
        context.append(f"<{escape(notice.link)}|on the platform>")
    out.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": c} for c in context[:CONTEXT_ELEMENTS_LIMIT]],
        }
    )
    if notice.case_url and len(notice.case_url) <= URL_LIMIT:
        button: dict[str, Any] = {
            "type": "button",
            "text": {"type": "plain_text", "text": "Open case"},
            "url": notice.case_url,
            "action_id": "open_case",
        }
        if notice.critical:
            button["style"] = "danger"
        out.append({"type": "actions", "elements": [button]})
    return out[:BLOCKS_LIMIT]


def fallback(notice: Notice) -> str:
    """The plain ``text`` of the message: the title, the headline and the quote, escaped."""
    emoji = _EMOJI.get(notice.priority.value, "")
    parts = [f"{emoji} {notice.title}".strip()]
    if notice.headline:
        parts.append(notice.headline)
    if notice.text:
        parts.append(f'"{notice.text.strip()}"')
    return _cut(escape("\n".join(parts)), TEXT_LIMIT)


def message(notice: Notice) -> dict[str, Any]:
    """The JSON body for an incoming webhook; ``chat.postMessage`` takes the same plus
    ``channel`` (the notifier adds it)."""
    return {"text": fallback(notice), "blocks": blocks(notice), "unfurl_links": False}


__all__ = ["BLOCKS_LIMIT", "HEADER_LIMIT", "SECTION_LIMIT", "blocks", "escape", "message"]
