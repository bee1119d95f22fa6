"""In-memory fakes of Heard's adapters, for fast unit tests of the domain."""

from fakes.store import FakeMentionStore

__all__ = ["FakeMentionStore"]
