"""The case workflow: what happens to a conversation with a customer once Heard has heard it.

Its modules hold the transitions a case goes through, who it is assigned to, the versions that
guard concurrent edits, the SLA clocks (``sla``), reply drafts and the outbox replies leave by.
Domain code only: no I/O here; adapters are handed in.
"""
