"""Digests: a brand's period in figures, at a local time the brand chooses.

- ``periods``: which period a digest covers in the brand's time zone, and what is due now;
- ``compute``: the figures (pure, over the store's reads through Protocols);
- ``render``: plain text (SNS email), HTML (SES) and a channel-neutral summary (chat);
- ``run``: the scheduled run: claim each due (brand, period) once, compute, send.
"""

from heard.digest.compute import MAX_RECORDS, Digest, NoSpikes, SpikesReader, compute
from heard.digest.periods import Cadence, Period, due, latest

__all__ = [
    "MAX_RECORDS",
    "Cadence",
    "Digest",
    "NoSpikes",
    "Period",
    "SpikesReader",
    "compute",
    "due",
    "latest",
]
