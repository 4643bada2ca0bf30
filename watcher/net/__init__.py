"""Network: everything that reaches a remote host.

Owns the fetcher (limits, conditional GET, capped bodies, the address guard), its aiohttp
transport, per-host pacing, robots.txt, bot-wall detection and browser rendering. Imports
only the shared values (`watcher.model`, `watcher.errors`) and `sources.text` for decoding;
never the database, the check, the service or alerts.
"""
