"""Documents' facts and dates: what a document is, and when to comment or comply.

`facts` builds DocumentFacts from an item's recorded fields (and, where a field is
missing, its text via sources/docdates.py); the store keeps each document's dates
(watcher/db/docdates.py); `deadlines` lists them; `calendar` writes them as iCalendar.
May import sources (pure text helpers), watcher.model and alerts.facts (columns); never the CLI.
"""
