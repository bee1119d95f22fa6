"""The local stack's controls under /_heard/: its clock (ahead, never back) and its schedules
(held, fired by hand), for the local admin token only; bad input is a 400 naming the field."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from heard_local.control import handle_control
from heard_local.http_api import LocalHttpApi
from heard_local.provision import ScheduleSpec
from heard_local.schedules import Scheduler

from heard.models import utcnow

TOKEN = {"Authorization": "Bearer t0ken"}


@pytest.fixture
def scheduler(monkeypatch) -> Scheduler:
    # The clock is process-wide: put it back when the test ends.
    monkeypatch.setattr("heard.models._clock_ahead", timedelta(0))
    fired: list[tuple[str, object]] = []

    def invoke(function: str, event: object) -> dict:
        fired.append((function, event))
        return {"now": utcnow().isoformat()}

    made = Scheduler([("SpikesFunction", ScheduleSpec("rate(5 minutes)", None, "Tick"))], invoke)
    made.fired = fired  # type: ignore[attr-defined]
    return made


@pytest.fixture
def api(scheduler) -> Iterator[LocalHttpApi]:
    server = LocalHttpApi(
        [],
        lambda f, e: None,
        api_token="t0ken",
        control=lambda method, path, body: handle_control(scheduler, method, path, body),
    )
    server.start()
    yield server
    server.stop()


def test_the_controls_take_the_admin_token_only(api):
    assert httpx.get(f"{api.url}/_heard/clock").status_code == 401
    assert (
        httpx.get(f"{api.url}/_heard/clock", headers={"Authorization": "Bearer no"}).status_code
        == 403
    )
    assert httpx.get(f"{api.url}/_heard/clock", headers=TOKEN).status_code == 200


def test_the_clock_moves_ahead_and_never_back(api, scheduler):
    before = datetime.now(UTC)
    moved = httpx.post(f"{api.url}/_heard/clock", json={"advance_s": 3600}, headers=TOKEN).json()
    now = datetime.fromisoformat(moved["now"])
    assert timedelta(minutes=59) < now - before < timedelta(minutes=61)
    assert 3599 <= moved["ahead_s"] <= 3601
    assert utcnow() - datetime.now(UTC) > timedelta(minutes=59)  # every function's clock
    target = now + timedelta(hours=2)
    to = httpx.post(f"{api.url}/_heard/clock", json={"to": target.isoformat()}, headers=TOKEN)
    assert abs(datetime.fromisoformat(to.json()["now"]) - target) < timedelta(seconds=5)
    # A time already passed leaves the clock where it is.
    back = httpx.post(f"{api.url}/_heard/clock", json={"to": before.isoformat()}, headers=TOKEN)
    assert datetime.fromisoformat(back.json()["now"]) >= target


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"advance_s": -1}, "advance_s: a number of seconds, 0 or more"),
        ({"advance_s": "soon"}, "advance_s: a number of seconds, 0 or more"),
        ({"to": "tomorrow"}, "to: an ISO-8601 time such as 2026-12-01T10:00:00Z"),
        ({"to": "2026-12-01T10:00:00"}, "to: give a time zone (Z or +00:00)"),
        ({"advance_s": 1, "to": "2026-12-01T10:00:00Z"}, "give advance_s or to, not both"),
        ({"hold": "yes"}, "hold: true or false"),
        ({"speed": 2}, "unknown field(s): speed (advance_s, to, hold)"),
        ([1, 2], "the body must be a JSON object"),
    ],
)
def test_bad_clock_requests_are_400_naming_the_field(api, body, message):
    before = utcnow()
    response = httpx.post(f"{api.url}/_heard/clock", json=body, headers=TOKEN)
    assert (response.status_code, response.json()) == (400, {"message": message})
    assert utcnow() - before < timedelta(seconds=5)  # nothing moved


def test_held_schedules_wait_and_a_schedule_runs_by_hand(api, scheduler):
    held = httpx.post(f"{api.url}/_heard/clock", json={"hold": True}, headers=TOKEN).json()
    assert held["held"] is True and scheduler.held.is_set()
    ran = httpx.post(f"{api.url}/_heard/schedules/SpikesFunction", headers=TOKEN)
    assert ran.status_code == 200
    ((function, event),) = scheduler.fired
    assert function == "SpikesFunction" and event["detail-type"] == "Scheduled Event"
    assert ran.json()["function"] == "SpikesFunction" and "now" in ran.json()["result"]
    missing = httpx.post(f"{api.url}/_heard/schedules/NoSuchFunction", headers=TOKEN)
    assert missing.status_code == 404 and "NoSuchFunction" in missing.json()["message"]
    released = httpx.post(f"{api.url}/_heard/clock", json={"hold": False}, headers=TOKEN)
    assert released.json()["held"] is False
    assert httpx.get(f"{api.url}/_heard/elsewhere", headers=TOKEN).status_code == 404


def test_a_held_schedule_skips_its_ticks():
    fired: list[str] = []
    scheduler = Scheduler(
        [("Escalate", ScheduleSpec("rate(1 minute)", None, "Every"))],
        lambda f, e: fired.append(f),
        speedup=600,  # one minute becomes 0.1 s
    )
    scheduler.held.set()
    scheduler.start()
    try:
        time.sleep(0.5)
        assert fired == []
        scheduler.held.clear()
        deadline = time.monotonic() + 5
        while not fired and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fired
    finally:
        scheduler.stop()
