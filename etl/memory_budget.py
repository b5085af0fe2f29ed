"""How a load splits the work DuckDB cannot spill, so that each part fits the load's memory limit.

Two groupings of a full load outgrow the 1,500 MB default at 50 million contacts and fail rather than spill:
finding a file's repeated ids (etl/staging.py) and the hourly marts over every contact fact (etl/load.py). Each is
run in parts sized from the connection's memory limit: rows per part = (limit - RESERVED_BYTES) / bytes per row,
with the bytes per row measured (the constants beside each use).
"""

from __future__ import annotations

import datetime as dt
import math
import re

import duckdb
from pydantic import ByteSize, TypeAdapter

RESERVED_BYTES = 100 * 2**20
MIN_ROWS_PER_PART = 100_000


def memory_limit(con: duckdb.DuckDBPyConnection) -> int:
    """The connection's memory limit in bytes, read back from DuckDB (it prints it as e.g. '1.3 GiB')."""
    text = con.execute("select current_setting('memory_limit')").fetchone()[0]
    return TypeAdapter(ByteSize).validate_python(re.sub(r"\s*bytes$", "b", text.strip()))


def rows_per_part(limit: int, bytes_per_row: int) -> int:
    """How many rows one part holds under a memory limit of `limit` bytes."""
    return max((limit - RESERVED_BYTES) // bytes_per_row, MIN_ROWS_PER_PART)


def parts(rows: int, limit: int, bytes_per_row: int) -> int:
    """How many equal parts `rows` rows are split into."""
    return max(1, math.ceil(rows / rows_per_part(limit, bytes_per_row)))


def day_batches(rows_by_day: list[tuple[dt.date, int]], per_batch: int) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days grouped into (first, last) batches of at most `per_batch` rows (a day with more rows is a
    batch of its own). `rows_by_day` is sorted by day."""
    batches: list[tuple[dt.date, dt.date]] = []
    first, rows = None, 0
    for day, count in rows_by_day:
        if first is not None and rows + count > per_batch:
            batches.append((first, last))
            first, rows = None, 0
        if first is None:
            first = day
        last, rows = day, rows + count
    if first is not None:
        batches.append((first, last))
    return batches
