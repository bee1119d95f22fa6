"""DynamoDB: the mentions table, split by concern.

- ``table``: the codec (Python values <-> DynamoDB items), the index keys of a record, the
  summary the indexes project;
- ``mentions``: store once, read, removals and tombstones, edits, cases saved under optimistic
  concurrency, the inbox listings, /stats windows, the cases whose SLA is due; its docstring
  has the table's access patterns and indexes;
- ``claims``: the alert claim protocol (claim, take over, release, mark sent or failed);
- ``cursors``: opaque pagination cursors bound to the listing that issued them;
- ``signals``: the signals table (per-brand counts in 5-minute buckets, the spike detectors'
  state, the brand's crisis).
"""

from heard.store.claims import CLAIM_TIMEOUT, AlertClaims
from heard.store.cursors import CursorError, Filters, Listing, Sort
from heard.store.mentions import MentionStore, NotFound, Page, SlaOrder
from heard.store.signals import SignalsTable
from heard.store.table import MentionTable, brand_key

__all__ = [
    "CLAIM_TIMEOUT",
    "AlertClaims",
    "CursorError",
    "Filters",
    "Listing",
    "MentionStore",
    "MentionTable",
    "NotFound",
    "Page",
    "SignalsTable",
    "SlaOrder",
    "Sort",
    "brand_key",
]
