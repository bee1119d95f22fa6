"""The local stack's own controls, under ``/_heard/`` on its API (the local admin token only).

- ``GET /_heard/clock``: ``{"now", "ahead_s", "held"}``: the stack's clock (``heard.models.utcnow``
  in every function), how far it runs ahead of the wall clock, and whether the schedules wait
  for a replay to fire them.
- ``POST /_heard/clock`` with ``{"advance_s": N}`` or ``{"to": ISO-8601}``, and/or
  ``{"hold": true|false}``: move the clock forward (never back: a ``to`` already passed
  leaves it where it is) and hold or release the
  schedules. A replay (``heard_local storm``) holds them, moves the clock and fires the spike
  check itself, so hours of a storm take seconds and happen the same way every time.
- ``POST /_heard/schedules/<FunctionLogicalId>``: run that function's schedule now, as
  EventBridge would (its scheduled event); ``{"function", "at", "result"}``.

Bad input is a 400 that names the field; an unknown path or function a 404.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from heard.models import clock_ahead, set_clock_ahead, utcnow
from heard_local.http_api import HttpResponse, json_response
from heard_local.schedules import Scheduler

SCHEDULES = "/_heard/schedules/"


def clock_state(scheduler: Scheduler | None) -> dict[str, Any]:
    return {
        "now": utcnow().isoformat(),
        "ahead_s": clock_ahead().total_seconds(),
        "held": scheduler is not None and scheduler.held.is_set(),
    }


def _move_clock(payload: dict[str, Any], scheduler: Scheduler | None) -> str | None:
    """Apply a clock request; the problem with it, if any (nothing is changed then)."""
    unknown = set(payload) - {"advance_s", "to", "hold"}
    if unknown:
        return f"unknown field(s): {', '.join(sorted(unknown))} (advance_s, to, hold)"
    target: datetime | None = None
    if "advance_s" in payload:
        advance = payload["advance_s"]
        if isinstance(advance, bool) or not isinstance(advance, int | float) or advance < 0:
            return "advance_s: a number of seconds, 0 or more"
        target = utcnow() + timedelta(seconds=advance)
    if "to" in payload:
        if target is not None:
            return "give advance_s or to, not both"
        try:
            target = datetime.fromisoformat(str(payload["to"]))
        except ValueError:
            return "to: an ISO-8601 time such as 2026-12-01T10:00:00Z"
        if target.tzinfo is None:
            return "to: give a time zone (Z or +00:00)"
    hold = payload.get("hold")
    if hold is not None and not isinstance(hold, bool):
        return "hold: true or false"
    if target is not None:
        set_clock_ahead(max(clock_ahead(), target - datetime.now(UTC)))
    if hold is not None and scheduler is not None:
        if hold:
            scheduler.held.set()
        else:
            scheduler.held.clear()
    return None


def handle_control(
    scheduler: Scheduler | None, method: str, path: str, body: bytes
) -> HttpResponse:
    if path == "/_heard/clock":
        if method == "POST":
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                return json_response(400, {"message": "the body must be a JSON object"})
            if not isinstance(payload, dict):
                return json_response(400, {"message": "the body must be a JSON object"})
            problem = _move_clock(payload, scheduler)
            if problem is not None:
                return json_response(400, {"message": problem})
        elif method != "GET":
            return json_response(405, {"message": "GET or POST"})
        return json_response(200, clock_state(scheduler))
    if path.startswith(SCHEDULES) and len(path) > len(SCHEDULES):
        function = path[len(SCHEDULES) :]
        if method != "POST":
            return json_response(405, {"message": "POST"})
        if scheduler is None:
            return json_response(404, {"message": "the stack runs no schedules"})
        at = utcnow()
        try:
            result = scheduler.fire_function(function)
        except KeyError:
            return json_response(404, {"message": f"{function}: no schedule the stack runs"})
        return json_response(
            200, {"function": function, "at": at.isoformat(), "result": _jsonable(result)}
        )
    return json_response(404, {"message": "Not Found"})


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


__all__ = ["clock_state", "handle_control"]
