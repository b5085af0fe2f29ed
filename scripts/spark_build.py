"""Measure `carekpi build` on the sample data (or any loaded warehouse): what dbt costs per in-process invocation
on DuckDB (first run with a full parse, then partial-parse runs), the loader's own contact facts and marts for
comparison, and the Spark local-mode build; each build's tables compared with the loader's, cell for cell.
Prints figures (a benchmark, not a test):

    .venv/bin/python scripts/spark_build.py [--db PATH] [--master local[2]] [--runs 3]

Without --db it loads sample_data/ into a temporary warehouse first. Spark needs Java 17 on PATH.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl import sqlfiles  # noqa: E402
from etl.build import compare, serving  # noqa: E402
from etl.build.cli import build  # noqa: E402
from etl.load import load, rebuild_marts  # noqa: E402
from etl.settings import Settings  # noqa: E402
from etl.warehouse import current_file  # noqa: E402


def _equal(settings: Settings, engine: str) -> compare.Comparison:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute("attach $path as loaded (read_only)", {"path": str(current_file(settings.db_path))})
    result = compare.Comparison()
    for table in serving.BUILT:
        source, params = serving.built_source(con, engine, settings.build_path / "outputs", table)
        compare.compare(con, result, table, f"loaded.main.{table}", source, params)
    con.close()
    return result


def _loader_rebuild_seconds(settings: Settings) -> float:
    """The loader's own full rebuild of contact facts and marts (etl/sql), on an in-memory copy."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute("attach $path as loaded (read_only)", {"path": str(current_file(settings.db_path))})
    for table in ("contacts", "agents", "queues", "surveys", "qa_results", "build_settings"):
        con.execute(f"create table {table} as select * from loaded.main.{table}")
    con.execute("detach loaded")
    sqlfiles.run(con, "macros.sql")
    sqlfiles.run(con, "merge/touched.sql")
    con.execute("create temp table store_replaced (table_name varchar)")  # as etl/store.py's attach makes it
    started = time.perf_counter()
    rebuild_marts(con, settings, full=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a loaded warehouse (default: load sample_data/ into a temporary one)")
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    parser.add_argument("--runs", type=int, default=3, help="partial-parse DuckDB runs to time")
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--no-duckdb", action="store_true", help="skip the DuckDB builds (Spark only)")
    parser.add_argument("--data", help="a delivery folder to load instead of sample_data/")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.db:
            settings = Settings(db_path=Path(args.db), build_dir=Path(tmp) / "build", spark_master=args.master)
        else:
            settings = Settings(db_path=Path(tmp) / "wh" / "carekpi.duckdb", pseudonym_key="bench-key-0123456789abcdef",
                                spark_master=args.master)
            started = time.perf_counter()
            data = Path(args.data) if args.data else ROOT / "sample_data"
            load([data], settings)
            print(f"load of {data}: {time.perf_counter() - started:.2f} s")
        print(f"loader's contact facts and marts (etl/sql, full rebuild): {_loader_rebuild_seconds(settings):.2f} s")
        if not args.no_duckdb:
            started = time.perf_counter()
            import dbt.cli.main  # noqa: F401  (what the first build pays once per process)

            print(f"import dbt: {time.perf_counter() - started:.2f} s")
            first = build(settings, "duckdb", refresh=False)
            print(f"dbt on DuckDB, first run (full parse): models {first.seconds['models']:.2f} s, "
                  f"inputs {first.seconds['inputs']:.2f} s")
            models = [build(settings, "duckdb", refresh=False).seconds["models"] for _ in range(args.runs)]
            print(f"dbt on DuckDB, partial parse: models median {statistics.median(models):.2f} s "
                  f"(min {min(models):.2f}, max {max(models):.2f}, {args.runs} runs)")
            result = _equal(settings, "duckdb")
            print(f"DuckDB build = loader: {not result.differences}, {result.cells:,} cells, rows {result.rows}")
        if not args.no_spark:
            spark = build(settings, "spark", refresh=False)
            print(f"Spark ({args.master}) build: session start {spark.seconds['spark session']:.2f} s, "
                  f"models {spark.seconds['models']:.2f} s, inputs {spark.seconds['inputs']:.2f} s")
            again = build(settings, "spark", refresh=False)
            print(f"Spark build again (session running, partial parse): models {again.seconds['models']:.2f} s")
            result = _equal(settings, "spark")
            print(f"Spark build = loader: {not result.differences}, {result.cells:,} cells "
                  f"{result.differences or ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
