"""Getting mentions in: the ingest queue every source writes to (``queue``), and the polling
mechanics shared by every scheduled source (``polling``: cursors, budgets, backoff, health).

What one platform's poller knows (its endpoints, paging and payloads) lives beside the rest of
that platform in ``heard.platforms.<source>.poll``.
"""

from heard.ingest.queue import (
    SQS_BATCH,
    EnqueueError,
    IngestQueue,
    message_key,
    message_platform,
    parse_message,
)

__all__ = [
    "SQS_BATCH",
    "EnqueueError",
    "IngestQueue",
    "message_key",
    "message_platform",
    "parse_message",
]
