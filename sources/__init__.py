"""What to watch: source kinds (one module each, registered in `registry.py`) and the catalog."""
