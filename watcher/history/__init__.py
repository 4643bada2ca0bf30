"""Analyst history: read-only queries over the database (history, search, snapshots,
exports), retention (vacuum) and the Datasette UI. Imports `watcher.db` and the shared
values; never the network, the check or the service.
"""
