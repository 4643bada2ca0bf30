"""The long-running service (`regwatch run`): lifecycle and signals, scheduled jobs, delivery, the
reload plan, the health and metrics endpoints, source status, and `runner` (one pass
over the sources, then delivery). Sits above the config and the check; only the command
line imports it.
"""
