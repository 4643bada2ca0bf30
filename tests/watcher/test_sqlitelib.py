"""sqlite-utils' module-level regexes compile on first use (watcher/cli/sqlitelib.py) and then
answer exactly as the patterns compiled at import did."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import sqlite_utils
from hypothesis import given, settings
from hypothesis import strategies as st

from watcher.cli.sqlitelib import LazyPattern

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, re, sys
real = re.compile
import watcher.cli
import sqlite_utils
import sqlite_utils.db as db
from watcher.cli.sqlitelib import LazyPattern
lazy = isinstance(db._virtual_table_using_re, LazyPattern)
untouched = db._virtual_table_using_re._compiled is None
conn = sqlite_utils.Database(memory=True)
conn.execute("CREATE VIRTUAL TABLE [docs fts] USING FTS5 (title)")
print(json.dumps({"lazy": lazy, "untouched": untouched, "re_compile_restored": re.compile is real,
                  "using": conn["docs fts"].virtual_table_using}))
"""


def test_the_virtual_table_pattern_is_compiled_only_when_used():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    found = json.loads(done.stdout)
    assert found == {"lazy": True, "untouched": True, "re_compile_restored": True, "using": "FTS5"}


PATTERNS = [(p._source if isinstance(p, LazyPattern) else (p.pattern, p.flags)) for p in (
    sqlite_utils.db._virtual_table_using_re, sqlite_utils.db._quote_fts_re
)]  # fmt: skip
SQL = st.one_of(
    st.text(
        st.sampled_from(list("CREATE VIRTUAL TABLE USING IF NOT EXISTS \"'`[]_$ fts5 é(),")), max_size=60
    ),
    st.builds(
        lambda head, name, tail: head + name + tail,
        st.sampled_from(["CREATE VIRTUAL TABLE ", "  create virtual table IF NOT EXISTS ", "CREATE TABLE "]),
        st.sampled_from(['"a ""b"""', "'x''y'", "`t`", "[s q]", "é_1$", "1bad", ""]),
        st.sampled_from([" USING fts5(x)", " using  rtree", "USING FTS4", " USING", ""]),
    ),
)


@settings(max_examples=300, deadline=None)
@given(SQL)
def test_a_lazy_pattern_answers_as_the_compiled_one(text: str):
    for pattern, flags in PATTERNS:
        lazy, compiled = LazyPattern(pattern, flags), re.compile(pattern, flags)
        got, want = lazy.match(text), compiled.match(text)
        assert (got and (got.groupdict(), got.span())) == (want and (want.groupdict(), want.span()))
        assert lazy.split(text) == compiled.split(text)
        assert (lazy.pattern, lazy.flags, lazy.groupindex) == (
            compiled.pattern,
            compiled.flags,
            compiled.groupindex,
        )
