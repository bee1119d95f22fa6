"""Helpers shared by the platform parsers: validating a piece of a payload against a pydantic
model so that any failure becomes one ``PayloadError`` naming the full path, and the time
formats the platforms use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from heard.platforms.errors import PayloadError

M = TypeVar("M", bound=BaseModel)

ROOT = "body"  # the name a path takes when the whole body is at fault

# A platform's id for an item: it becomes ``Mention.native_id``, so it obeys the same bounds.
NativeId = Annotated[str, Field(min_length=1, max_length=256)]


class PayloadModel(BaseModel):
    """Platforms add fields all the time; unknown ones are ignored, never an error."""

    # Schemas build on first use: a handler pays only for the platforms it receives.
    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)


def join_path(prefix: str, loc: Iterable[Any]) -> str:
    """``tweet_create_events[0].user.screen_name`` from a prefix and a pydantic location."""
    path = prefix
    for item in loc:
        if isinstance(item, int):
            path += f"[{item}]"
        else:
            path += f".{item}" if path else str(item)
    return path or ROOT


def _message(error: Mapping[str, Any]) -> str:
    if error["type"] == "missing":
        return "field required"
    msg = str(error["msg"]).removeprefix("Value error, ")
    return msg[:1].lower() + msg[1:]


def validate(model: type[M], data: Any, path: str = "") -> M:
    """``model.model_validate(data)``, with the first error raised as a ``PayloadError``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise PayloadError(join_path(path, first["loc"]), _message(first)) from None


def require_object(data: Any, path: str = "") -> dict[str, Any]:
    if not isinstance(data, dict):
        raise PayloadError(path or ROOT, "expected a JSON object")
    return data


def from_epoch(value: float) -> datetime:
    """Seconds since the epoch; a value that can only be milliseconds is read as such.

    Meta stamps feed changes in seconds but Messenger entries in milliseconds; 10^11 seconds is
    the year 5138, so anything larger is unambiguous.
    """
    try:
        if value > 1e11:
            value = value / 1000
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError("timestamp out of range") from None


def parse_millis(value: Any) -> datetime:
    """X and Messenger send milliseconds since the epoch, as a number or a digit string."""
    if isinstance(value, bool):
        raise ValueError("expected milliseconds since the epoch")
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        try:
            return datetime.fromtimestamp(int(value) / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError("timestamp out of range") from None
    raise ValueError("expected milliseconds since the epoch")
