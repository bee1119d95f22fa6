"""Spike detection over 5-minute mention counts: pure functions and a JSON-able state, so the
scheduled run can keep the state between runs wherever it likes (DynamoDB)."""

from heard.spikes.detector import (
    Alert,
    NegativeShareState,
    VolumeState,
    step,
    step_negative_share,
)

__all__ = ["Alert", "NegativeShareState", "VolumeState", "step", "step_negative_share"]
