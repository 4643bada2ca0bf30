"""Related articles: link a change's new documents to items of other sources in the
full-text index. `text` (tokens, stop words, the index's own stems), `identifiers`
(identifiers and named acts; acts from `acts.toml` and the documents), `features` (a
document's salient features and their idf), `ranking` (candidates, scores, reasons),
`linking` (a change's documents, the entry point `link_change`), `values` (plain values).
Pure functions over values plus reads of the index; imports the shared values only.
"""
