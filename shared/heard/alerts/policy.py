"""The gate: which mentions wake someone (storm control, after it: ``heard.alerts.storm``)."""

from __future__ import annotations

from heard.config import Brand
from heard.models import MentionRecord, Priority


def should_alert(record: MentionRecord, brand: Brand) -> bool:
    """At or above the brand's threshold. A language the model does not know follows the
    brand's rule instead: ``alert`` sends every such mention, ``store`` none."""
    triage = record.triage
    if not triage.lang_supported:
        return brand.routing.unknown_language == "alert"
    return triage.priority.rank >= brand.routing.alert_min_priority.rank


def severity_at_least(priority: Priority) -> list[str]:
    """The severities a filter policy lists for 'this priority or above'."""
    return [p.value for p in Priority if p.rank >= priority.rank]
