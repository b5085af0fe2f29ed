"""What `carekpi bench` prints and concludes: the per-size table, the scaling summary across sizes (the exponents
of cost against size) and whether each of issue 16's goals is met. Pure functions of the result dicts; measures
nothing, and tolerates a size whose later phases have not run (a cut-off run still gets its summary)."""

from __future__ import annotations

import math

TEN_MILLION, FIFTY_MILLION = 10_000_000, 50_000_000
MIB = 2**20
REFERENCE_RATIO_GOAL = 4.0  # full load <= 4x DuckDB's own read_csv, at 10 M
INCREMENTAL_SHARE_GOAL = 0.02  # incremental day <= 2 % of the full load, at 50 M
P95_GOAL_MS = 100.0  # worst warm KPI query p95, at 50 M
WAREHOUSE_SHARE_GOAL = 0.10  # a day writes <= 10 % of the warehouse's bytes (copying the warehouse writes >= 100 %)


def exponent(n1: float, n2: float, v1: float | None, v2: float | None) -> float | None:
    """The b in v = a * n**b through two points: log(v2/v1) / log(n2/n1); None when a figure is missing."""
    if v1 is None or v2 is None or v1 <= 0 or v2 <= 0 or n1 == n2:
        return None
    return math.log(v2 / v1) / math.log(n2 / n1)


def size_row(r: dict) -> dict:
    """One size's figures for the summary; None for a phase that has not run (or was skipped)."""
    ref, full, inc, half = (r.get(k) for k in ("reference", "full_load", "incremental", "incremental_half_history"))
    row = {"requested": r["requested"], "contacts": full["contacts"] if full else None,
           "reference_seconds": ref["seconds"] if ref else None,
           "full_load_seconds": full["seconds"] if full else None,
           "full_load_peak_rss_mib": full["peak_rss_mib"] if full else None,
           "ratio_to_reference": full["ratio_to_reference"] if full and ref else None,
           "incremental_seconds": inc["seconds"] if inc else None,
           "incremental_ratio_to_full": inc["ratio_to_full"] if inc else None,
           "day_contacts": inc["contacts"] if inc else None,
           "day_bytes": inc["bytes_written"] if inc else None,
           "day_store_bytes": inc["store_bytes_written"] if inc else None,
           "day_snapshot_bytes": inc["snapshot_bytes_written"] if inc else None,
           "day_bytes_per_contact": inc["bytes_written"] / inc["contacts"] if inc else None,
           "day_share_of_warehouse": (inc["bytes_written"] / (r["warehouse_mib"] * MIB)
                                      if inc and r.get("warehouse_mib") else None),
           "half_history_bytes_ratio": inc["bytes_written"] / half["bytes_written"] if inc and half else None,
           "worst_warm_p95_ms": r.get("query_worst_warm_p95_ms"),
           "load_average_after_full_load": full["load_average"][0] if full and "load_average" in full else None}
    return row


def scaling_summary(sizes: list[dict]) -> dict:
    """The per-size rows, the exponents between consecutive sizes (time and peak RSS of the full load against the
    contacts loaded; the day's bytes against the day's contacts) and the goals."""
    rows = [size_row(r) for r in sizes]
    steps = []
    for a, b in zip(rows, rows[1:]):
        if a["contacts"] is None or b["contacts"] is None:
            continue
        steps.append({"from": a["requested"], "to": b["requested"],
                      "time_exponent": exponent(a["contacts"], b["contacts"], a["full_load_seconds"],
                                                b["full_load_seconds"]),
                      "rss_exponent": exponent(a["contacts"], b["contacts"], a["full_load_peak_rss_mib"],
                                               b["full_load_peak_rss_mib"]),
                      "day_bytes_exponent": (exponent(a["day_contacts"], b["day_contacts"], a["day_bytes"],
                                                      b["day_bytes"]) if a["day_contacts"] and b["day_contacts"]
                                             else None)})
    return {"sizes": rows, "exponents": steps, "goals": goals(rows, steps)}


def _at(rows: list[dict], requested: int, key: str) -> float | None:
    return next((row[key] for row in rows if row["requested"] == requested), None)


def _goal(figure: str, goal: str, value: str | None, met: bool | None) -> dict:
    return {"figure": figure, "goal": goal, "value": value if value is not None else "not measured",
            "met": met if value is not None else None}


