"""Mastodon: statuses under a brand's hashtags (and, with a token, its search terms), heard by
polling one or more instances (``poll``)."""
