"""`regwatch doctor`: is this installation ready to watch and alert? One row per check.

`report` holds the row value and the table; `channels` checks each alert channel without
sending anything (token present, Slack `auth.test` and the bot's membership, webhook and SMTP
reachable); `sources` checks robots.txt per source and Chromium for browser sources;
`checks` runs them all in order (config, database, channels, sources). May import the
engine (config, db, net) and the channels; nothing imports it but the CLI.
"""