def goals(rows: list[dict], steps: list[dict]) -> list[dict]:
    """Issue 16's measured goals; met is None when this run has not measured the figure."""
    ratio = _at(rows, TEN_MILLION, "ratio_to_reference")
    linear = [s for s in steps if s["time_exponent"] is not None and s["rss_exponent"] is not None]
    share = _at(rows, FIFTY_MILLION, "incremental_ratio_to_full")
    p95 = _at(rows, FIFTY_MILLION, "worst_warm_p95_ms")
    per_contact = [_at(rows, n, "day_bytes_per_contact") for n in (TEN_MILLION, FIFTY_MILLION)]
    of_warehouse = [_at(rows, n, "day_share_of_warehouse") for n in (TEN_MILLION, FIFTY_MILLION)]
    day_measured = None not in per_contact and None not in of_warehouse
    return [
        _goal("full load / reference read_csv, 10 M", f"<= {REFERENCE_RATIO_GOAL:g}x",
              f"{ratio:.2f}x" if ratio is not None else None,
              ratio is not None and ratio <= REFERENCE_RATIO_GOAL),
        _goal("full load time and peak RSS, by size", "grows no faster than linearly (exponent <= 1)",
              "; ".join(f"{_short(s['from'])}->{_short(s['to'])}: time {s['time_exponent']:.2f}, peak RSS "
                        f"{s['rss_exponent']:.2f}" for s in linear) or None,
              all(s["time_exponent"] <= 1 and s["rss_exponent"] <= 1 for s in linear)),
        _goal("incremental day / full load, 50 M", f"<= {INCREMENTAL_SHARE_GOAL:.0%}",
              f"{share:.2%}" if share is not None else None,
              share is not None and share <= INCREMENTAL_SHARE_GOAL),
        _goal("bytes written by an incremental day, 10 M and 50 M",
              f"grows with the day, not the warehouse (bytes per contact of the day not rising; "
              f"<= {WAREHOUSE_SHARE_GOAL:.0%} of the warehouse)",
              (f"{per_contact[0]:,.0f} -> {per_contact[1]:,.0f} bytes per contact of the day; "
               f"{of_warehouse[0]:.2%} and {of_warehouse[1]:.2%} of the warehouse") if day_measured else None,
              day_measured and per_contact[1] <= per_contact[0]
              and max(of_warehouse) <= WAREHOUSE_SHARE_GOAL),
        _goal("KPI query p95, 22 queries, 50 M", f"<= {P95_GOAL_MS:g} ms",
              f"worst warm p95 {p95:.1f} ms" if p95 is not None else None, p95 is not None and p95 <= P95_GOAL_MS),
    ]


def _short(n: int) -> str:
    return f"{n / 1e6:g} M" if n >= 1_000_000 else f"{n:,}"


def _cell(value: float | None, spec: str, width: int) -> str:
    return f"{'-' if value is None else format(value, spec):>{width}}"


def format_scaling(summary: dict) -> str:
    """The scaling summary as printed after the per-size tables."""
    lines = ["scaling summary (one run per size; each ratio measured in the same run)", "",
             f"{'size':>8}{'contacts':>13}{'full s':>9}{'RSS MiB':>9}{'/ read':>8}{'day s':>8}{'/ full':>8}"
             f"{'day rows':>10}{'store MiB':>11}{'snap MiB':>10}{'B/row':>8}{'of whs':>8}{'half':>7}{'p95 ms':>8}"
             f"{'load':>6}"]
    for row in summary["sizes"]:
        mib = {k: row[k] / MIB if row[k] is not None else None for k in ("day_store_bytes", "day_snapshot_bytes")}
        lines.append(
            f"{_short(row['requested']):>8}{_cell(row['contacts'], ',', 13)}{_cell(row['full_load_seconds'], '.1f', 9)}"
            f"{_cell(row['full_load_peak_rss_mib'], ',.0f', 9)}{_cell(row['ratio_to_reference'], '.2f', 7)}x"
            f"{_cell(row['incremental_seconds'], '.1f', 8)}{_cell(row['incremental_ratio_to_full'], '.1%', 8)}"
            f"{_cell(row['day_contacts'], ',', 10)}{_cell(mib['day_store_bytes'], ',.2f', 11)}"
            f"{_cell(mib['day_snapshot_bytes'], ',.2f', 10)}{_cell(row['day_bytes_per_contact'], ',.0f', 8)}"
            f"{_cell(row['day_share_of_warehouse'], '.2%', 8)}{_cell(row['half_history_bytes_ratio'], '.2f', 7)}"
            f"{_cell(row['worst_warm_p95_ms'], '.1f', 8)}{_cell(row['load_average_after_full_load'], '.1f', 6)}")
    lines += ["", "(/ read: full load over the same size's reference read_csv; / full: incremental day over the full "
              "load; store, snap: the bytes the day wrote as table store files and as the serving snapshot; B/row: "
              "all its bytes per contact of the day; of whs: its bytes over the warehouse's; half: its bytes over "
              "those of the same day loaded into half the history; load: the machine's 1-minute load average as the "
              "full load ended)", ""]
    for s in summary["exponents"]:
        lines.append(f"exponent {_short(s['from'])} -> {_short(s['to'])} (log(v2/v1) / log(n2/n1)): full load time "
                     f"{_cell(s['time_exponent'], '.2f', 0)}, peak RSS {_cell(s['rss_exponent'], '.2f', 0)}; "
                     f"bytes the day wrote against the day's contacts {_cell(s['day_bytes_exponent'], '.2f', 0)}")
    lines += [""] if summary["exponents"] else []
    for g in summary["goals"]:
        verdict = {True: "met", False: "NOT MET", None: "not measured"}[g["met"]]
        measured = f"; measured {g['value']}" if g["met"] is not None else ""
        lines.append(f"[{verdict}] {g['figure']}: goal {g['goal']}{measured}")
    return "\n".join(lines)


