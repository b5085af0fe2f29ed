"""Reading one contract file into DuckDB as text, checking its header first.

The header is read with Python's csv module (one line), so a file with a missing required column, a duplicated
contract column, no header or an undecodable header fails the whole load before anything is written. The rows are
read by DuckDB's CSV reader into the temp table `raw_input`; lines the parser cannot split are returned as
rejected lines with a reason. A file DuckDB's parser gives up on altogether (its state machine rejects some quoted
carriage returns) is read again by Python's csv module, row by row: slower, but nothing is lost. A rejected
line keeps its number and reason only (etl/quarantine.py).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from etl import sqlfiles
from etl.contract import FileSpec
from etl.junk_reader import JUNK_SHARE, junk_share, read_lines


class LoadError(Exception):
    """Unusable input: the load stops and nothing is written. The message is one line a person can act on."""


@dataclass(frozen=True)
class RejectedLine:
    line_no: int
    reason: str
    raw_text: str


def read_header(path: Path) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            first = handle.readline(1_000_000)
    except UnicodeDecodeError:
        raise LoadError(f"{path}: the header row is not UTF-8 text") from None
    except OSError as exc:
        raise LoadError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not first.strip():
        raise LoadError(f"{path}: empty file (no header row)")
    return next(csv.reader(io.StringIO(first)))


def reader_names(spec: FileSpec, header: list[str], path: Path) -> list[str]:
    """Column names for the reader: contract columns by name (case and spaces ignored), others as _extra_<n>."""
    normalised = [name.strip().lower() for name in header]
    repeated = sorted({n for n in normalised if n in spec.columns and normalised.count(n) > 1})
    if repeated:
        raise LoadError(f"{path}: column(s) named more than once in the header: {', '.join(repeated)}")
    missing = [name for name in spec.required if name not in normalised]
    if missing:
        raise LoadError(
            f"{path}: missing required column(s) {', '.join(missing)} "
            f"(expected {spec.file_name} columns: {', '.join(spec.columns)})"
        )
    return [name if name in spec.columns else f"_extra_{i}" for i, name in enumerate(normalised)]


# What every reader trims from both ends of every field as it fills raw_input (ck_trim in etl/sql/macros.sql):
# spaces, tabs, line breaks, vertical tabs, form feeds and no-break spaces.
TRIMMED = " \t\n\v\f\r\u00a0"


def read_raw(con: duckdb.DuckDBPyConnection, spec: FileSpec, path: Path, names: list[str]) -> list[RejectedLine]:
    """Fill temp table raw_input (rec_no, line_no, every contract column as text, trimmed); return the rejected
    lines."""
    if junk_share(path, len(names)) > JUNK_SHARE:  # mostly junk: line by line in bulk (etl/junk_reader.py)
        rejected = read_lines(con, path, names)
        if rejected is not None:
            _add_missing_columns(con, spec, names)
            return rejected
    try:
        sqlfiles.run(con, "staging/read_csv.sql", {"path": str(path), "columns": {name: "VARCHAR" for name in names}})
    except duckdb.InvalidInputException:
        rejected = _read_with_python(con, path, names)
        _add_missing_columns(con, spec, names)
        return rejected
    _add_missing_columns(con, spec, names)
    rejected = sqlfiles.query(con, "staging/rejected_lines.sql")
    if len(rejected):
        parsed = con.execute("select count(*) from raw_input").fetchone()[0]
        sqlfiles.run(con, "staging/renumber_lines.sql", {"last_line": parsed + len(rejected) + 1})
    return [RejectedLine(int(line_no), reason, "") for line_no, reason in zip(rejected.line_no, rejected.reason,
                                                                                strict=True)]


def _add_missing_columns(con: duckdb.DuckDBPyConnection, spec: FileSpec, names: list[str]) -> None:
    for column in spec.columns:
        if column not in names:
            con.execute(f'alter table raw_input add column "{column}" varchar')  # contract identifier, not data


def _read_with_python(con: duckdb.DuckDBPyConnection, path: Path, names: list[str]) -> list[RejectedLine]:
    """The slow path for files DuckDB's parser cannot read: Python's csv module, with the same rules."""
    csv.field_size_limit(1 << 30)
    records: list[list[str | None]] = []
    rejected: list[RejectedLine] = []
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        text = handle.read().replace("\x00", "\ufffd")
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)  # the header, already checked
    start = reader.line_num + 1
    for row in reader:
        line, start = start, reader.line_num + 1
        if not row:
            continue
        raw = ""  # a rejected line keeps its number and reason only
        if any("\ufffd" in value for value in row):
            rejected.append(RejectedLine(line, "not valid UTF-8 text", raw))
        elif len(row) != len(names):
            side = "more" if len(row) > len(names) else "fewer"
            rejected.append(RejectedLine(line, f"row has {side} fields than the header", raw))
        else:
            records.append([len(records) + 1, line, *(value.strip(TRIMMED) if value != "" else None for value in row)])
    frame = pd.DataFrame(records, columns=["rec_no", "line_no", *names]).astype(
        {"rec_no": "int64", "line_no": "int64", **{name: "object" for name in names}})
    con.register("python_rows", frame)
    try:
        con.execute("create or replace temp table raw_input as select rec_no, line_no, "
                    + ", ".join(f'"{name}"::varchar as "{name}"' for name in names)  # contract identifiers
                    + " from python_rows")
    finally:
        con.unregister("python_rows")
    return rejected
