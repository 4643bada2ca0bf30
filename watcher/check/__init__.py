"""The check: one source from fetch to stored change, then its enrichment.

`pipeline` checks one source (robots → fetch → extract → decide → record, then the
enrichment stage); `decide` says what a check means and `sourcehealth` how a source's
health moves (both pure); `diff` compares two snapshots; `enrich` and `follow` follow new
documents and link related articles after the check; `workers` is the extraction process
pool. Imports the network, the database, related, `sources`, `alerts` and the shared
values; never the config, the service or the command line (lint-imports checks).
"""
