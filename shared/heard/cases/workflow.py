"""What a change does to a case: a person's update, a follow-up joining, a response sent.

Each function takes the case as read and returns it as it should be stored, with a history
entry for every change; nothing here does I/O. ``MentionStore.save_case`` writes the result only
if nobody changed the case in between.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from heard.models import HistoryEntry, MentionRecord, Note, Priority, Status

SYSTEM = "heard"  # who the history names for changes Heard makes itself
MAX_TAGS = 20
_Tag = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[\w][\w .:/-]*$")]


class CaseError(ValueError):
    """An update the workflow refuses; ``field`` names the culprit."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


class CaseUpdate(BaseModel):
    """``PATCH /mentions/{id}``: only the fields present change. ``assignee`` and ``priority``
    may be ``null`` (unassign; back to the triage's priority). ``version`` is the version the
    client read; a stale one is refused."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    status: Status | None = None
    assignee: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    priority: Priority | None = None
    tags: Annotated[list[_Tag], Field(max_length=MAX_TAGS)] | None = None
    add_tags: Annotated[list[_Tag], Field(max_length=MAX_TAGS)] = Field(default_factory=list)
    remove_tags: list[_Tag] = Field(default_factory=list)
    note: Annotated[str, Field(min_length=1, max_length=4000)] | None = None
    version: Annotated[int, Field(ge=1)] | None = None

    @field_validator("status", "tags", "note")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null")
        return value

    def changes_anything(self) -> bool:
        return bool(self.model_fields_set - {"version"})


def _entry(now: datetime, by: str, action: str, **detail: Any) -> HistoryEntry:
    return HistoryEntry(at=now, by=by, action=action, detail=detail)


def set_status(case: MentionRecord, status: Status, now: datetime) -> dict[str, Any]:
    """The fields a move to ``status`` changes (empty when it is already there)."""
    if status is case.status:
        return {}
    changes: dict[str, Any] = {"status": status}
    if status is Status.ACKNOWLEDGED and case.acknowledged_at is None:
        changes["acknowledged_at"] = now
    if status is Status.REPLIED:
        changes["waiting_since"] = None
        if case.first_response_at is None:
            changes["first_response_at"] = now
    if not status.open:
        changes["resolved_at"] = now
        changes["waiting_since"] = None
    elif not case.status.open:  # reopened
        changes["resolved_at"] = None
        changes["waiting_since"] = case.waiting_since or now
    return changes


def apply_update(case: MentionRecord, update: CaseUpdate, by: str, now: datetime) -> MentionRecord:
    """The case after a person's update; every change is recorded in its history."""
    if not case.is_case:
        raise CaseError("id", f"{case.id} is a message of case {case.case_id}: update the case")
    fields = update.model_fields_set
    changes: dict[str, Any] = {}
    history: list[HistoryEntry] = []
    if update.status is not None:
        moved = set_status(case, update.status, now)
        if moved:
            changes |= moved
            history.append(_entry(now, by, "status", **{"from": case.status, "to": update.status}))
    if "assignee" in fields and update.assignee != case.assignee:
        changes["assignee"] = update.assignee
        history.append(_entry(now, by, "assign", **{"from": case.assignee, "to": update.assignee}))
    if "priority" in fields and update.priority != case.priority_override:
        changes["priority_override"] = update.priority
        history.append(
            _entry(now, by, "priority", **{"from": case.priority, "to": update.priority})
        )
    tags = _tags(case.tags, update)
    if tags != case.tags:
        changes["tags"] = tags
        history.append(_entry(now, by, "tags", **{"from": case.tags, "to": tags}))
    notes = case.notes
    if update.note is not None:
        notes = [*notes, Note(at=now, by=by, text=update.note)]
        changes["notes"] = notes
        history.append(_entry(now, by, "note", text=update.note[:200]))
    if not changes:
        return case
    changes["history"] = [*case.history, *history]
    return case.model_copy(update=changes)


def _tags(current: list[str], update: CaseUpdate) -> list[str]:
    tags = list(update.tags) if update.tags is not None else list(current)
    tags += [t for t in update.add_tags if t not in tags]
    removed = set(update.remove_tags)
    tags = [t for t in dict.fromkeys(tags) if t not in removed]
    if len(tags) > MAX_TAGS:
        raise CaseError("tags", f"a case holds at most {MAX_TAGS} tags")
    return tags


def join(case: MentionRecord, follow_up: MentionRecord, now: datetime) -> MentionRecord:
    """The case after a later message of its conversation joined it.

    The case goes back to waiting on the team (a replied case becomes new again, waiting since
    this message) and its priority rises to the message's when that is higher.
    """
    if follow_up.id in case.message_keys or follow_up.id == case.id:
        return case
    changes: dict[str, Any] = {"message_keys": [*case.message_keys, follow_up.id]}
    detail: dict[str, Any] = {"key": follow_up.id}
    if case.status is Status.REPLIED:
        changes["status"] = Status.NEW
        detail["status"] = Status.NEW
    if changes.get("status", case.status).open and case.waiting_since is None:
        changes["waiting_since"] = follow_up.mention.created_at
    raised = follow_up.triage.priority
    if raised.rank > case.priority.rank:
        changes["conversation_priority"] = raised
        detail["priority"] = raised
    history = _entry(now, SYSTEM, "message", **detail)
    changes["history"] = [*case.history, history]
    return case.model_copy(update=changes)


def raises_priority(case: MentionRecord, follow_up: MentionRecord) -> bool:
    return follow_up.triage.priority.rank > case.priority.rank
