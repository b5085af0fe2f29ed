"""`carekpi build --engine duckdb|spark`: run the dbt models over the warehouse's data on one engine and swap
the built contact facts and marts into the warehouse the dashboard reads."""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from pathlib import Path

from etl.build import inputs, runner, serving
from etl.settings import Settings
from etl.warehouse import connect_read_only


@dataclass
class BuildReport:
    engine: str
    sources: dict[str, list[Path]] = field(default_factory=dict)  # each input's files, as the engine read them
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def build(settings: Settings, engine: str, refresh: bool = True) -> BuildReport:
    """Write the inputs, run the models on `engine`, and (unless refresh=False) swap their tables in."""
    if engine not in runner.ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(runner.ENGINES)}")
    report = BuildReport(engine=engine)
    folder = settings.build_path
    started = time.perf_counter()
    con = connect_read_only(settings.db_path)
    try:
        files = inputs.write_inputs(con, folder / "inputs", settings, copy_stored=engine == "duckdb")
    finally:
        con.close()
    report.sources = files if engine == "spark" else {name: [folder / "inputs" / name] for name in files}
    report.seconds["inputs"] = time.perf_counter() - started
    started = time.perf_counter()
    if engine == "spark":
        from etl.build.spark import register_inputs, spark_session

        session = spark_session(settings)  # dbt-spark's session method runs on it
        register_inputs(session, files)
        report.seconds["spark session"] = time.perf_counter() - started
        started = time.perf_counter()
    runner.run_dbt(engine, settings, folder / "inputs", folder / "outputs")
    report.seconds["models"] = time.perf_counter() - started
    if refresh:
        started = time.perf_counter()
        report.rows = serving.refresh(settings, engine, folder / "outputs")
        report.seconds["refresh warehouse"] = time.perf_counter() - started
    return report


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("build", help="run the dbt models (contact facts, marts) on DuckDB or Spark and swap "
                                            "them into the warehouse the dashboard reads")
    p.add_argument("--engine", choices=runner.ENGINES, default="duckdb",
                   help="duckdb (this machine) or spark (settings spark_master, or spark_remote / SPARK_REMOTE)")
    p.add_argument("--db", help="warehouse file (default: settings db_path)")
    p.set_defaults(func=_cmd_build)


def _cmd_build(args: argparse.Namespace) -> int:
    from etl.cli import _settings

    report = build(_settings(args), args.engine)
    print(f"built on {report.engine}: " + ", ".join(f"{table} {n:,} rows" for table, n in report.rows.items()))
    print("seconds: " + ", ".join(f"{phase} {s:.2f}" for phase, s in report.seconds.items()))
    return 0
