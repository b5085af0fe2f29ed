"""Run the dbt project (etl/dbt/) in-process on DuckDB or Spark, with a profile written for this build.

dbt keeps its parsed project in <build dir>/target (partial parsing: a later run with the same project and
variables skips most of the parse) and its log in <build dir>/logs. The models' outputs: DuckDB writes the tables
into <build dir>/outputs/build.duckdb; Spark writes each as Parquet under <build dir>/outputs/<model>/.
"""

from __future__ import annotations

import json
import shutil
import warnings
from importlib import resources
from pathlib import Path

from etl.safe_files import DIR_MODE
from etl.settings import Settings

ENGINES = ("duckdb", "spark")
PROJECT = "dbt"  # etl/dbt
DUCKDB_FILE = "build.duckdb"


class BuildError(RuntimeError):
    """A dbt run that failed; the message names the model and dbt's one-line reason."""


def project_dir() -> Path:
    return Path(str(resources.files("etl") / PROJECT))


def profile(engine: str, settings: Settings, outputs: Path) -> dict:
    """dbt's profiles.yml content for one engine (written as JSON, which is YAML)."""
    if engine == "duckdb":
        target = {"type": "duckdb", "path": str(outputs / DUCKDB_FILE), "threads": 1,
                  "settings": {"TimeZone": "UTC", "memory_limit": settings.load_memory_limit}}
    else:
        target = {"type": "spark", "method": "session", "host": "session", "schema": "carekpi", "threads": 1}
    return {"carekpi": {"target": engine, "outputs": {engine: target}}}


def run_dbt(engine: str, settings: Settings, inputs: Path, outputs: Path) -> None:
    """Build every model on `engine` from the Parquet inputs into `outputs` (emptied first); raise BuildError."""
    from dbt.cli.main import dbtRunner  # imported here: dbt is only needed to build

    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    build = settings.build_path
    shutil.rmtree(outputs, ignore_errors=True)
    outputs.mkdir(parents=True, mode=DIR_MODE)
    profiles = build / "profiles" / engine
    profiles.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    (profiles / "profiles.yml").write_text(json.dumps(profile(engine, settings, outputs)), encoding="utf-8")
    args = [
        "run", "--project-dir", str(project_dir()), "--profiles-dir", str(profiles), "--target", engine,
        "--target-path", str(build / "target" / engine), "--log-path", str(build / "logs"),
        "--vars", json.dumps({"inputs": str(inputs), "outputs": str(outputs)}),
        "--quiet", "--no-use-colors", "--no-send-anonymous-usage-stats", "--no-version-check",
    ]
    try:
        with warnings.catch_warnings():
            # dbt-spark asks for Hive support on every statement; a running session (ours: in-memory catalog)
            # keeps its catalog, and Spark Connect says so in a warning per statement
            warnings.filterwarnings("ignore", message="Failed to set spark.sql.catalogImplementation")
            result = dbtRunner().invoke(args)
    finally:
        if engine == "duckdb":
            _close_duckdb()
    if not result.success:
        raise BuildError(_failure(result))


def _failure(result) -> str:
    if result.exception is not None:
        return f"dbt failed: {str(result.exception).strip().splitlines()[0]}"
    failed = [r for r in (result.result or []) if str(r.status) in ("error", "fail")]
    if failed:
        first = failed[0]
        return f"dbt model {first.node.name} failed: {(first.message or '').strip().splitlines()[0]}"
    return "dbt failed (see the dbt log in the build folder's logs/)"


def _close_duckdb() -> None:
    """dbt-duckdb keeps its database open in the process after a run (a module-level environment); close it, so
    the build file can be attached, read-only, by the refresh and removed by the next build."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()
