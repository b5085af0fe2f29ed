"""The bench's scaling summary: exponents, per-size rows and goals, on hand-made results worked out by hand."""

import math

from etl.bench_report import exponent, format_scaling, scaling_summary

MIB = 2**20


def _size(requested, ref_s, full_s, rss, inc_s, day, day_store, day_snapshot, warehouse_mib, p95, half_bytes=None):
    r = {"requested": requested, "days": 365, "contacts": requested,
         "reference": {"seconds": ref_s, "rows": requested, "peak_rss_mib": 500},
         "full_load": {"seconds": full_s, "contacts": requested, "peak_rss_mib": rss,
                       "ratio_to_reference": full_s / ref_s},
         "incremental": {"seconds": inc_s, "contacts": day, "ratio_to_full": inc_s / full_s,
                         "bytes_written": day_store + day_snapshot, "store_bytes_written": day_store,
                         "snapshot_bytes_written": day_snapshot},
         "warehouse_mib": warehouse_mib, "query_worst_warm_p95_ms": p95}
    if half_bytes is not None:
        r["incremental_half_history"] = {"bytes_written": half_bytes}
    return r


ONE = _size(1_000_000, 10, 40, 1000, 2, 2_000, 1_000_000, 3_000_000, 100, 50.0, half_bytes=2_000_000)
TEN = _size(10_000_000, 100, 200, 2000, 4, 20_000, 10_000_000, 10_000_000, 1000, 80.0)
FIFTY = _size(50_000_000, 500, 1000, 2000, 30, 100_000, 25_000_000, 25_000_000, 5000, 120.0)


def test_exponent_is_the_slope_on_log_log_axes():
    assert exponent(1, 10, 2, 20) == 1.0
    assert exponent(10, 20, 5, 5) == 0.0
    assert math.isclose(exponent(1_000_000, 10_000_000, 40, 200), math.log10(5))
    assert exponent(1, 10, None, 3) is None
    assert exponent(1, 10, 0, 3) is None
    assert exponent(5, 5, 1, 2) is None


def test_rows_and_exponents_of_three_sizes():
    summary = scaling_summary([ONE, TEN, FIFTY])
    one, ten, fifty = summary["sizes"]
    assert one["ratio_to_reference"] == 4.0 and ten["ratio_to_reference"] == 2.0
    assert one["incremental_ratio_to_full"] == 0.05 and fifty["incremental_ratio_to_full"] == 0.03
    # bytes per contact of the day: 4,000,000 / 2,000; 20,000,000 / 20,000; 50,000,000 / 100,000
    assert (one["day_bytes_per_contact"], ten["day_bytes_per_contact"], fifty["day_bytes_per_contact"]) == (2000, 1000,
                                                                                                            500)
    # share of the warehouse: 4,000,000 bytes of 100 MiB; 50,000,000 of 5,000 MiB
    assert math.isclose(one["day_share_of_warehouse"], 4_000_000 / (100 * MIB))
    assert math.isclose(fifty["day_share_of_warehouse"], 0.009536743, abs_tol=1e-9)
    assert one["half_history_bytes_ratio"] == 2.0 and ten["half_history_bytes_ratio"] is None
    first, second = summary["exponents"]
    assert (first["from"], first["to"], second["from"], second["to"]) == (1_000_000, 10_000_000, 10_000_000,
                                                                          50_000_000)
    # 1 M -> 10 M: time 40 -> 200 s, log10(5); RSS 1000 -> 2000 MiB, log10(2); day bytes 4e6 -> 2e7 over 2e3 -> 2e4
    assert math.isclose(first["time_exponent"], 0.69897, abs_tol=1e-5)
    assert math.isclose(first["rss_exponent"], 0.30103, abs_tol=1e-5)
    assert math.isclose(first["day_bytes_exponent"], 0.69897, abs_tol=1e-5)
    # 10 M -> 50 M: time x5 over size x5 is 1; RSS flat is 0; day bytes x2.5 over day x5: log 2.5 / log 5
    assert second["time_exponent"] == 1.0 and second["rss_exponent"] == 0.0
    assert math.isclose(second["day_bytes_exponent"], 0.569323, abs_tol=1e-6)


def test_goals_of_three_sizes():
    goals = scaling_summary([ONE, TEN, FIFTY])["goals"]
    assert [(g["figure"], g["value"], g["met"]) for g in goals] == [
        ("full load / reference read_csv, 10 M", "2.00x", True),
        ("full load time and peak RSS, by size", "1 M->10 M: time 0.70, peak RSS 0.30; 10 M->50 M: time 1.00, "
                                                 "peak RSS 0.00", True),
        ("incremental day / full load, 50 M", "3.00%", False),
        ("bytes written by an incremental day, 10 M and 50 M", "1,000 -> 500 bytes per contact of the day; 1.91% "
                                                               "and 0.95% of the warehouse", True),
        ("KPI query p95, 22 queries, 50 M", "worst warm p95 120.0 ms", False),
    ]


def test_a_faster_than_linear_step_or_a_day_writing_more_per_contact_fails_its_goal():
    slow = _size(50_000_000, 500, 1100, 2000, 30, 100_000, 100_000_000, 25_000_000, 5000, 90.0)
    goals = {g["figure"]: g for g in scaling_summary([TEN, slow])["goals"]}
    # 200 -> 1100 s over x5: log 5.5 / log 5 = 1.06
    assert goals["full load time and peak RSS, by size"]["value"] == "10 M->50 M: time 1.06, peak RSS 0.00"
    assert goals["full load time and peak RSS, by size"]["met"] is False
    # 125,000,000 bytes / 100,000 contacts = 1,250 per contact, above 10 M's 1,000
    assert goals["bytes written by an incremental day, 10 M and 50 M"]["met"] is False
    assert goals["KPI query p95, 22 queries, 50 M"]["met"] is True


def test_a_cut_off_size_keeps_what_it_measured_and_the_rest_is_not_measured():
    cut = {"requested": 50_000_000, "days": 365, "contacts": 50_000_000,
           "reference": {"seconds": 500, "rows": 50_000_000, "peak_rss_mib": 500},
           "full_load": {"seconds": 1000, "contacts": 50_000_000, "peak_rss_mib": 2000, "ratio_to_reference": 2.0,
                         "load_average": [3.5, 2.0, 1.0]}}
    summary = scaling_summary([TEN, cut])
    assert summary["sizes"][1]["incremental_seconds"] is None
    assert [row["load_average_after_full_load"] for row in summary["sizes"]] == [None, 3.5]
    assert summary["exponents"] == [{"from": 10_000_000, "to": 50_000_000, "time_exponent": 1.0,
                                     "rss_exponent": 0.0, "day_bytes_exponent": None}]
    assert [(g["value"], g["met"]) for g in summary["goals"]] == [
        ("2.00x", True), ("10 M->50 M: time 1.00, peak RSS 0.00", True), ("not measured", None),
        ("not measured", None), ("not measured", None)]
    text = format_scaling(summary)
    assert "[not measured] incremental day / full load, 50 M: goal <= 2%\n" in text
    assert "[met] full load / reference read_csv, 10 M: goal <= 4x; measured 2.00x" in text
    assert ("exponent 10 M -> 50 M (log(v2/v1) / log(n2/n1)): full load time 1.00, peak RSS 0.00; bytes the day "
            "wrote against the day's contacts -") in text
