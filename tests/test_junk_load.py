"""Bounded loads under junk: a mostly-junk file is read line by line in bulk (etl/junk_reader.py) with the same
outcome as the CSV reader (every line loaded or quarantined, same line numbers and reasons), and
load_refuse_junk_share refuses a mostly-junk file before it is read. Timing and memory for a million lines are
measured by scripts/junk_load.py (make prove), not here."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from etl import csv_reader
from etl.csv_reader import LoadError
from etl.load import load
from etl.settings import Settings
from tests.conftest import TEST_KEY, count_records
from tests.conftest import ROOT as REPO

sys.path.insert(0, str(REPO / "scripts"))
from junk_load import write_junk  # noqa: E402


def quarantined(settings: Settings) -> list[tuple]:
    from etl.warehouse import connect_read_only

    con = connect_read_only(settings.db_path)
    try:
        return con.execute("select line_no, reason, contact_id, offered_at from quarantine order by line_no").fetchall()
    finally:
        con.close()


def test_a_mostly_junk_file_is_read_in_bulk_with_the_csv_readers_outcome(tmp_path, monkeypatch):
    folder = tmp_path / "d"
    folder.mkdir()
    write_junk(folder / "calls.csv", 3000)
    with open(folder / "calls.csv", "a") as handle:  # a valid call and a blank line among the junk
        handle.write("OK1,p,q1,appt,A1,2026-01-05T09:00:00,2026-01-05T09:00:20,2026-01-05T09:05:20,0,0,no,no,yes\r\n\n")
    bulk = Settings(db_path=tmp_path / "bulk" / "w.duckdb", pseudonym_key=TEST_KEY)
    report = load([folder], bulk)
    (f,) = report.files
    assert f.rows_read == count_records(folder / "calls.csv") == 3001
    assert (f.loaded, f.quarantined) == (1, 3000)
    assert f.reasons["row has fewer fields than the header"] == 1000
    assert f.reasons["row has more fields than the header"] == 1000

    calls = []
    monkeypatch.setattr(csv_reader, "read_lines", lambda *args: calls.append(args) or None)  # the CSV reader
    ordinary = Settings(db_path=tmp_path / "ordinary" / "w.duckdb", pseudonym_key=TEST_KEY)
    assert load([folder], ordinary).files[0].reasons == f.reasons
    assert len(calls) == 1
    assert quarantined(bulk) == quarantined(ordinary)


def test_a_junk_file_with_quotes_takes_the_csv_reader(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    write_junk(folder / "calls.csv", 300)
    with open(folder / "calls.csv", "a") as handle:
        handle.write('Q1,p,q1,"appt, new",A1,2026-01-05T09:00:00,,2026-01-05T09:05:20,0,0,no,no,\n')
    report = load([folder], Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=TEST_KEY))
    assert (report.files[0].rows_read, report.files[0].loaded) == (301, 1)


def test_a_mostly_junk_file_can_be_refused_before_it_is_read(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    write_junk(folder / "calls.csv", 5000)
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=TEST_KEY, load_refuse_junk_share=0.5)
    with pytest.raises(LoadError, match=r"67% of its first 2,000 rows cannot be read, more than "
                                        r"load_refuse_junk_share \(50%\); nothing was loaded"):
        load([folder], settings)
    assert not Path(settings.db_path).exists()
