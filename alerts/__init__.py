"""Where changes go: channels (one module each, registered in `registry.py`), rendering,
routing and the durable delivery outbox."""
