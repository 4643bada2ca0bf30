"""The invisible format characters every channel strips from page text (no imports: render.py,
mrkdwn.py and the others all use it)."""

from __future__ import annotations

#: Every invisible format character, Unicode category Cf (Unicode 14, Python 3.11): bidi
#: marks, embeddings, overrides and isolates (U+061C, U+200E/F, U+202A-E, U+2066-9), zero-width
#: characters, the soft hyphen, tag characters... They can reorder or hide what a reader
#: sees and are never the regulator's words. A test checks this list against `unicodedata`.
#: Kept: ZERO WIDTH NON-JOINER and JOINER (U+200C/D), which shape letters in Indic and
#: Persian words (part of their spelling) and cannot reorder text.
JOINERS = "\u200c\u200d"
FORMAT_CHARACTERS = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)

__all__ = ["FORMAT_CHARACTERS", "JOINERS"]
