"""The small runner for the SQL files under etl/sql/: read a file, split it into statements, bind parameters.

Values are always bound as named parameters ($name); each statement receives exactly the parameters it uses.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import duckdb

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
_TABLE = re.compile(r"\{\{([a-z_]+)\}\}")
# The only tables a query file may be pointed at with {{slot}}: identifiers, never values.
TABLES = frozenset({"kpi_grain", "kpi_grain_hourly", "kpi_grain_teams", "qa_item_grain", "qa_item_grain_hourly",
                    "qa_item_grain_teams"})


@cache
def sql_text(name: str) -> str:
    """The text of etl/sql/<name>, e.g. sql_text('staging/stg_calls.sql')."""
    return (resources.files("etl") / "sql" / name).read_text(encoding="utf-8")


def statements(text: str) -> list[str]:
    """Split a file into statements at lines ending with ';' (our files put one statement per such block)."""
    parts, current = [], []
    for line in text.splitlines():
        current.append(line)
        if line.rstrip().endswith(";"):
            statement = "\n".join(current).strip()
            if _has_code(statement):
                parts.append(statement)
            current = []
    rest = "\n".join(current).strip()
    if _has_code(rest):
        parts.append(rest)
    return parts


def _has_code(statement: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in statement.splitlines())


def params_for(statement: str, params: dict[str, Any]) -> dict[str, Any]:
    wanted = set(_PARAM.findall(_strip_comments(statement)))
    missing = wanted - params.keys()
    if missing:
        raise KeyError(f"SQL parameter(s) not supplied: {', '.join(sorted(missing))}")
    return {name: params[name] for name in wanted}


def _strip_comments(statement: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in statement.splitlines())


def run(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None) -> list[int | None]:
    """Run every statement of a file; return, per statement, its first result value when it has one
    (DuckDB returns the affected row count for insert/update/delete)."""
    results: list[int | None] = []
    for statement in statements(sql_text(name)):
        cursor = con.execute(statement, params_for(statement, params or {}))
        try:
            row = cursor.fetchone()
        except duckdb.InvalidInputException:
            row = None
        results.append(row[0] if row else None)
    return results


def query(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None,
          tables: dict[str, str] | None = None):
    """Run a single-statement query file and return a pandas DataFrame. `tables` fills {{slot}} placeholders with
    table names, which must be among TABLES (the hourly or daily mart)."""
    (statement,) = statements(sql_text(name))
    statement = _TABLE.sub(lambda m: _table(m.group(1), tables or {}), statement)
    return con.execute(statement, params_for(statement, params or {})).df()


def _table(slot: str, tables: dict[str, str]) -> str:
    table = tables.get(slot)
    if table not in TABLES:
        raise ValueError(f"no allowed table for {{{{{slot}}}}}: {table!r}")
    return table
