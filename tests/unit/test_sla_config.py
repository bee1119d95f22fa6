"""A brand's ``sla`` section: targets as durations people read, business hours, warnings and
escalation levels, each error reported with its location."""

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from heard.config import (
    ConfigError,
    SlaDuration,
    SlaPolicy,
    parse_config,
    parse_duration,
)
from heard.models import Priority


def brand_with(sla: str) -> str:
    indented = "\n".join("      " + line for line in sla.strip().splitlines())
    return f"brands:\n  - name: Acme\n    keywords: [acme]\n    sla:\n{indented}\n"


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "brands.yaml")
    return info.value.errors


BUSINESS = """
business_hours:
  timezone: Europe/London
  hours: {mon-fri: "09:00-17:30", sat: "10:00-12:00, 13:00-14:00"}
  holidays: [2026-12-25, "2026-12-28"]
"""


@pytest.mark.parametrize(
    ("text", "minutes", "business"),
    [
        ("15m", 15, False),
        ("90m", 90, False),
        ("1h", 60, False),
        ("4h", 240, False),
        ("1d", 1440, False),
        ("30bm", 30, True),
        ("8bh", 480, True),
        (" 8 BH ", 480, True),
    ],
)
def test_durations_are_a_number_and_a_unit(text, minutes, business):
    assert parse_duration(text) == SlaDuration(timedelta(minutes=minutes), business)


@pytest.mark.parametrize("text", [None, "none", "None"])
def test_none_is_no_target(text):
    assert parse_duration(text) is None


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("1 business day", "is not a duration: write a whole number and a unit"),
        (15, "15 is not a duration"),
        ("1.5h", "is not a duration"),
        ("1h30m", "is not a duration"),
        ("2w", "is not a duration"),
        ("0m", "longer than zero"),
        ("91d", "at most 90 days"),
        (True, "is not a duration"),
    ],
)
def test_other_durations_are_refused_saying_how_to_write_one(value, says):
    with pytest.raises(ValueError, match=says):
        parse_duration(value)


@pytest.mark.parametrize("text", ["15m", "4h", "1d", "90m", "8bh", "90bm", "36h"])
def test_durations_print_as_they_are_written(text):
    assert str(parse_duration(text)) == text


