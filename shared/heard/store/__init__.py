"""DynamoDB: the mentions table, split by concern.

- ``table``: the codec (Python values <-> DynamoDB items) and the index keys of a record;
- ``mentions``: store once, read, removals and tombstones, edits, the inbox listings;
- ``claims``: the alert claim protocol (claim, release, mark sent, escalations due);
- ``cursors``: opaque pagination cursors bound to the listing that issued them.

Table design (one item per mention, ``pk`` = ``Mention.key`` such as ``x:1849``):

| access pattern                                   | how                                          |
|--------------------------------------------------|----------------------------------------------|
| store a mention once, whatever the retries       | PutItem with ``attribute_not_exists(pk)``    |
| get one mention                                  | GetItem ``pk``                               |
| every case, newest first                         | GSI ``Feed``: feed = "mention", sort_key     |
| a brand's cases, by priority, closed status, ... | ``Feed`` with a filter on its summary        |
| a brand's open cases in a status, newest first   | GSI ``ByBrandStatus`` (sparse): "acme#new"   |
| the open case of a conversation                  | GSI ``ByOpenAuthor`` (sparse, keys only)     |
| the cases whose SLA needs a look                 | GSI ``BySlaDue`` (sparse, keys only)         |
| cases created in a window, for /stats            | ``Feed`` sort_key BETWEEN, the summary       |
|                                                  | projected: no item reads                     |
| forget old mentions                              | TTL on ``expires_at`` (``RETENTION_DAYS``)   |

``sort_key`` is ``<created_at ISO>#<pk>`` so ties never collide. No index projects the whole
item: ``ByBrand`` and ``Feed`` hold a summary (``table.SUMMARY``), ``ByBrandStatus`` and
``ByOpenAuthor`` only open cases, and listings read their page's items by key (BatchGetItem).
Index keys hold the case-folded brand (``brand_key``); ``brand_name`` keeps the brand as
configured. A removal that arrives before its mention leaves a tombstone (no index attributes),
and the late mention is then refused. Every write increments the record's ``version``.
The one-partition ``Feed`` index suits one company's mention volume (well under 1,000 writes a
second); shard its key by day if that ever changes.
"""

from heard.store.claims import CLAIM_TIMEOUT, AlertClaims
from heard.store.cursors import CursorError, Filters, Listing, Sort
from heard.store.mentions import MentionStore, NotFound, Page, SlaOrder
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
    "SlaOrder",
    "Sort",
    "brand_key",
]
