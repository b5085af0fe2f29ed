"""Swap the built tables into the warehouse the dashboard reads, atomically (a new snapshot, etl/warehouse.py).

Each built table replaces the warehouse's table of the same name, its columns cast to the warehouse's types (Spark
has no 128-bit integers and writes instants; the app's queries then read exactly what they read after a load). The
settings the tables were built with are recorded, as a load records them (a later load with other settings rebuilds
them in full).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from etl import store
from etl.build.runner import DUCKDB_FILE
from etl.load import facts_settings
from etl.settings import Settings
from etl.warehouse import writable_snapshot

# the models' tables, in the order a reader would want them refreshed; each ordered by day so date filters skip
# row groups
BUILT = ("contact_facts", "kpi_grain_hourly", "kpi_grain", "kpi_grain_teams", "qa_item_grain_hourly", "qa_item_grain",
         "qa_item_grain_teams")


def built_source(con: duckdb.DuckDBPyConnection, engine: str, outputs: Path, table: str) -> tuple[str, dict]:
    """Where the engine built `table` (a FROM clause and its parameters): DuckDB's table in
    outputs/build.duckdb, attached read-only as `built`; Spark's Parquet files."""
    if engine == "duckdb":
        attached = {row[0] for row in con.execute("select database_name from duckdb_databases()").fetchall()}
        if "built" not in attached:
            con.execute("attach $path as built (read_only)", {"path": str(outputs / DUCKDB_FILE)})
        return f"built.main.{table}", {}
    return "read_parquet($files)", {"files": str(outputs / table / "*.parquet")}


def refresh(settings: Settings, engine: str, outputs: Path) -> dict[str, int]:
    """Replace the warehouse's facts and marts by the built ones in one swap; return the rows per table."""
    rows = {}
    with writable_snapshot(settings.db_path, settings.load_memory_limit) as con:
        for table in BUILT:
            columns = con.execute("select column_name, data_type from duckdb_columns() "
                                  "where table_name = $t and database_name = current_database() "
                                  "order by column_index", {"t": table}).fetchall()
            source, params = built_source(con, engine, outputs, table)
            built = [row[0] for row in con.execute(f"describe select * from {source}", params).fetchall()]
            if sorted(built) != sorted(name for name, _ in columns):
                raise ValueError(f"the {engine} build of {table} does not have the warehouse's columns "
                                 f"({len(built)} against {len(columns)}): load first, then build")
            select = ", ".join(f'cast("{name}" as {data_type}) as "{name}"' for name, data_type in columns)
            order = "day, hour" if "hour" in built else "day"
            if table in store.TABLES:  # kept in the table store (etl/store.py): replaced there, in the same swap
                con.execute(f"create or replace temp table built_{table} as select {select} from {source}", params)
                store.replace(con, table, f"built_{table}")
            else:
                con.execute(f"create or replace table {table} as select {select} from {source} order by {order}",
                            params)
            rows[table] = con.execute(f"select count(*) from {table}").fetchone()[0]
        con.execute("delete from build_settings")
        con.execute("insert into build_settings values ($s)", {"s": facts_settings(settings)})
        con.execute("detach database if exists built")
    return rows
