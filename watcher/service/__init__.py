"""The long-running service (`regwatch run`): lifecycle and signals, scheduling, the
health and metrics endpoints, and source status. Sits above the check; only the command
line imports it.
"""
