"""The build's inputs: one Parquet dataset per source of etl/dbt/models/sources.yml.

Contacts (and surveys and QA results, once the table store keeps them) are read where the table store keeps them
(etl/store.py): the files the warehouse snapshot's manifest names, as they are. The rest lives in the serving file
and is written as Parquet under the build folder, with the settings the facts are built with as data too
(build_params, one row; critical_items, one row per item), bound as parameters by etl/sql/contacts/build_params.sql:
no value is formatted into the models' SQL. DuckDB reads everything from the build folder (stored tables copied
there); Spark reads the store's files directly (etl/build/spark.py registers them).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

from etl import sqlfiles, store
from etl.load import build_parameters
from etl.safe_files import DIR_MODE
from etl.settings import Settings

# the warehouse's tables the models read (each a table of the serving file or a view over the table store)
TABLES = ("contacts", "agents", "queues", "surveys", "qa_results")


def write_inputs(con: duckdb.DuckDBPyConnection, folder: Path, settings: Settings,
                 copy_stored: bool = True) -> dict[str, list[Path]]:
    """Write the inputs under `folder`/<name>/ (replacing what was there); return each input's files. A table the
    store keeps is its files there, copied into the folder too when `copy_stored` (DuckDB reads the folder)."""
    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, mode=DIR_MODE)
    sqlfiles.run(con, "contacts/build_params.sql", {"full_rebuild": True, **build_parameters(settings)})
    stored = _stored_files(con, settings)
    relations = {name: con.table(name) for name in TABLES if copy_stored or not stored.get(name)}
    relations["build_params"] = con.sql("select * exclude (full_rebuild, critical_items) from build_params")
    relations["critical_items"] = con.sql("select unnest(critical_items) as item from build_params")
    files = {name: paths for name, paths in stored.items() if name in TABLES and paths}
    for name, relation in relations.items():
        (folder / name).mkdir(mode=DIR_MODE)
        files[name] = [folder / name / "part-0.parquet"]
        relation.write_parquet(str(files[name][0]))
    return files


def _stored_files(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, list[Path]]:
    """Per table the store keeps, the files the snapshot's manifest names (none without a store)."""
    if not con.execute("select count(*) from duckdb_tables() where table_name = 'store_manifest'").fetchall()[0][0]:
        return {}
    (manifest,) = con.execute("select any_value(manifest_json) from store_manifest").fetchall()[0]
    tables = json.loads(manifest)["tables"] if manifest else {}
    root = store.store_dir(settings.db_path)
    return {table: [root / f for part in sorted(parts) for f in parts[part]] for table, parts in tables.items()}
