"""YouTube comments, heard through the YouTube Data API v3 ``commentThreads.list`` (``poll``);
no webhook, no replies."""
