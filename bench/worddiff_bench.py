"""Word diff engines on real regulation paragraphs: quality and speed (run by hand, not a test).

    python bench/worddiff_bench.py            # dev and test tables, hostile-input timings

Paragraphs (>= 300 characters): GDPR Articles 5 and 32-34 from the EUR-Lex capture in
tests/pages/eurlex/, and Federal Register abstracts (HHS and every other agency) from
/work/shared/corpus/federal-register-api-json/ when present, else the 20-document sample
in tests/pages/. Split once by a hash of the paragraph into development and test; the
engine was chosen on development only. Each paragraph gets seeded edits of the kinds a
regulator makes (replace a phrase, insert a clause, delete a clause, two edits, an edit in
the last 15%), whose true deleted and inserted words are known. Per engine:

- exact: the diff reports exactly the true deleted and inserted words, in one change each;
- excess: characters marked changed beyond the true edit, per 100 true changed characters;
- split: changes reported per true change (1.00 = never splintered into `~a~ *b* ~c~ *d*`);
- mid-word: % of reported changes that start or end inside a word (`period~ically~`);
- µs: mean and 99th percentile time per line pair.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import lxml.html
from diff_match_patch import diff_match_patch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alerts.worddiff import TOKEN, Segment, merge, word_diff  # noqa: E402

GDPR = ROOT / "tests/pages/eurlex/gdpr-articles-5-32-34.html"
FR_FULL = Path("/work/shared/corpus/federal-register-api-json/documents_2024_page1_per1000_allfields.json")
FR_SAMPLE = ROOT / "tests/pages/federal-register-api-json/documents-sample.json"
KINDS = ("replace", "insert", "delete", "two", "end")


def paragraphs() -> list[str]:
    root = lxml.html.fromstring(GDPR.read_bytes())
    found = [" ".join(p.text_content().split()) for p in root.iter("p")]
    data = json.loads((FR_FULL if FR_FULL.exists() else FR_SAMPLE).read_text(encoding="utf-8"))
    found += [" ".join((d.get("abstract") or "").split()) for d in data["results"]]
    unique = sorted({p for p in found if len(p) >= 300})
    return unique


def split(items: list[str]) -> tuple[list[str], list[str]]:
    dev, test = [], []
    for item in items:
        (dev if hashlib.sha256(item.encode()).digest()[0] % 2 == 0 else test).append(item)
    return dev, test


def edit(
    text: str, kind: str, rng: random.Random, vocabulary: list[str]
) -> tuple[str, list[tuple[str, str]]]:
    """An edited copy and its true (deleted, inserted) word runs."""
    words = text.split(" ")
    truth: list[tuple[str, str]] = []

    def phrase(n: int) -> list[str]:
        return [rng.choice(vocabulary) for _ in range(n)]

    def apply(start: int, removed: int, added: list[str]) -> None:
        truth.append((" ".join(words[start : start + removed]), " ".join(added)))
        words[start : start + removed] = added

    n = len(words)
    if kind == "replace":
        start = rng.randrange(1, n - 6)
        apply(start, rng.randint(1, 4), phrase(rng.randint(1, 8)))
    elif kind == "insert":
        apply(rng.randrange(1, n - 1), 0, phrase(rng.randint(3, 10)))
    elif kind == "delete":
        start = rng.randrange(1, n - 9)
        apply(start, rng.randint(2, 8), [])
    elif kind == "two":
        second = rng.randrange(n // 2 + 2, n - 4)
        apply(second, rng.randint(1, 3), phrase(rng.randint(1, 5)))
        apply(rng.randrange(1, n // 2 - 4), rng.randint(1, 3), phrase(rng.randint(1, 5)))
        truth.reverse()
    else:  # end
        start = rng.randrange(int(n * 0.85), n - 1)
        apply(start, rng.randint(0, 2), phrase(rng.randint(2, 9)))
    return " ".join(words), truth


# -- engines ---------------------------------------------------------------------------


def difflib_words(old: str, new: str) -> tuple[Segment, ...]:
    a, b = TOKEN.findall(old), TOKEN.findall(new)
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(Segment("same", "".join(a[i1:i2])))
        else:
            out.append(Segment("del", "".join(a[i1:i2])))
            out.append(Segment("ins", "".join(b[j1:j2])))
    return merge(out)


def dmp_chars(old: str, new: str) -> tuple[Segment, ...]:
    engine = diff_match_patch()
    engine.Diff_Timeout = 0.25
    diffs = engine.diff_main(old, new)
    engine.diff_cleanupSemantic(diffs)
    ops = {0: "same", -1: "del", 1: "ins"}
    return merge([Segment(ops[op], text) for op, text in diffs])  # type: ignore[arg-type]


def dmp_words_raw(old: str, new: str) -> tuple[Segment, ...]:
    words: dict[str, str] = {}

    def encode(text: str) -> str:
        return "".join(words.setdefault(t, chr(0xF0000 + len(words))) for t in TOKEN.findall(text))

    ea, eb = encode(old), encode(new)
    decode = {c: w for w, c in words.items()}
    engine = diff_match_patch()
    diffs = engine.diff_main(ea, eb, False)
    ops = {0: "same", -1: "del", 1: "ins"}
    return merge([Segment(ops[op], "".join(decode[c] for c in text)) for op, text in diffs])  # type: ignore[arg-type]


ENGINES: dict[str, Callable[[str, str], tuple[Segment, ...]]] = {
    "difflib (words)": difflib_words,
    "dmp chars + semantic": dmp_chars,
    "dmp words, no cleanup": dmp_words_raw,
    "dmp words + semantic (chosen)": word_diff,
}


# -- scoring ---------------------------------------------------------------------------


def changes(segments: tuple[Segment, ...]) -> list[tuple[str, str]]:
    """(deleted, inserted) per change: runs of del/ins between unchanged text (a shared space
    between two replaced words splits them: `~the~ *a* ~risk~ *b*` is two changes)."""
    out: list[list[str]] = []
    current: list[str] | None = None
    for s in segments:
        if s.op == "same":
            current = None
            continue
        if current is None:
            current = ["", ""]
            out.append(current)
        current[0 if s.op == "del" else 1] += s.text
    return [(d, i) for d, i in out]


def mid_word(segments: tuple[Segment, ...]) -> int:
    """Changes that start or end inside a word of the unchanged text around them."""
    count = 0
    for index, s in enumerate(segments):
        if s.op == "same":
            continue
        before = next((t.text for t in reversed(segments[:index]) if t.op == "same"), "")
        after = next((t.text for t in segments[index + 1 :] if t.op == "same"), "")
        if (before[-1:].isalnum() and s.text[:1].isalnum()) or (
            s.text[-1:].isalnum() and after[:1].isalnum()
        ):
            count += 1
    return count


def norm(text: str) -> str:
    return " ".join(text.split())


def score(rows: list[tuple[str, str, list[tuple[str, str]]]], engine) -> dict[str, float]:
    exact = excess = true_chars = splits = true_changes = midword = 0
    times = []
    for old, new, truth in rows:
        start = time.perf_counter()
        segments = engine(old, new)
        times.append((time.perf_counter() - start) * 1e6)
        found = changes(segments)
        exact += [(norm(d), norm(i)) for d, i in found] == [(norm(d), norm(i)) for d, i in truth]
        marked = sum(len(norm(d)) + len(norm(i)) for d, i in found)
        wanted = sum(len(norm(d)) + len(norm(i)) for d, i in truth)
        excess += max(marked - wanted, 0)
        true_chars += wanted
        splits += len(found)
        true_changes += len(truth)
        midword += mid_word(segments)
    times.sort()
    return {
        "exact %": 100 * exact / len(rows),
        "excess /100": 100 * excess / max(true_chars, 1),
        "split": splits / max(true_changes, 1),
        "mid-word %": 100 * midword / max(splits, 1),
        "mean µs": statistics.fmean(times),
        "p99 µs": times[int(len(times) * 0.99) - 1],
    }


def table(name: str, rows) -> None:
    print(f"\n{name}: {len(rows)} edits")
    print(
        f"{'engine':32} {'exact %':>8} {'excess':>7} {'split':>6}"
        f" {'mid-word %':>10} {'mean µs':>8} {'p99 µs':>8}"
    )
    for label, engine in ENGINES.items():
        r = score(rows, engine)
        print(
            f"{label:32} {r['exact %']:8.1f} {r['excess /100']:7.1f} {r['split']:6.2f}"
            f" {r['mid-word %']:10.1f} {r['mean µs']:8.0f} {r['p99 µs']:8.0f}"
        )


def hostile() -> None:
    print("\nhostile input (word_diff, seconds):")
    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(50_000)]
    cases = {
        "2 x 1 MB lines, random words": (
            " ".join(rng.choice(vocab) for _ in range(150_000)),
            " ".join(rng.choice(vocab) for _ in range(150_000)),
        ),
        "2 x 300 KB 'a a a …' vs 'b b b …'": ("a " * 150_000, "b " * 150_000),
        "40 KB line, every 3rd word changed": (
            " ".join(vocab[:6000]),
            " ".join(w if i % 3 else "x" + w for i, w in enumerate(vocab[:6000])),
        ),
    }
    for label, (old, new) in cases.items():
        start = time.perf_counter()
        result = word_diff(old, new)
        print(f"  {label:40} {time.perf_counter() - start:6.2f} s, {len(result)} segments")


def main() -> None:
    texts = paragraphs()
    dev, test = split(texts)
    vocabulary = sorted({w for p in texts for w in p.split(" ") if re.fullmatch(r"[a-z]{3,}", w)})
    rng = random.Random(13)

    def rows_for(items: list[str]):
        rows = []
        for text in items:
            for kind in KINDS:
                new, truth = edit(text, kind, rng, vocabulary)
                rows.append((text, new, truth))
        return rows

    lengths = [len(p) for p in texts]
    print(
        f"{len(texts)} paragraphs, {min(lengths)}–{max(lengths)} chars"
        f" (median {statistics.median(lengths):.0f})"
    )
    table("development", rows_for(dev))
    table("test", rows_for(test))
    hostile()


if __name__ == "__main__":
    main()
