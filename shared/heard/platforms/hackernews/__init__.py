"""Hacker News, heard through the Algolia HN Search API (``poll``); no webhook, no replies."""
