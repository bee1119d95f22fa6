"""In-memory fakes of Heard's adapters, for fast unit tests of the domain."""

from tests.fakes.store import FakeMentionStore

__all__ = ["FakeMentionStore"]
