"""The build's inputs: one Parquet dataset per source of etl/dbt/models/sources.yml, written from the warehouse.

The settings the facts are built with go in as data too (build_params, one row; critical_items, one row per item),
bound as parameters by etl/sql/contacts/build_params.sql: no value is ever formatted into the models' SQL.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from etl import sqlfiles
from etl.load import build_parameters
from etl.safe_files import DIR_MODE
from etl.settings import Settings

# the warehouse tables the models read, as they are stored
STORED = ("contacts", "agents", "queues", "surveys", "qa_results")


def write_inputs(con: duckdb.DuckDBPyConnection, folder: Path, settings: Settings) -> dict[str, int]:
    """Write every input under `folder`/<name>/ (replacing what was there); return the rows written per input."""
    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, mode=DIR_MODE)
    sqlfiles.run(con, "contacts/build_params.sql", {"full_rebuild": True, **build_parameters(settings)})
    relations = {name: con.table(name) for name in STORED}
    relations["build_params"] = con.sql("select * exclude (full_rebuild, critical_items) from build_params")
    relations["critical_items"] = con.sql("select unnest(critical_items) as item from build_params")
    rows = {}
    for name, relation in relations.items():
        (folder / name).mkdir(mode=DIR_MODE)
        relation.write_parquet(str(folder / name / "part-0.parquet"))
        rows[name] = relation.count("*").fetchall()[0][0]
    return rows
