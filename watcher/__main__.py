"""`python -m watcher` runs the regwatch command line."""

if __name__ == "__main__":
    from watcher import startup

    startup.pause()  # no garbage collection while the command line loads (watcher/startup.py)
    # Imported here, not at the top: spawn-started extraction workers import this module
    # (as `__mp_main__`) and must not load the whole command line (~50 MB per worker).
    from watcher.cli import main

    main()
