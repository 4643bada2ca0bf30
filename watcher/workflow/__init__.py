"""The alert workflow: acknowledge, assign, dismiss and snooze changes, and prove it later.

`state` folds the append-only audit trail into a change's state (pure), `actions` records an
action and refreshes the Slack messages that show it, `interactions` turns Slack button
presses into actions (who may act, which message), `reminders` schedules the threaded
nudges and snooze returns through the outbox, `evidence` keeps and exports what was fetched.
May import `watcher.db`, `watcher.model`, `alerts`; nothing imports it but the CLI and service.
"""
