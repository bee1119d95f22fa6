"""The case workflow: transitions, assignment, versions, SLA clocks, drafts, the reply outbox.

Every stored mention belongs to a case (``MentionRecord``): the first message of a
conversation is the case, and later messages from the same author join it while it is open.
The modules here decide what a change does to a case; the store persists it under optimistic
concurrency, and the API maps it to HTTP.
"""
