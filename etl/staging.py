"""Staging: temp table raw_input (every field as text, trimmed by its reader) -> temp table staged, every row typed
and checked, with the broken rules named in `error` (etl/sql/staging/stg_<table>.sql).

A file's id may be used by more than one row: the last row is kept and the others are quarantined. Finding those
ids groups the whole file by id, and over tens of millions of rows that grouping does not fit a load's memory limit
(DuckDB cannot spill it: at 1,500 MB it fails on 32.6 million call ids). So the ids are grouped a slice at a time
(by hash, `hash(id) % slices`), with as many slices as the memory limit needs, into temp table repeated_keys.
"""

from __future__ import annotations

import duckdb

from etl import sqlfiles
from etl.contract import FileSpec
from etl.memory_budget import memory_limit, parts

# Measured (DuckDB 2.0, two threads): 8.2 million call ids grouped in 1.3 GiB, 0.8 million failed in 143 MiB.
# Planned with 200 bytes per id above etl/memory_budget.py's 100 MiB reserve, which both runs satisfy with room.
BYTES_PER_KEY = 200


def stage(con: duckdb.DuckDBPyConnection, spec: FileSpec, params: dict, mapped: bool) -> None:
    """raw_input -> staged (with a mapping, its rules' reasons added). Also used by `carekpi mapping preview`."""
    named = "patient_named" if {"patient_ref", "reason"} <= set(spec.columns) else "patient_named_none"
    sqlfiles.run(con, f"staging/{named}.sql")
    if len(spec.key) == 1:  # keyed by one id (staging/keys/<table>.sql); QA results by two, grouped in their file
        repeated_keys(con, spec.table)
    sqlfiles.run(con, f"staging/stg_{spec.table}.sql", params)
    if mapped:
        sqlfiles.run(con, "staging/mapping_rules.sql")


def repeated_keys(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Fill temp table repeated_keys (id, last_rec) with the ids used by more than one row of raw_input; return
    the number of slices it took."""
    sqlfiles.run(con, f"staging/keys/{table}.sql")
    rows = con.execute("select count(*) from staging_keys").fetchone()[0]
    slices = parts(rows, memory_limit(con), BYTES_PER_KEY)
    for part in range(slices):
        sqlfiles.run(con, "staging/repeated_keys.sql", {"slices": slices, "slice": part})
    con.execute("drop table staging_keys")
    return slices
