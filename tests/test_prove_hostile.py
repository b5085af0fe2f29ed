"""Proof against a hostile delivery (tests/hostile_delivery.py): it loads without a crash, every row is loaded or
quarantined, and no planted patient identifier reaches the warehouse, the load report, the command line's output
or its error messages."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.cli import main
from etl.contract import FILE_SPECS
from etl.load import load
from etl.settings import Settings
from etl.views import quarantine_rows
from etl.warehouse import connect_read_only
from tests.hostile_delivery import FILES, MARKERS, found_markers, write_hostile_delivery
from tests.store_bytes import stored_bytes

pytestmark = pytest.mark.prove
KEY = "hostile-key-0123456789abcdef"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    folder = write_hostile_delivery(root / "delivery")
    settings = Settings(db_path=root / "w.duckdb", pseudonym_key=KEY)
    return folder, settings, load([folder], settings)


def test_the_hostile_delivery_plants_every_marker_in_every_file(hostile):
    folder, _, _ = hostile
    assert {p.name for p in folder.iterdir()} == {spec.file_name for spec in FILE_SPECS} == set(FILES)
    text = "".join(p.read_text() for p in folder.iterdir())
    assert found_markers(text) == list(MARKERS)
    for path in folder.iterdir():
        assert found_markers(path.read_text()), path.name


def test_the_hostile_delivery_loads_and_every_row_is_accounted_for(hostile):
    _, _, report = hostile
    by_file = {f.kind: f for f in report.files}
    assert set(by_file) == {spec.table for spec in FILE_SPECS}
    for f in report.files:
        assert f.rows_read == f.loaded + f.replaced + f.quarantined, f.kind
        assert f.loaded > 0 and f.quarantined > 0, f.kind
    # a number too large for the warehouse's integer columns is quarantined, not a failed cast that stops the load
    assert any(reason.startswith("hold_seconds is too large; answered_at before offered_at")
               for reason in by_file["calls"].reasons)


def warehouse_text(db) -> str:
    """Every value of every table of the warehouse, as text (what a query could ever show)."""
    con = connect_read_only(db)
    try:
        tables = [r[0] for r in con.execute("select table_name from duckdb_tables() where not temporary union all "
                                            "select view_name from duckdb_views() where not internal").fetchall()]
        assert {"contacts", "contact_facts"} <= set(tables)  # the table store's views
        return "\n".join(str(row) for t in tables for row in con.execute(f'select * from "{t}"').fetchall())
    finally:
        con.close()


def test_no_planted_identifier_in_the_warehouse_files_or_tables(hostile):
    _, settings, _ = hostile
    files = stored_bytes(settings.db_path)  # the snapshots and the table store's files (decoded too)
    assert files
    found = {str(p.name): found_markers(data) for p, data in files.items()}  # a `strings` scan of the bytes
    assert all(markers == [] for markers in found.values()), found
    assert found_markers(warehouse_text(settings.db_path)) == []


def test_quarantined_rows_keep_allow_listed_typed_columns_and_no_raw_text(hostile):
    _, settings, _ = hostile
    con = connect_read_only(settings.db_path)
    try:
        shown = quarantine_rows(con)
        columns = {r[0]: r[1] for r in con.execute("select column_name, column_type from (describe quarantine)").fetchall()}
    finally:
        con.close()
    assert "raw_text" not in columns and "raw_text" not in shown.columns
    assert not {"patient_ref", "patient_pseudonym", "notes", "comment", "qa_comment"} & set(columns)
    assert (columns["offered_at"], columns["hold_seconds"], columns["transferred"]) == ("TIMESTAMP",
                                                                                        "DECIMAL(18,3)", "BOOLEAN")
    assert found_markers(shown.to_string()) == []
    calls = shown[shown.file.str.endswith("calls.csv")].set_index("line_no")
    # the line with one extra field keeps its number and reason only; the extra columns only their names
    shifted = calls.loc[8]
    assert shifted.reason == "row has more fields than the header"
    assert shifted.drop(["load_id", "file", "reason", "extra_columns"]).isna().all()
    assert list(shifted.extra_columns) == ["notes", "comment"]
    # a row quarantined for a rule keeps its typed values (identifier-like text masked)
    assert calls.loc[7].offered_at == pd.Timestamp("2026-01-08 09:00:00")
    assert calls.loc[7].contact_id == "HQ [redacted]" and calls.loc[7].contact_reason == "[redacted]"


def test_ids_and_names_that_look_like_identifiers_are_quarantined_not_loaded(hostile):
    _, _, report = hostile
    calls = {f.kind: f for f in report.files}["calls"]
    assert calls.reasons["contact_id holds identifier-like text; queue holds identifier-like text; "
                         "agent_id holds identifier-like text"] == 1


def test_no_planted_identifier_in_the_command_line_output(hostile, tmp_path, capsys, monkeypatch):
    folder, _, _ = hostile
    monkeypatch.setenv("CAREKPI_PSEUDONYM_KEY", KEY)
    db = str(tmp_path / "cli.duckdb")
    assert main(["load", str(folder), "--db", db]) == 0
    assert main(["load", str(folder), "--db", db, "--json"]) == 0
    for fmt in ("json", "csv", "table"):
        assert main(["kpi", "--db", db, "--from", "2026-01-01", "--to", "2026-01-31", "--by", "agent", "queue",
                     "team", "--format", fmt]) == 0
    out = capsys.readouterr()
    assert found_markers(out.out + out.err) == []
