"""Network: everything that reaches a remote host.

Owns the fetcher (limits, conditional GET, capped bodies, the address guard), its aiohttp
transport, per-host pacing, robots.txt, bot-wall detection and browser rendering. Imports
only `sources.text` for decoding and the shared values; never the database, the check,
the service or the command line.
"""
