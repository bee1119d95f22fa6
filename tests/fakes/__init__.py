"""In-memory fakes of Heard's adapters, for fast unit tests of the domain."""

from fakes.channels import RecordingChannel
from fakes.claims import InMemoryClaims
from fakes.signals import FakeSampler, FakeSignals, RecordingNotifier
from fakes.store import FakeMentionStore


def fake_table() -> tuple[FakeMentionStore, InMemoryClaims]:
    """A store and the alert claims over one set of records, as both share one DynamoDB table."""
    store, claims = FakeMentionStore(), InMemoryClaims()
    claims.records = store.records
    return store, claims


__all__ = [
    "FakeMentionStore",
    "FakeSampler",
    "FakeSignals",
    "InMemoryClaims",
    "RecordingChannel",
    "RecordingNotifier",
    "fake_table",
]
