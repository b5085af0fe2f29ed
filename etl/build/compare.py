"""Cell-for-cell comparison of built tables with the loader's (the proof that both engines and the loader agree).

Both sides are read through one DuckDB connection with every cell normalised to one type per kind of value:
integers of any width as HUGEINT, decimals (the exact seconds and their sums, sums of squares) as DECIMAL(38,12),
any floating-point value as a decimal at the microsecond (DECIMAL(38,6), the finest unit of any input time),
instants as UTC timestamps; columns taken in name order. The two sides are then
equal cell for cell exactly when each row of one, sorted on every column, is the same row of the other: checked as
`except all` both ways (no row left over on either side). Used by tests/test_build_equal.py and
scripts/spark_build.py; a difference is reported as counts, never as a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")


@dataclass
class Comparison:
    cells: int = 0  # cells compared (rows x columns, expected side)
    rows: dict[str, int] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)  # counts only, never a value


def _normalised(name: str, data_type: str) -> str:
    column = f'"{name}"'
    if data_type in INTEGERS:
        return f"cast({column} as hugeint)"
    if data_type.startswith("DECIMAL"):  # exact on both sides: compared to the 12th decimal (sums of squares)
        return f"cast({column} as decimal(38, 12))"
    if data_type in ("DOUBLE", "FLOAT"):
        return f"cast({column} as decimal(38, 6))"
    if data_type.startswith("TIMESTAMP"):
        return f"cast({column} as timestamp)"
    return column


def _columns(con: duckdb.DuckDBPyConnection, source: str, params: dict) -> list[tuple[str, str]]:
    return sorted((row[0], row[1]) for row in con.execute(f"describe select * from {source}", params).fetchall())


def compare(con: duckdb.DuckDBPyConnection, result: Comparison, table: str, expected: str, actual: str,
            params: dict | None = None) -> None:
    """Compare `select * from expected` (no parameters) with `select * from actual` (bound `params`); add the
    cells compared and any difference to `result`."""
    params = params or {}
    want, got = _columns(con, expected, {}), _columns(con, actual, params)
    rows = con.execute(f"select count(*) from {expected}").fetchone()[0]
    result.rows[table] = rows
    if [name for name, _ in want] != [name for name, _ in got]:
        result.differences.append(f"{table}: {len(got)} columns, not the {len(want)} expected, or other names")
        return
    for side, source, columns, bound in (("want", expected, want, {}), ("got", actual, got, params)):
        select = ", ".join(f'{_normalised(name, data_type)} as "{name}"' for name, data_type in columns)
        con.execute(f"create or replace temp table compare_{side} as select {select} from {source}", bound)
    missing = con.execute("select count(*) from (from compare_want except all from compare_got)").fetchone()[0]
    extra = con.execute("select count(*) from (from compare_got except all from compare_want)").fetchone()[0]
    if missing or extra:
        result.differences.append(f"{table}: {missing} expected rows not built, {extra} built rows not expected")
    result.cells += rows * len(want)
    con.execute("drop table compare_want")
    con.execute("drop table compare_got")
