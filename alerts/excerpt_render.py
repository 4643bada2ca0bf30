"""Excerpts of changed text marked up per channel: Slack mrkdwn, plain text, HTML, JSON.

| channel        | deleted            | inserted          | left out                 |
|----------------|--------------------|-------------------|--------------------------|
| Slack mrkdwn   | `~old words~`      | `*new words*`     | `…` and ` (+312 chars)`  |
| text / console | `[-old words-]`    | `{+new words+}`   | the same                 |
| HTML email     | `<del>old</del>`   | `<ins>new</ins>`  | the same                 |
| webhook JSON   | `{"op": "del", "text": ...}` segments, `gap` with `more` |

Every piece of page text is escaped for its channel here (mrkdwn `&<>`, HTML entities,
terminal control characters removed), after the excerpt is cut, so an entity or an
escape sequence is never split. Colour (red/green) is added only for a terminal.
"""

from __future__ import annotations

import html
import re
from typing import Any

from alerts.excerpt import Excerpt, Piece
from alerts.mrkdwn import clean, escape

ELLIPSIS = "…"
SPACE = re.compile(r"\s+")
RED, GREEN, RESET = "\x1b[31m", "\x1b[32m", "\x1b[0m"
MRKDWN_PREFIX = {"edit": "✎ ", "added": "+ ", "removed": "− "}
TEXT_PREFIX = {"edit": "~ ", "added": "+ ", "removed": "- "}
HTML_LABEL = {"edit": "edited", "added": "added", "removed": "removed"}


def _flat(text: str) -> str:
    """One line: control characters dropped, whitespace runs (newlines too) as one space."""
    return SPACE.sub(" ", clean(text))


def _split_space(text: str) -> tuple[str, str, str]:
    """Leading whitespace, the core, trailing whitespace (markers must hug the words)."""
    core = text.strip()
    if not core:
        return text, "", ""
    start = text.index(core)
    return text[:start], core, text[start + len(core) :]


def _suffix(excerpt: Excerpt) -> str:
    return f" (+{excerpt.hidden} chars)" if excerpt.hidden else ""


def _marked(piece: Piece, open_: str, close: str, escape_text) -> str:
    lead, core, trail = _split_space(_flat(piece.text))
    if not core:
        return lead
    cut = ELLIPSIS if piece.more else ""
    return f"{lead}{open_}{escape_text(core)}{cut}{close}{trail}"


def _join(parts: list[tuple[str, str]], *, word_bound: bool = False) -> str:
    """Pieces in order, with a space between a deletion and an insertion that touch.

    With `word_bound` (Slack), a space also separates a marker from a letter or digit it
    would touch: Slack only reads `*`/`~` as formatting at a word boundary, so
    `subject*, and…*` would show its asterisks instead of bold.
    """
    out: list[str] = []
    previous = ""
    for op, text in parts:
        if not text:
            continue
        touching = bool(out) and not out[-1][-1:].isspace() and not text[:1].isspace()
        marked_edge = op in ("del", "ins") or previous in ("del", "ins")
        between_changes = previous == "del" and op == "ins"
        at_word = touching and word_bound and marked_edge and (out[-1][-1:].isalnum() or text[:1].isalnum())
        if touching and (between_changes or at_word):
            out.append(" ")
        out.append(text)
        previous = op
    return "".join(out)


def to_mrkdwn(excerpt: Excerpt) -> str:
    """`✎ …context ~old~ *new* context… (+312 chars)` with every page character escaped."""
    parts: list[tuple[str, str]] = []
    for piece in excerpt.pieces:
        if piece.op == "gap":
            parts.append((piece.op, ELLIPSIS))
        elif piece.op == "same":
            parts.append((piece.op, escape(_flat(piece.text))))
        elif piece.op == "del":
            parts.append((piece.op, _marked(piece, "~", "~", escape)))
        else:
            parts.append((piece.op, _marked(piece, "*", "*", escape)))
    return MRKDWN_PREFIX[excerpt.kind] + _join(parts, word_bound=True) + _suffix(excerpt)


def to_text(excerpt: Excerpt, *, color: bool = False, mark: bool = True) -> str:
    """`~ …context [-old-]{+new+} context… (+312 chars)`; red/green only when `color`;
    without the leading line mark (`~ `, `+ `, `- `) when `mark` is false."""
    parts: list[tuple[str, str]] = []
    for piece in excerpt.pieces:
        if piece.op == "gap":
            parts.append((piece.op, ELLIPSIS))
        elif piece.op == "same":
            parts.append((piece.op, _flat(piece.text)))
        elif piece.op == "del":
            text = _marked(piece, "[-", "-]", str)
            parts.append((piece.op, _paint(text, RED) if color else text))
        else:
            text = _marked(piece, "{+", "+}", str)
            parts.append((piece.op, _paint(text, GREEN) if color else text))
    prefix = TEXT_PREFIX[excerpt.kind] if mark else ""
    return prefix + "".join(text for _, text in parts) + _suffix(excerpt)


def _paint(text: str, colour: str) -> str:
    lead, core, trail = _split_space(text)
    return f"{lead}{colour}{core}{RESET}{trail}" if core else text


def to_html(excerpt: Excerpt) -> str:
    """`<del>`/`<ins>` around the changes, page text HTML-escaped."""

    def esc(text: str) -> str:
        return html.escape(text, quote=True)

    parts: list[tuple[str, str]] = []
    for piece in excerpt.pieces:
        if piece.op == "gap":
            parts.append((piece.op, ELLIPSIS))
        elif piece.op == "same":
            parts.append((piece.op, esc(_flat(piece.text))))
        elif piece.op == "del":
            parts.append(
                (piece.op, _marked(piece, '<del style="background:#fdd;color:#900">', "</del>", esc))
            )
        else:
            parts.append(
                (
                    piece.op,
                    _marked(
                        piece, '<ins style="background:#dfd;color:#060;text-decoration:none">', "</ins>", esc
                    ),
                )
            )
    label = f'<span style="color:#666">{HTML_LABEL[excerpt.kind]}:</span> '
    return label + _join(parts) + esc(_suffix(excerpt))


def to_json(excerpt: Excerpt) -> dict[str, Any]:
    """The excerpt as data: `{"kind", "hidden", "segments": [{"op", "text", "more"}]}`."""
    return {
        "kind": excerpt.kind,
        "hidden": excerpt.hidden,
        "segments": [
            {"op": p.op, "text": p.text, **({"more": p.more} if p.more else {})} for p in excerpt.pieces
        ],
    }
