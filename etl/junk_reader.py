"""Bounded loads under junk: a contract file that is mostly unreadable is read line by line in bulk instead of through
DuckDB's CSV reader, whose rejects table costs about a fifth of a millisecond per rejected line (minutes for a
million junk lines).

`junk_share` estimates, from the first SAMPLE_LINES lines (Python's csv module), the share of rows whose field
count is not the header's. Above JUNK_SHARE, `read_lines` reads the file as text in DuckDB, splits each line at its
commas and keeps the lines with the header's field count as records (raw_input, as csv_reader.read_raw makes it) and
the others as rejected lines with their reason. It applies only to files without a double quote anywhere (a quoted
field may hold a comma or a line break, which only a CSV parser reads right); a file that quotes fields takes the
ordinary reader, and `load_refuse_junk_share` can refuse a mostly-junk file before it is read.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import duckdb

SAMPLE_LINES = 2000
JUNK_SHARE = 0.5


def junk_share(path: Path, width: int) -> float:
    """The share of the first SAMPLE_LINES rows whose field count differs from the header's `width`."""
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        handle.readline()  # the header, checked already
        rows = [row for row in csv.reader(itertools.islice(handle, SAMPLE_LINES)) if row]
    return sum(len(row) != width for row in rows) / len(rows) if rows else 0.0


class RejectedInTable(list):
    """The rejected lines of a mostly-junk file, kept in temp table ck_rejected_lines (line_no, reason) rather than
    as Python objects; len() is their number."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0


def read_lines(con: duckdb.DuckDBPyConnection, path: Path, names: list[str]) -> RejectedInTable | None:
    """Fill raw_input and ck_rejected_lines from a file without quotes; return the rejected lines, or None (and
    nothing filled) when the file has a double quote or is not UTF-8 text."""
    try:
        con.execute("create or replace temp table ck_lines as "
                    "select unnest(generate_series(1, len(l))) as line_no, unnest(l) as line "
                    "from (select string_split(content, chr(10)) as l from read_text($path))", {"path": str(path)})
    except duckdb.Error:
        return None
    try:
        # a quote, or a bare carriage return (a line break to a CSV parser): the ordinary reader's job
        if con.execute("select count(*) from ck_lines where contains(line, '\"') "
                       "or contains(rtrim(line, chr(13)), chr(13))").fetchone()[0]:
            return None
        con.execute("create or replace temp table ck_split as select line_no, string_split(rtrim(line, chr(13)), ',') "
                    "as f from ck_lines where line_no > 1 and rtrim(line, chr(13)) <> ''")
        con.execute("drop table ck_lines")
        fields = ", ".join(f"ck_trim(nullif(f[{i}], '')) as \"{name}\""  # names; trimmed as every reader does
                           for i, name in enumerate(names, start=1))
        con.execute("create or replace temp table raw_input as select row_number() over (order by line_no) as "
                    f"rec_no, line_no, {fields} from ck_split where len(f) = $n", {"n": len(names)})
        con.execute("create or replace temp table ck_rejected_lines as select line_no, "
                    "case when len(f) > $n then 'row has more fields than the header' "
                    "else 'row has fewer fields than the header' end as reason from ck_split where len(f) <> $n",
                    {"n": len(names)})
        return RejectedInTable(con.execute("select count(*) from ck_rejected_lines").fetchone()[0])
    finally:
        con.execute("drop table if exists ck_lines")
        con.execute("drop table if exists ck_split")
