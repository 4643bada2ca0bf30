"""The check: one source from fetch to stored change, then its enrichment.

`pipeline` checks one source (fetch → extract → decide → store); `diff` compares two
snapshots; `enrich` follows new documents and links related articles after the check;
`runner` runs a pass over many sources and delivers; `workers` is the extraction process
pool; `crashpoints` is the crash-test hook. Imports the network, the database, related,
`sources` and `alerts`; never the service or the command line.
"""
