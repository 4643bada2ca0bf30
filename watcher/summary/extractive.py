"""The model-free summary line that leads every alert: it lives in `alerts.headline` (the
channels render it); re-exported here under the names the summary package uses."""

from __future__ import annotations

from alerts.headline import headline_of as extractive_summary
from alerts.headline import text_edits

__all__ = ["extractive_summary", "text_edits"]
