"""`carekpi build`: the dbt models (etl/dbt/) on DuckDB and on Spark build contact facts and marts equal, cell for
cell, to the loader's; the warehouse refreshed from a build serves the same KPIs.

The delivery: the worked example of docs/kpis.md (surveys, QA, a licensed queue) together with the contract-v2
conversations of test_contract_v2.py (transfers, moves, callbacks, outbound, IVR, a short abandon, sub-second
times), reported in New York time (daylight saving) with FCR matched on the reason. The Spark test runs pyspark in
local mode; it needs Java 17 (`java` on PATH): without it the test is skipped, except where CAREKPI_REQUIRE_SPARK=1
(CI, .ci/run), where a missing Java fails it.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import duckdb
import pytest

from etl import store
from etl.build import compare, serving
from etl.build.cli import BuildReport, build
from etl.cli import main
from etl.kpis import kpi_table
from etl.load import load
from etl.settings import Settings
from etl.warehouse import connect_read_only, current_file
from tests.conftest import EXAMPLE, JANUARY, NOW, TEST_KEY, write_delivery
from tests.test_contract_v2 import CALLS as V2_CALLS
from tests.test_contract_v2 import CHATS as V2_CHATS


def _small_db(root) -> Settings:
    settings = Settings(db_path=root / "wh" / "carekpi.duckdb", pseudonym_key=TEST_KEY,
                        reporting_timezone="America/New_York", fcr_same_reason=True)
    load([write_delivery(root / "example", EXAMPLE),
          write_delivery(root / "v2", {"calls.csv": V2_CALLS, "chats.csv": V2_CHATS})], settings, now=NOW)
    return settings


def _snapshot(settings: Settings) -> duckdb.DuckDBPyConnection:
    """An in-memory copy of the loader's facts and marts (expected_<table>), to compare builds with."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute("attach $path as loaded (read_only)", {"path": str(current_file(settings.db_path))})
    for table in serving.BUILT:
        con.execute(f"create table expected_{table} as select * from loaded.main.{table}")
    con.execute("detach loaded")
    return con


def _built_equal(con: duckdb.DuckDBPyConnection, settings: Settings, engine: str) -> compare.Comparison:
    """The engine's own output (as it wrote it, before any refresh), compared with the loader's tables."""
    result = compare.Comparison()
    for table in serving.BUILT:
        source, params = serving.built_source(con, engine, settings.build_path / "outputs", table)
        compare.compare(con, result, table, f"expected_{table}", source, params)
    con.execute("detach database if exists built")
    return result


def _warehouse_equal(con: duckdb.DuckDBPyConnection, settings: Settings) -> compare.Comparison:
    result = compare.Comparison()
    con.execute("attach $path as now_serving (read_only)", {"path": str(current_file(settings.db_path))})
    for table in serving.BUILT:
        compare.compare(con, result, table, f"expected_{table}", f"now_serving.main.{table}")
    con.execute("detach now_serving")
    return result


def _kpis(settings: Settings, by=("day", "channel", "queue")):
    con = connect_read_only(settings.db_path)
    try:
        return kpi_table(con, JANUARY, list(by), settings)
    finally:
        con.close()


def _assert_build_serves_the_loader_kpis(settings: Settings, engine: str) -> tuple[compare.Comparison, BuildReport]:
    con = _snapshot(settings)
    kpis_before = _kpis(settings)
    report = build(settings, engine)
    result = _built_equal(con, settings, engine)
    assert result.differences == []
    assert result.rows == {"contact_facts": 23, "kpi_grain_hourly": 21, "kpi_grain": 20, "kpi_grain_teams": 18,
                           "qa_item_grain_hourly": 6, "qa_item_grain": 6, "qa_item_grain_teams": 6}
    assert report.rows == result.rows
    # the refreshed warehouse holds exactly the loader's tables, and the app's query reads the same KPIs
    refreshed = _warehouse_equal(con, settings)
    assert refreshed.differences == [] and refreshed.cells == result.cells
    assert _kpis(settings).equals(kpis_before)
    return result, report


def test_duckdb_build_equals_the_loader_cell_for_cell(tmp_path):
    settings = _small_db(tmp_path)
    result, _ = _assert_build_serves_the_loader_kpis(settings, "duckdb")
    assert result.cells == 23 * 34 + (21 + 20 + 18) * 43 + (6 + 6 + 6) * 13  # rows x columns of each table
    # the warehouse records what it was built with, as after a load
    con = connect_read_only(settings.db_path)
    try:
        assert con.execute("select count(*) from build_settings").fetchone()[0] == 1
    finally:
        con.close()


