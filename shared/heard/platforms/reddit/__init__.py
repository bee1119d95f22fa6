"""Reddit: posts that name a brand (site-wide search) and the new comments of the subreddits a
brand lists, heard by polling the Data API with application-only OAuth (``poll``).

Heard cannot reply on Reddit; the people answering do that on Reddit itself.

Relied on: Reddit Data API Wiki (support.reddithelp.com/hc/en-us/articles/16160319875092: the
User-Agent format, the ``X-Ratelimit-*`` headers, 100 queries a minute per OAuth client id on the
free tier), Reddit's OAuth2 wiki (github.com/reddit-archive/reddit/wiki/OAuth2: application-only
``grant_type=client_credentials``), the Responsible Builder Policy
(support.reddithelp.com/hc/articles/42728983564564: new API access needs Reddit's approval) and
reddit.com/dev/api (``/search``, ``/r/{sub}/comments``, listings, ``raw_json``).
"""
