"""Web feeds (RSS and Atom: blogs, review sites, Google Alerts), heard by polling (``poll``);
no webhook, no replies."""
