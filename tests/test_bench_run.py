"""`carekpi bench` end to end on two tiny sizes: every phase's figures land in the JSON and the summary prints.
Asserts counts and that figures exist, never a speed."""

import json

import pytest

from etl.bench import _child
from etl.cli import main


def test_two_tiny_sizes_end_to_end(tmp_path, capsys):
    data, out = tmp_path / "data", tmp_path / "bench.json"
    assert main(["bench", "--contacts", "3000", "--contacts", "6000", "--days", "7", "--data-dir", str(data),
                 "--out", str(out), "--warm-runs", "2", "--pandas-max", "0", "--half-history-max", "3000"]) == 0
    printed = capsys.readouterr().out
    doc = json.loads(out.read_text())
    small, large = doc["sizes"]
    # the generator is seeded: 7 days of 3,000 and 6,000 requested contacts, and the next day 1/7 of each
    assert [(r["requested"], r["contacts"], r["full_load"]["contacts"], r["incremental"]["contacts"])
            for r in doc["sizes"]] == [(3000, 2797, 2797, 482), (6000, 5629, 5629, 969)]
    for r in (small, large):
        assert r["reference"]["rows"] == r["contacts"]
        for phase in ("reference", "full_load", "incremental"):
            assert r[phase]["seconds"] > 0 and r[phase]["peak_rss_mib"] > 0
            assert len(r[phase]["load_average"]) == 3
        assert r["incremental"]["store_bytes_written"] > 0 and r["incremental"]["snapshot_bytes_written"] > 0
        assert len(r["queries"]) == 22 and r["query_worst_warm_p95_ms"] > 0
        assert "pandas_fcr" not in r
    assert small["incremental_half_history"]["warehouse_contacts"] > 0
    assert "incremental_half_history" not in large
    assert large["skipped"] == {
        "3b incremental day, half the history:": "skipped: 6,000 contacts is above --half-history-max 3,000 (it "
        "costs a second full load of half the size; the bytes per contact of the day across sizes stand in)",
        "5 pandas FCR:": "skipped: 6,000 contacts is above --pandas-max 0 (pandas holds every contact in memory: "
        "4.4 GiB at 10 million, so about 22 GiB at 50 million)"}
    summary = doc["summary"]
    assert [row["contacts"] for row in summary["sizes"]] == [2797, 5629]
    assert [(s["from"], s["to"]) for s in summary["exponents"]] == [(3000, 6000)]
    assert all(s["time_exponent"] is not None and s["rss_exponent"] is not None for s in summary["exponents"])
    # no 10 M or 50 M size in this run: the size-bound goals are not measured; the exponent one is
    assert [g["met"] is None for g in summary["goals"]] == [True, False, True, True, True]
    assert "scaling summary (one run per size" in printed
    assert "5 pandas FCR: skipped: 3,000 contacts is above --pandas-max 0" in printed
    assert "[not measured] KPI query p95, 22 queries, 50 M" in printed
    assert sorted(p.name for p in data.iterdir()) == ["n3000-d7", "n6000-d7"]  # deliveries kept, work folders gone


def test_a_failed_child_names_its_error_not_the_advice_after_it():
    code = ("import sys\nsys.stderr.write('Traceback\\nduckdb.OutOfMemoryException: Out of Memory Error: failed to "
            "allocate\\n\\nPossible solutions:\\nSee also https://duckdb.org/docs\\n')\nsys.exit(1)")
    with pytest.raises(RuntimeError) as failed:
        _child(code)
    assert str(failed.value) == "duckdb.OutOfMemoryException: Out of Memory Error: failed to allocate"