def test_duckdb_build_equals_the_loader_on_the_sample_data(sample_db, tmp_path):
    settings = sample_db.model_copy(update={"build_dir": tmp_path / "build"})
    con = _snapshot(settings)
    build(settings, "duckdb", refresh=False)  # the shared sample warehouse stays as loaded
    result = _built_equal(con, settings, "duckdb")
    assert result.differences == []
    assert result.rows["contact_facts"] > 40_000
    assert result.cells > 1_000_000


def test_an_unknown_engine_is_refused(example_db):
    with pytest.raises(ValueError, match="unknown engine 'flink'"):
        build(example_db, "flink")


def _java_17_or_newer() -> bool:
    java = shutil.which("java")
    if java is None:
        return False
    version = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    major = version.split('"')[1].split(".")[0] if '"' in version else "0"
    return major.isdigit() and int(major) >= 17


@pytest.fixture(scope="module")
def spark_ready():
    if not _java_17_or_newer():
        if os.environ.get("CAREKPI_REQUIRE_SPARK") == "1":
            pytest.fail("CAREKPI_REQUIRE_SPARK=1 but no Java 17 on PATH (apt-get install openjdk-17-jre-headless)")
        pytest.skip("no Java 17 on PATH: the Spark build needs it (CI installs it and requires this test)")
    yield
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        session.stop()


@pytest.mark.spark
def test_spark_build_equals_the_loader_cell_for_cell(tmp_path, spark_ready):
    settings = _small_db(tmp_path).model_copy(update={"spark_master": "local[2]"})
    stored = store.current_files(store.store_dir(settings.db_path), "contacts")
    result, report = _assert_build_serves_the_loader_kpis(settings, "spark")
    assert result.cells == 23 * 34 + (21 + 20 + 18) * 43 + (6 + 6 + 6) * 13  # rows x columns of each table
    # Spark read the contacts where the table store keeps them: exactly the current manifest's files
    assert report.sources["contacts"] == stored and len(stored) == 13  # one file per UTC day with contacts


def test_the_comparison_sees_one_cell_off_in_the_12th_decimal_or_a_missing_row():
    con = duckdb.connect()
    con.execute("create table a as select * from (values (1::bigint, 2.000000000001::decimal(38, 12), 'x'), "
                "(2, 3.5, 'y')) t(k, v, s)")
    con.execute("create table same as select k::hugeint as k, v::decimal(28, 12) as v, s from a")  # other widths
    con.execute("create table off as select k, case when k = 1 then 2.000000000002 else v end as v, s from a")
    con.execute("create table short as select * from a where k = 1")
    result = compare.Comparison()
    compare.compare(con, result, "same", "a", "same")
    assert result.differences == [] and result.cells == 6
    compare.compare(con, result, "off", "a", "off")
    compare.compare(con, result, "short", "a", "short")
    assert result.differences == ["off: 1 expected rows not built, 1 built rows not expected",
                                  "short: 1 expected rows not built, 0 built rows not expected"]


def test_the_build_command_prints_what_it_built_or_one_line(example_db, tmp_path, capsys):
    db = str(example_db.db_path)
    assert main(["build", "--engine", "duckdb", "--db", db]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ("built on duckdb: contact_facts 8 rows, kpi_grain_hourly 8 rows, kpi_grain 8 rows, "
                      "kpi_grain_teams 8 rows, qa_item_grain_hourly 6 rows, qa_item_grain 6 rows, "
                      "qa_item_grain_teams 6 rows")
    assert out[1].startswith("seconds: inputs ")
    assert main(["build", "--db", str(tmp_path / "none.duckdb")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("carekpi build: error: no warehouse at ")


def test_a_load_after_a_build_goes_on_as_after_a_load(tmp_path):
    """The built tables swapped in are a warehouse like any other: the next (incremental) delivery lands on them
    with the same result as on the loader's own."""
    v2 = write_delivery(tmp_path / "v2", {"calls.csv": V2_CALLS, "chats.csv": V2_CHATS})
    results = []
    for name, engine in (("built", "duckdb"), ("loaded", None)):
        settings = Settings(db_path=tmp_path / name / "carekpi.duckdb", pseudonym_key=TEST_KEY,
                            reporting_timezone="America/New_York")
        load([write_delivery(tmp_path / name / "example", EXAMPLE)], settings, now=NOW)
        if engine:
            build(settings, engine)
        report = load([v2], settings, now=NOW)
        assert report.timings["full rebuild"] == 0.0  # incremental: the build recorded its settings as a load does
        results.append(_kpis(settings, by=("day", "channel", "agent")))
    assert len(results[0]) == 19  # day x channel x agent groups of January
    assert results[0].equals(results[1])
