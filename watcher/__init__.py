"""regwatch: watch regulator sources, detect meaningful changes, keep every version, alert."""

__version__ = "0.1.0"
