"""Ids repeated in a file are found a slice of the ids at a time (etl/staging.py), so that grouping tens of millions
of ids fits the load's memory limit. The slices must find exactly what one pass finds."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from etl import memory_budget, sqlfiles, staging
from etl.load import load
from tests.conftest import CALL_HEADER, NOW, write_delivery
from tests.test_load_rules import call, rows

MiB = 2**20


def test_parts_are_sized_from_the_memory_limit():
    # 200 bytes per id above a 100 MiB reserve: 100 MiB + 200 MB holds 1,000,000 ids a slice
    limit = 100 * MiB + 200 * 1_000_000
    assert memory_budget.parts(0, limit, 200) == 1
    assert memory_budget.parts(1_000_000, limit, 200) == 1
    assert memory_budget.parts(1_000_001, limit, 200) == 2
    assert memory_budget.parts(32_624_795, limit, 200) == 33
    assert memory_budget.rows_per_part(limit, 400) == 500_000
    # below the reserve a part still holds 100,000 rows
    assert memory_budget.parts(250_000, 50 * MiB, 200) == 3


def test_days_are_batched_in_order_within_the_budget():
    days = [dt.date(2026, 1, d) for d in range(1, 8)]
    counts = [3, 4, 2, 9, 1, 1, 5]
    # by hand, at most 7 a batch: 1-2 (7), 3 (2; with the 4th's 9 it would be 11), 4 (9, alone), 5-7 (7)
    assert memory_budget.day_batches(list(zip(days, counts)), 7) == [
        (days[0], days[1]), (days[2], days[2]), (days[3], days[3]), (days[4], days[6])]
    assert memory_budget.day_batches(list(zip(days, counts)), 100) == [(days[0], days[6])]
    assert memory_budget.day_batches([], 7) == []


@pytest.mark.parametrize("setting, expected", [("1500MB", 1_395_864_371), ("150MB", 149_946_368),
                                               ("10GB", 9_985_798_963)])
def test_the_memory_limit_is_read_back_from_duckdb(setting, expected):
    # DuckDB prints the limit rounded to a tenth of its unit: 1500 MB is '1.3 GiB' = 1.3 * 2**30 bytes
    con = duckdb.connect(config={"memory_limit": setting})
    assert memory_budget.memory_limit(con) == expected


def _repeated(ids: list[str | None], slices: int, monkeypatch) -> tuple[int, list[tuple[str, int]]]:
    monkeypatch.setattr(staging, "parts", lambda rows, limit, per_row: slices)
    con = duckdb.connect()
    sqlfiles.run(con, "macros.sql")
    con.execute("create temp table raw_input (rec_no bigint, call_id varchar)")
    con.executemany("insert into raw_input values (?, ?)", list(enumerate(ids, start=1)))
    used = staging.repeated_keys(con, "calls")
    return used, con.execute("select id, last_rec from repeated_keys order by id").fetchall()


@pytest.mark.parametrize("slices", [1, 2, 7])
def test_every_slicing_finds_the_same_repeated_ids(slices, monkeypatch):
    ids = ["a", "a", "b", "c", "c", "c", "", None, "", "d", "e", "a"] + [f"x{n}" for n in range(50)] + ["x7"]
    # by hand: a at records 1, 2, 12 (last 12); c at 4, 5, 6 (last 6); x7 at 18 and 63 (last 63);
    # blank and missing ids are not ids
    assert _repeated(ids, slices, monkeypatch) == (slices, [("a", 12), ("c", 6), ("x7", 63)])


def test_a_load_in_many_slices_quarantines_each_repeat_once(tmp_path, settings, monkeypatch):
    monkeypatch.setattr(staging, "parts", lambda rows, limit, per_row: 5)
    calls = [CALL_HEADER] + [call(f"D{n % 4}", f"2026-01-05T1{n}:00:00", "", f"2026-01-05T1{n}:01:00", agent="")
                             for n in range(10)]
    report = load([write_delivery(tmp_path / "d", {"calls.csv": calls})], settings, now=NOW)
    # ids D0..D3 over ten rows: D0 and D1 three times, D2 and D3 twice -> 6 repeats, 4 kept (the last of each)
    assert (report.files[0].loaded, report.files[0].quarantined) == (4, 6)
    assert report.files[0].reasons == {"call_id repeated in this file (the last occurrence is kept)": 6}
    assert rows(settings, "select contact_id, offered_at from contacts order by contact_id") == [("D0", dt.datetime(2026, 1, 5, 18)), ("D1", dt.datetime(2026, 1, 5, 19)),
                    ("D2", dt.datetime(2026, 1, 5, 16)), ("D3", dt.datetime(2026, 1, 5, 17))]
