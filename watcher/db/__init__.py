"""Storage: the SQLite database and nothing else.

Owns the connection, the schema and its frozen migrations, check records, the outbox
queue, alert assembly and enrichment rows, and the single-instance lock. It reads and
writes typed values; it decides nothing (which failures break a source, when a health
event fires and where alerts go are decided by the check and by `alerts/`). Imports the
shared values only.
"""
