"""`python -m watcher` runs the regwatch command line."""

from watcher.cli import main

if __name__ == "__main__":
    main()
