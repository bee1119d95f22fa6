"""Bluesky: posts that name a brand, heard by polling ``app.bsky.feed.searchPosts`` (``poll``)."""
