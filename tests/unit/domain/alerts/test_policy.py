"""The gate: which mentions wake someone."""

import pytest

from heard.alerts.policy import severity_at_least, should_alert
from heard.models import Priority


@pytest.mark.parametrize(
    ("name", "priority", "expected"),
    [
        ("Acme", Priority.CRITICAL, True),
        ("Acme", Priority.HIGH, True),
        ("Acme", Priority.NORMAL, False),
        ("Acme", Priority.LOW, False),
        ("Loud", Priority.NORMAL, True),
        ("Loud", Priority.LOW, False),
    ],
)
def test_alert_threshold_is_the_brands(make_record, brand, name, priority, expected):
    assert should_alert(make_record(priority), brand(name)) is expected


def test_unknown_language_follows_the_brand_rule(make_record, brand):
    assert should_alert(make_record(Priority.HIGH, lang_supported=False), brand("Acme")) is False
    assert should_alert(make_record(Priority.LOW, lang_supported=False), brand("Loud")) is True


def test_severity_at_least_lists_the_priority_and_above():
    assert severity_at_least(Priority.HIGH) == ["high", "critical"]
    assert severity_at_least(Priority.LOW) == ["low", "normal", "high", "critical"]
