"""Storage: the SQLite database and nothing else.

Owns the connection, the schema and its frozen migrations, check records, the outbox
queue, alert assembly and enrichment rows, the single-instance lock and the crash-test
hook (`crashpoints`). It reads and writes typed values; it decides nothing (which failures
break a source, when a health event fires and where alerts go are decided by the check,
the source kinds and `alerts/routing.py`). Imports `sources`, `alerts` and the shared values.
"""