def _written(load: dict, contacts: int) -> str:
    return (f"{load['bytes_written'] / MIB:,.2f} MiB into {contacts:,} contacts (store "
            f"{load['store_bytes_written'] / MIB:,.2f} MiB in {load['partitions_written']} partitions, serving "
            f"snapshot {load['snapshot_bytes_written'] / MIB:,.2f} MiB; "
            f"{load['bytes_written'] / load['contacts']:,.0f} bytes per contact of the day)")


def format_results(r: dict, m: dict) -> str:
    """One size's table (`r`: its results, `m`: the machine); phases that were skipped say so and why."""
    lines = [f"carekpi bench: {r['contacts']:,} contacts over {r['days']} days; {m['cpus']} cores, "
             f"{m['memory_gib']} GiB, DuckDB {m['duckdb']}; warehouse {r['warehouse_mib']:,.0f} MiB "
             f"(serving snapshot {r['warehouse']['serving_mib']:,.1f} MiB, table store "
             f"{r['warehouse']['store_mib']:,.1f} MiB)", ""]
    ref, full, inc = r["reference"], r["full_load"], r["incremental"]
    half, pandas = r.get("incremental_half_history"), r.get("pandas_fcr")
    lines += [
        f"{'phase':<44}{'seconds':>10}{'rows/s':>12}{'peak RSS MiB':>14}{'ratio':>10}",
        f"{'1 reference read_csv (calls + chats)':<44}{ref['seconds']:>10.2f}{ref['rows'] / ref['seconds']:>12,.0f}"
        f"{ref['peak_rss_mib']:>14,.0f}{'':>10}",
        f"{'2 full load (ratio to reference)':<44}{full['seconds']:>10.2f}{full['rows_per_second']:>12,.0f}"
        f"{full['peak_rss_mib']:>14,.0f}{full['ratio_to_reference']:>9.2f}x",
        f"{'3 incremental day (ratio to full load)':<44}{inc['seconds']:>10.2f}{inc['rows_per_second']:>12,.0f}"
        f"{inc['peak_rss_mib']:>14,.0f}{inc['ratio_to_full']:>9.1%}",
    ]
    if half:
        lines.append(f"{'3b incremental day, half the history':<44}{half['seconds']:>10.2f}"
                     f"{half['rows_per_second']:>12,.0f}{half['peak_rss_mib']:>14,.0f}")
    if pandas:
        lines.append(f"{'5 pandas FCR (read + compute)':<44}{pandas['seconds']:>10.2f}{'':>12}"
                     f"{pandas['peak_rss_mib']:>14,.0f}")
    lines += [f"{name} {reason}" for name, reason in r["skipped"].items()]
    loads = ([(half, half["warehouse_contacts"])] if half else []) + [(inc, r["contacts"])]
    lines += ["", f"bytes written by the incremental day ({inc['contacts']:,} contacts): "
              + "; ".join(_written(x, n) for x, n in loads), "",
              f"{'4 KPI query':<44}{'groups':>8}{'cold ms':>10}{'p50 ms':>10}{'p95 ms':>10}"]
    for q in r["queries"]:
        lines.append(f"{q['query']:<44}{q['groups']:>8}{q['cold_ms']:>10.1f}{q['warm_p50_ms']:>10.1f}"
                     f"{q['warm_p95_ms']:>10.1f}")
    lines.append(f"worst warm p95 {r['query_worst_warm_p95_ms']:.1f} ms; worst cold {r['query_worst_cold_ms']:.1f} ms")
    if pandas:
        s = r["sql_fcr_first_delivery"]
        lines.append(f"FCR check, first delivery: pandas {pandas['fcr_num']:,}/{pandas['fcr_den']:,}, "
                     f"warehouse {s['num']:,}/{s['den']:,}")
    return "\n".join(lines)