def test_a_brand_without_an_sla_section_gets_the_documented_defaults():
    sla = parse_config(brand_with("{}")).brands[0].sla
    assert sla == parse_config("brands:\n  - {name: A, keywords: [a]}\n").brands[0].sla
    minutes = {
        p: tuple(
            None if t is None else (t.length // timedelta(minutes=1), t.business)
            for t in (sla.targets.of(p).first_response, sla.targets.of(p).resolution)
        )
        for p in Priority
    }
    assert minutes == {
        Priority.CRITICAL: ((15, False), (240, False)),
        Priority.HIGH: ((60, False), (1440, False)),
        Priority.NORMAL: ((1440, False), (3 * 1440, False)),
        Priority.LOW: (None, None),
    }
    assert sla.business_hours is None
    assert sla.warn_at == 0.75
    assert [(level.at, level.route) for level in sla.escalation_levels] == [
        (1.0, "team"),
        (2.0, "manager"),
    ]
    assert sla.acknowledgement_stops_first_response is False


def test_a_priority_given_in_part_keeps_its_other_default_and_none_turns_it_off():
    text = brand_with(
        BUSINESS
        + """
targets:
  high: {first_response: 30m}
  normal: {first_response: 8bh, resolution: 24bh}
  critical: none
"""
    )
    targets = parse_config(text).brands[0].sla.targets
    assert targets.high.first_response == parse_duration("30m")
    assert targets.high.resolution == parse_duration("1d")  # high's default
    assert targets.normal.resolution == SlaDuration(timedelta(hours=24), business=True)
    assert targets.critical.first_response is None and targets.critical.resolution is None
    assert targets.of("low").first_response is None


def test_business_hours_are_read_per_weekday_in_their_zone():
    sla = parse_config(brand_with(BUSINESS)).brands[0].sla
    hours = sla.business_hours
    assert hours is not None
    assert hours.zone.key == "Europe/London"
    assert hours.week == (((540, 1050),),) * 5 + (((600, 720), (780, 840)), ())
    assert hours.closed_on == {date(2026, 12, 25), date(2026, 12, 28)}
    dumped = sla.model_dump(mode="json")
    assert dumped["business_hours"]["hours"] == {
        "mon-fri": "09:00-17:30",
        "sat": "10:00-12:00, 13:00-14:00",
    }
    assert dumped["targets"]["critical"] == {"first_response": "15m", "resolution": "4h"}
    assert SlaPolicy.model_validate(dumped) == sla


def test_a_day_can_stay_open_until_midnight():
    sla = (
        parse_config(brand_with('business_hours: {timezone: UTC, hours: {sun: "00:00-24:00"}}'))
        .brands[0]
        .sla
    )
    assert sla.business_hours is not None and sla.business_hours.week[6] == ((0, 1440),)


def test_the_demo_brand_has_an_sla_in_business_hours():
    from heard_local.defaults import DEMO_CONFIG

    from heard.config import load_config_file

    sla = load_config_file(DEMO_CONFIG).brands[0].sla
    assert sla.business_hours is not None
    assert sla.targets.normal.first_response is not None
    assert sla.targets.normal.first_response.business


@pytest.mark.parametrize(
    ("sla", "expected"),
    [
        (
            "targets: {normal: {first_response: 1 business day}}",
            "brands[0] (Acme).sla.targets.normal.first_response: "
            "Value error, '1 business day' is not a duration",
        ),
        (
            "targets: {high: {resolution: 45}}",
            "brands[0] (Acme).sla.targets.high.resolution: Value error, 45 is not a duration",
        ),
        (
            "targets: {urgent: {first_response: 5m}}",
            "brands[0] (Acme).sla.targets.urgent: Extra inputs are not permitted",
        ),
        (
            "targets: {low: {first_response: 1h, reply: 2h}}",
            "brands[0] (Acme).sla.targets.low.reply: Extra inputs are not permitted",
        ),
        ("warn_at: 1", "brands[0] (Acme).sla.warn_at: Input should be less than 1"),
        ("warn_at: 0", "brands[0] (Acme).sla.warn_at: Input should be greater than 0"),
        (
            "escalation_levels: [{at: 0, route: team}]",
            "brands[0] (Acme).sla.escalation_levels[0].at: Input should be greater than 0",
        ),
        (
            'escalation_levels: [{at: 1, route: ""}]',
            "brands[0] (Acme).sla.escalation_levels[0].route: String should have at least",
        ),
        (
            "acknowledgement_stops_first_response: maybe",
            "brands[0] (Acme).sla.acknowledgement_stops_first_response: Input should be a valid",
        ),
        (
            'business_hours: {timezone: Mars/Olympus, hours: {mon: "09:00-17:00"}}',
            "brands[0] (Acme).sla.business_hours.timezone: Value error, 'Mars/Olympus' is not "
            "an IANA time zone",
        ),
        (
            'business_hours: {timezone: Europe/London, hours: {mon-fry: "09:00-17:00"}}',
            "brands[0] (Acme).sla.business_hours.hours.mon-fry.[key]: Value error, 'mon-fry' "
            "is not a day or a range of days",
        ),
        (
            'business_hours: {timezone: UTC, hours: {fri-mon: "09:00-17:00"}}',
            "brands[0] (Acme).sla.business_hours.hours.fri-mon.[key]: Value error",
        ),
        (
            'business_hours: {timezone: UTC, hours: {mon: "9-5"}}',
            "brands[0] (Acme).sla.business_hours.hours.mon: Value error, '9-5' is not a period",
        ),
        (
            'business_hours: {timezone: UTC, hours: {mon: "22:00-06:00"}}',
            "brands[0] (Acme).sla.business_hours.hours.mon: Value error, '22:00-06:00' ends "
            "before it starts",
        ),
        (
            'business_hours: {timezone: UTC, hours: {mon: "09:00-13:00, 12:00-17:00"}}',
            "brands[0] (Acme).sla.business_hours.hours.mon: Value error, '12:00-17:00' overlaps",
        ),
        (
            "business_hours: {timezone: UTC, hours: {mon: 9}}",
            "brands[0] (Acme).sla.business_hours.hours.mon: Value error, 9: write opening hours",
        ),
        (
            'business_hours: {timezone: UTC, hours: {mon-fri: "09:00-17:00", fri: "09:00-12:00"}}',
            "brands[0] (Acme).sla.business_hours.hours: Value error, fri is in both 'mon-fri' "
            "and 'fri'",
        ),
        (
            "business_hours: {timezone: UTC, hours: {}}",
            "brands[0] (Acme).sla.business_hours.hours: Value error, business hours need at "
            "least one open day",
        ),
        (
            "business_hours: {timezone: UTC}",
            "brands[0] (Acme).sla.business_hours.hours: Field required",
        ),
        (
            'business_hours: {timezone: UTC, hours: {mon: "09:00-17:00"}, holidays: [christmas]}',
            "brands[0] (Acme).sla.business_hours.holidays[0]: Input should be a valid date",
        ),
    ],
)
def test_each_field_error_names_its_location(sla, expected):
    errors = errors_of(brand_with(sla))
    assert len(errors) == 1, errors
    assert errors[0].startswith(expected), errors


@pytest.mark.parametrize(
    ("sla", "expected"),
    [
        (
            "targets: {high: {first_response: 2h, resolution: 1h}}",
            "brands[0] (Acme).sla.targets.high: resolution (1h) is shorter than "
            "first_response (2h)",
        ),
        (
            "targets: {normal: {first_response: 4d}}",  # against normal's default resolution
            "brands[0] (Acme).sla.targets.normal: resolution (3d) is shorter than "
            "first_response (4d)",
        ),
        (
            "targets: {normal: {first_response: 8bh, resolution: 3d}}",
            "brands[0] (Acme).sla.targets.normal.first_response: 8bh counts business time, "
            "but the brand has no sla.business_hours (use wall-clock units m, h, d, or add them)",
        ),
        (
            "escalation_levels: [{at: 2, route: manager}, {at: 1, route: team}]",
            "brands[0] (Acme).sla.escalation_levels[1].at: escalation levels must increase: "
            "at 1 follows at 2",
        ),
        (
            "escalation_levels: [{at: 1, route: team}, {at: 1.0, route: manager}]",
            "brands[0] (Acme).sla.escalation_levels[1].at: escalation levels must increase: "
            "at 1 follows at 1",
        ),
    ],
)
def test_each_cross_field_error_names_its_location(sla, expected):
    assert errors_of(brand_with(sla)) == [expected]


def test_equal_targets_and_a_business_target_with_business_hours_are_fine():
    text = brand_with(BUSINESS + "targets: {normal: {first_response: 8bh, resolution: 8bh}}")
    assert parse_config(text).brands[0].sla.targets.normal.resolution == parse_duration("8bh")


def test_every_sla_error_is_reported_in_one_run_even_beside_field_errors():
    text = (
        brand_with(
            """
targets:
  critical: {first_response: 1h, resolution: 30m}
  normal: {first_response: 8bh, resolution: 2 days}
warn_at: 2
escalation_levels: [{at: 1.5, route: team}, {at: 1.5, route: manager}, {at: x, route: vp}]
"""
        )
        + "  - name: Globex\n    keywords: [g]\n    sla: {targets: {high: {resolution: 10m}}}\n"
    )
    errors = errors_of(text)
    expected = [
        "brands[0] (Acme).sla.targets.normal.resolution: Value error, '2 days' is not",
        "brands[0] (Acme).sla.warn_at: ",
        "brands[0] (Acme).sla.escalation_levels[2].at: ",
        "brands[0] (Acme).sla.targets.critical: resolution (30m) is shorter than "
        "first_response (1h)",
        "brands[0] (Acme).sla.targets.normal.first_response: 8bh counts business time",
        "brands[0] (Acme).sla.escalation_levels[1].at: escalation levels must increase",
        "brands[1] (Globex).sla.targets.high: resolution (10m) is shorter than first_response (1h)",
    ]
    for start in expected:
        assert sum(e.startswith(start) for e in errors) == 1, (start, errors)
    assert len(errors) == len(expected), errors


def test_the_policy_refuses_inconsistent_targets_when_built_directly():
    with pytest.raises(ValidationError, match="escalation levels must increase"):
        SlaPolicy.model_validate(
            {"escalation_levels": [{"at": 2, "route": "a"}, {"at": 1, "route": "b"}]}
        )
    with pytest.raises(ValidationError, match="counts business time"):
        SlaPolicy.model_validate({"targets": {"low": {"first_response": "1bh"}}})
