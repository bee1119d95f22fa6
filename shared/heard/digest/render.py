"""What a digest says: a subject, plain text (SNS email), HTML (SES) and a short summary.

- ``text``: fixed-width columns that line up in a mail client's plain-text view, at most
  ``TEXT_LIMIT`` bytes (far under SNS's 256 KiB: every list in a digest is bounded);
- ``html``: one table layout with inline styles (mail clients drop ``<style>``), every value
  escaped: mention texts and author names are written by strangers;
- ``summary``: a headline and a few labelled facts, channel-neutral;
- ``notice``: the digest as a ``Notice`` (kind ``digest``) for the chat and HTTPS channels:
  the summary's facts, then its tables as sections (Slack Block Kit, a Teams card's FactSets);
- ``subject``: printable ASCII on one line, under 100 characters (SNS refuses others).
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from heard.alerts.notice import Notice, Section
from heard.alerts.render import fit
from heard.api.stats import Attainment, Durations
from heard.digest.compute import Change, Digest
from heard.digest.periods import Cadence
from heard.models import Priority
from heard.platforms import label
from heard.reach import compact_number
from heard.spikes.detector import Alert as SpikeAlert

SUBJECT_LIMIT = 99
TEXT_LIMIT = 64_000
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")
_FIGURE = re.compile(r"^[-+]?\d")
_PREVIOUS = {Cadence.HOURLY: "the hour before", Cadence.DAILY: "the day before",
             Cadence.WEEKLY: "the week before"}  # fmt: skip


def duration(seconds: float | None) -> str:
    """``45s``, ``12m 30s``, ``1h 05m``, ``2d 3h``; ``-`` for none."""
    if seconds is None:
        return "-"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


def signed(value: float, unit: str = "") -> str:
    text = f"{value:+.1f}" if isinstance(value, float) else f"{value:+d}"
    return text + unit


def change(c: Change) -> str:
    """``+12 (+40.0%) vs 30``."""
    percent = f" ({signed(c.percent, '%')})" if c.percent is not None else ""
    return f"{signed(c.delta)}{percent} vs {c.previous}"


def rate(a: Attainment) -> str:
    """``2 of 3 met (66.7%), 1 open``."""
    done = a.met + a.missed
    if not done:
        return f"{a.open} open" if a.open else "-"
    text = f"{a.met} of {done} met" + (f" ({a.rate * 100:.1f}%)" if a.rate is not None else "")
    return text + (f", {a.open} open" if a.open else "")


def spike_line(spike: SpikeAlert, digest: Digest) -> str:
    when = digest.period.local(spike.bucket_start).strftime("%a %H:%M")
    if spike.kind == "negative_share":
        what = f"negative share {spike.value:.0%} (usually {spike.expected:.0%})"
    else:
        what = f"volume {spike.value:g} a bucket (usually {spike.expected:.0f})"
    return f"{when}  {spike.kind.replace('_', ' ')} spike: {what}, score {spike.score:.1f}"


def title(digest: Digest) -> str:
    return f"{digest.brand} {digest.period.cadence.value} digest"


def subject(digest: Digest) -> str:
    end = digest.period.local(digest.period.end)
    when = end.strftime("%a %d %b %H:%M" if digest.period.cadence is Cadence.HOURLY else "%a %d %b")
    text = f"Heard: {title(digest)}, {when}"
    return " ".join(_UNPRINTABLE.sub(" ", text).split())[:SUBJECT_LIMIT]


# ---------------------------------------------------------------------------------------------
# Summary: for chat
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class Summary:
    headline: str
    facts: list[Fact]


def _negative(digest: Digest) -> float:
    return next(m.share for m in digest.sentiment if m.sentiment.value == "negative")


def summary(digest: Digest) -> Summary:
    overall = digest.sla[-1]
    facts = [
        Fact("Mentions", f"{digest.volume.current} ({change(digest.volume)})"),
        Fact(
            "Sentiment",
            ", ".join(f"{m.sentiment.value} {m.share:.1f}%" for m in digest.sentiment),
        ),
        Fact("Complaints", f"{digest.complaints.current} ({change(digest.complaints)})"),
    ]
    if digest.top_complaint_intents:
        facts.append(
            Fact(
                "Top complaints",
                ", ".join(f"{c.name} {c.count}" for c in digest.top_complaint_intents[:3]),
            )
        )
    facts += [
        Fact("Praise", str(digest.praise.count)),
        Fact("Open cases", f"{digest.cases.open} ({digest.cases.overdue} overdue)"),
        Fact(
            "First response",
            f"median {duration(digest.first_response.p50)}, "
            f"p90 {duration(digest.first_response.p90)}",
        ),
        Fact("First-response SLA", rate(overall.first_response)),
        Fact("Spikes", str(len(digest.spikes))),
    ]
    headline = (
        f"{title(digest)}: {digest.volume.current} mentions ({signed(digest.volume.delta)}), "
        f"{_negative(digest):.0f}% negative, {digest.cases.overdue} overdue"
    )
    return Summary(headline=headline, facts=facts)


def notice(digest: Digest) -> Notice:
    """The digest for the chat and HTTPS channels (kind ``digest``): the summary's facts at a
    glance, then its tables as sections (Slack sections, Teams FactSets). Low priority, so only
    routes that name ``digest`` (or have no criteria) take it; never held by storm control."""
    d = digest
    glance = summary(d)
    sections: list[Section] = [
        (
            "Sentiment",
            tuple(
                (
                    m.sentiment.value,
                    f"{m.count.current} ({m.share:.1f}%; {signed(m.delta_points)} pts "
                    f"vs {m.previous_share:.1f}%)",
                )
                for m in d.sentiment
            ),
        ),
    ]
    spikes = [spike_line(s, d).split("  ", 1) for s in d.spikes]  # "Mon 10:05  volume..."
    if spikes:
        sections.append(("Spikes", tuple((when, what) for when, what in spikes)))
    tops = (("Top complaints", d.top_complaint_intents), ("Top intents", d.top_intents))
    for heading, counts in tops:
        if counts:
            sections.append((heading, tuple((c.name, str(c.count)) for c in counts)))
    praise: list[tuple[str, str]] = []
    if d.praise.terms:
        praise.append(("Words", ", ".join(f"{t.name} ({t.count})" for t in d.praise.terms)))
    for quote in d.praise.quotes:
        reach = f", {compact_number(quote.followers)} followers" if quote.followers else ""
        praise.append((f"{quote.author} on {label(quote.platform)}{reach}", f'"{quote.text}"'))
    if praise:
        sections.append(("What customers praise", tuple(praise)))
    if d.top_authors:
        sections.append(
            (
                "Most-reached authors",
                tuple(
                    (
                        f"{a.author} ({label(a.platform)})",
                        f"{a.followers:,} followers, {a.mentions} mention(s)",
                    )
                    for a in d.top_authors
                ),
            )
        )
    sections.append(
        (
            "SLA met (cases created in the period)",
            tuple(
                (
                    line.priority,
                    f"first response {rate(line.first_response)}; "
                    f"resolution {rate(line.resolution)}",
                )
                for line in d.sla
            ),
        )
    )
    return Notice(
        id=f"digest:{d.brand}:{d.period.key}",
        kind="digest",
        brand=d.brand,
        priority=Priority.LOW,
        title=subject(d),
        headline=f"{glance.headline}. {d.period.label()}, compared with "
        f"{_PREVIOUS[d.period.cadence]}.",
        facts=tuple((f.label, f.value) for f in glance.facts),
        sections=tuple(sections),
    )


# ---------------------------------------------------------------------------------------------
# Plain text
# ---------------------------------------------------------------------------------------------


def _rows(rows: Sequence[tuple[str, ...]], indent: int = 2) -> list[str]:
    """Rows in columns two spaces apart: the first column left-aligned, and each other one
    right-aligned when its values are figures (a header row above them aligns with them)."""
    if not rows:
        return []
    columns = range(len(rows[0]))
    widths = [max(len(row[i]) for row in rows) for i in columns]
    figures = [i > 0 and all(_FIGURE.match(row[i]) for row in rows[1:] if row[i]) for i in columns]
    out = []
    for row in rows:
        cells = [
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(row, widths, figures, strict=True)
        ]
        out.append(" " * indent + "  ".join(cells).rstrip())
    return out


def _durations(now: Durations, before: Durations) -> list[tuple[str, ...]]:
    return [
        ("", "this period", "before"),
        ("median", duration(now.p50), duration(before.p50)),
        ("p90", duration(now.p90), duration(before.p90)),
        ("responded", str(now.count), str(before.count)),
    ]


def text(digest: Digest) -> str:
    d = digest
    lines = [
        title(d).upper(),
        d.period.label(),
        f"compared with {_PREVIOUS[d.period.cadence]}",
        "",
        "VOLUME",
        *_rows(
            [
                ("mentions", str(d.volume.current), change(d.volume)),
                ("complaints", str(d.complaints.current), change(d.complaints)),
                ("praise", str(d.praise.count), ""),
            ]
        ),
        "",
        "SENTIMENT",
        *_rows(
            [("", "count", "share", "before", "change")]
            + [
                (
                    m.sentiment.value,
                    str(m.count.current),
                    f"{m.share:.1f}%",
                    f"{m.previous_share:.1f}%",
                    f"{signed(m.delta_points)} pts",
                )
                for m in d.sentiment
            ]
        ),
        "",
        "SPIKES",
        *([f"  {spike_line(s, d)}" for s in d.spikes] or ["  none"]),
        "",
        "TOP COMPLAINTS",
        *(_rows([(c.name, str(c.count)) for c in d.top_complaint_intents]) or ["  none"]),
        "",
        "TOP INTENTS",
        *(_rows([(c.name, str(c.count)) for c in d.top_intents]) or ["  none"]),
        "",
        "WHAT CUSTOMERS PRAISE",
    ]
    if d.praise.terms:
        lines.append("  words: " + ", ".join(f"{t.name} ({t.count})" for t in d.praise.terms))
    for quote in d.praise.quotes:
        reach = f", {compact_number(quote.followers)} followers" if quote.followers else ""
        lines.append(f'  "{quote.text}"')
        lines.append(f"    {quote.author} on {label(quote.platform)}{reach}")
        if quote.url:
            lines.append(f"    {quote.url}")
    if not d.praise.quotes:
        lines.append("  none")
    lines += [
        "",
        "MOST-REACHED AUTHORS",
        *(
            _rows(
                [("", "followers", "mentions")]
                + [
                    (f"{a.author} ({label(a.platform)})", f"{a.followers:,}", str(a.mentions))
                    for a in d.top_authors
                ]
            )
            if d.top_authors
            else ["  none"]
        ),
        "",
        "CASES NOW",
        *_rows(
            [
                (
                    "open",
                    str(d.cases.open),
                    ", ".join(f"{k} {v}" for k, v in d.cases.by_status.items()),
                ),
                (
                    "overdue",
                    str(d.cases.overdue),
                    ", ".join(f"{k} {v}" for k, v in d.cases.overdue_by_priority.items()),
                ),
            ]
        ),
        "",
        "FIRST RESPONSE",
        *_rows(_durations(d.first_response, d.previous_first_response)),
        "",
        "SLA MET (cases created in the period)",
        *_rows(
            [("", "first response", "resolution")]
            + [(line.priority, rate(line.first_response), rate(line.resolution)) for line in d.sla]
        ),
    ]
    if d.records_read < d.volume.current:
        lines += [
            "",
            f"(authors and praise from the {d.records_read} highest-priority of "
            f"{d.volume.current} cases)",
        ]
    return fit("\n".join(lines) + "\n", TEXT_LIMIT)


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------

_TD = "padding:4px 12px 4px 0;border-bottom:1px solid #eee;vertical-align:top"
_TH = "padding:12px 12px 4px 0;text-align:left;font-size:15px;color:#222"


def _e(value: object) -> str:
    return _html.escape(str(value), quote=True)


def _table(header: str, rows: Sequence[tuple[str, ...]], first_row_header: bool = False) -> str:
    """A section: its heading, then rows of escaped cells (numbers right-aligned)."""
    out = [f'<tr><th colspan="5" style="{_TH}">{_e(header)}</th></tr>']
    for index, row in enumerate(rows or [("none",)]):
        cells = []
        for i, cell in enumerate(row):
            align = "left" if i == 0 else "right"
            weight = "font-weight:bold;" if first_row_header and index == 0 else ""
            cells.append(f'<td style="{_TD};text-align:{align};{weight}">{_e(cell)}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "\n".join(out)


def _link(url: str | None) -> str:
    if not url or not url.lower().startswith(("https://", "http://")):
        return ""
    return f' <a href="{_e(url)}" style="color:#0b57d0">link</a>'


def html(digest: Digest) -> str:
    d = digest
    sections = [
        _table(
            "Volume",
            [
                ("mentions", str(d.volume.current), change(d.volume)),
                ("complaints", str(d.complaints.current), change(d.complaints)),
                ("praise", str(d.praise.count), ""),
            ],
        ),
        _table(
            "Sentiment",
            [("", "count", "share", "before", "change")]
            + [
                (
                    m.sentiment.value,
                    str(m.count.current),
                    f"{m.share:.1f}%",
                    f"{m.previous_share:.1f}%",
                    f"{signed(m.delta_points)} pts",
                )
                for m in d.sentiment
            ],
            first_row_header=True,
        ),
        _table("Spikes", [(spike_line(s, d),) for s in d.spikes]),
        _table("Top complaints", [(c.name, str(c.count)) for c in d.top_complaint_intents]),
        _table("Top intents", [(c.name, str(c.count)) for c in d.top_intents]),
    ]
    praise = [f'<tr><th colspan="5" style="{_TH}">What customers praise</th></tr>']
    if d.praise.terms:
        words = ", ".join(f"{t.name} ({t.count})" for t in d.praise.terms)
        praise.append(f'<tr><td colspan="5" style="{_TD}">words: {_e(words)}</td></tr>')
    for quote in d.praise.quotes:
        reach = f", {compact_number(quote.followers)} followers" if quote.followers else ""
        praise.append(
            f'<tr><td colspan="5" style="{_TD}"><q>{_e(quote.text)}</q><br>'
            f'<span style="color:#666">{_e(quote.author)} on {_e(label(quote.platform))}'
            f"{_e(reach)}</span>{_link(quote.url)}</td></tr>"
        )
    if not d.praise.quotes:
        praise.append(f'<tr><td colspan="5" style="{_TD}">none</td></tr>')
    sections.append("\n".join(praise))
    sections += [
        _table(
            "Most-reached authors",
            [("", "followers", "mentions")]
            + [
                (f"{a.author} ({label(a.platform)})", f"{a.followers:,}", str(a.mentions))
                for a in d.top_authors
            ],
            first_row_header=True,
        ),
        _table(
            "Cases now",
            [
                (
                    "open",
                    str(d.cases.open),
                    ", ".join(f"{k} {v}" for k, v in d.cases.by_status.items()),
                ),
                (
                    "overdue",
                    str(d.cases.overdue),
                    ", ".join(f"{k} {v}" for k, v in d.cases.overdue_by_priority.items()),
                ),
            ],
        ),
        _table(
            "First response",
            _durations(d.first_response, d.previous_first_response),
            first_row_header=True,
        ),
        _table(
            "SLA met (cases created in the period)",
            [("", "first response", "resolution")]
            + [(line.priority, rate(line.first_response), rate(line.resolution)) for line in d.sla],
            first_row_header=True,
        ),
    ]
    body = "\n".join(sections)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{_e(subject(d))}</title></head>\n"
        '<body style="margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;'
        'font-size:14px;color:#222;background:#fff">\n'
        f'<h1 style="font-size:20px;margin:0 0 4px">{_e(title(d))}</h1>\n'
        f'<p style="margin:0 0 8px;color:#666">{_e(d.period.label())}, compared with '
        f"{_e(_PREVIOUS[d.period.cadence])}</p>\n"
        '<table role="presentation" cellpadding="0" cellspacing="0" '
        'style="border-collapse:collapse;min-width:480px">\n'
        f"{body}\n</table>\n</body></html>\n"
    )
