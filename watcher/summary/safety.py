"""A model's answer made safe to show: it is untrusted text, like page text.

Channels still escape it at render time; here it loses what escaping cannot judge: links
that were not in the change (a page may ask the model to add one), mention words, control
and invisible format characters, and length.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_CHARS = 700
URL = re.compile(r"(?:https?|ftp|file|javascript|data|mailto):[^\s<>\"'|)\]]{1,2000}", re.IGNORECASE)
#: Slack's own mention and link syntax, and plain-text mention words.
ANGLE = re.compile(r"<[!@#][^<>\n]{0,200}>|<[a-z]+:[^<>\n]{0,2000}>", re.IGNORECASE)
MENTION_WORD = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
MARKDOWN_LINK = re.compile(r"\[([^\]\n]{0,300})\]\(([^)\s]{0,2000})\)")


def _clean_chars(text: str) -> str:
    out = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\n\t":
            out.append(" ")
        elif category in ("Cc", "Cf", "Co", "Cs"):
            continue
        else:
            out.append(char)
    return "".join(out)


def clean_summary(text: str, allowed_links: Iterable[str]) -> str:
    """One paragraph: no mentions, no links but those of the change, at most MAX_CHARS."""
    allowed = {link.rstrip("/") for link in allowed_links if link}
    text = _clean_chars(text[: MAX_CHARS * 4])
    text = MARKDOWN_LINK.sub(lambda m: m.group(1), text)  # [label](url) -> label, url judged below
    text = ANGLE.sub(lambda m: m.group().strip("<>!@#").split("|")[-1], text)

    def judge(found: re.Match[str]) -> str:
        url = found.group().rstrip(".,;:")
        tail = found.group()[len(url) :]
        return (url if url.rstrip("/") in allowed else "[link removed]") + tail

    text = URL.sub(judge, text)
    text = MENTION_WORD.sub(lambda m: "\uff20" + m.group(1), text)  # a fullwidth @: never a mention
    text = " ".join(text.split())
    if len(text) > MAX_CHARS:
        cut = text[: MAX_CHARS - 1]
        text = (cut[: cut.rfind(" ")] if " " in cut[MAX_CHARS // 2 :] else cut) + "…"
    return text
