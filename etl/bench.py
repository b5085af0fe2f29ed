"""`carekpi bench`: the scale benchmark. Prints one table of figures and writes it as JSON; asserts nothing.

Phases, measured in one run on one generated delivery of N contacts:
1. reference: DuckDB's own read_csv of calls.csv and chats.csv into plain tables (no validation), the floor;
2. full load of the delivery into an empty warehouse (validation, quarantine, pseudonyms, FCR, marts);
3. incremental load of one more day into that warehouse, and into a warehouse of half its history (the same day):
   the seconds and the bytes the load writes (new table store files and the new serving snapshot), which must
   follow the day, not the warehouse;
4. the KPI query function on realistic filter and grouping combinations, cold and warm;
5. a plain pandas implementation of FCR on the same data, for comparison.
Loads and the reference run in child processes so their peak RSS can be read.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from etl.generate import generate
from etl.kpis import Filters, kpi_table
from etl.settings import Settings
from etl.store import TABLES, current_files, store_dir
from etl.warehouse import connect_read_only, snapshot_dir

END = dt.date(2026, 11, 22)
CONTACTS_PER_FIRST = 1.12  # each generated first contact brings 0.4 repeats; 0.8 of the daily rate are firsts


def _child(code: str, env: dict | None = None) -> tuple[float, int, str]:
    """Run Python code in a child process; return (seconds, peak RSS bytes of that child, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1] if result.stderr else "child failed")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) * 1024, result.stdout


def _rss_of(code: str, env: dict | None = None) -> tuple[float, int, str]:
    """Like _child, but reads the child's own peak RSS (RUSAGE_CHILDREN is a running maximum)."""
    wrapped = code + "\nimport resource, sys\nprint('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    seconds, _, out = _child(wrapped, env)
    peak = int(next(line.split()[1] for line in out.splitlines() if line.startswith("PEAK"))) * 1024
    return seconds, peak, out


def reference_read(folder: Path, work: Path) -> dict:
    db = work / "reference.duckdb"
    code = (
        "import duckdb\n"
        f"con = duckdb.connect({str(db)!r})\n"
        f"con.execute(\"create table calls as select * from read_csv($p)\", {{'p': {str(folder / 'calls.csv')!r}}})\n"
        f"con.execute(\"create table chats as select * from read_csv($p)\", {{'p': {str(folder / 'chats.csv')!r}}})\n"
        "print('ROWS', con.execute('select (select count(*) from calls) + (select count(*) from chats)').fetchone()[0])\n"
        "con.close()\n"
    )
    seconds, peak, out = _rss_of(code)
    rows = int(next(line.split()[1] for line in out.splitlines() if line.startswith("ROWS")))
    return {"seconds": seconds, "rows": rows, "peak_rss_mib": peak / 2**20}


def timed_load(folder: Path, db: Path, key: str) -> dict:
    code = (
        "from pathlib import Path\n"
        "from etl.load import load\n"
        "from etl.settings import Settings\n"
        f"report = load([Path({str(folder)!r})], Settings(db_path=Path({str(db)!r}), pseudonym_key={key!r}))\n"
        "print('ROWS', sum(f.rows_read for f in report.files if f.kind in ('calls', 'chats')))\n"
    )
    seconds, peak, out = _rss_of(code)
    rows = int(next(line.split()[1] for line in out.splitlines() if line.startswith("ROWS")))
    return {"seconds": seconds, "contacts": rows, "rows_per_second": rows / seconds, "peak_rss_mib": peak / 2**20}


def _files(db: Path) -> dict[Path, int]:
    """The warehouse's files (serving snapshots and table store) and their sizes."""
    folders = (snapshot_dir(db), store_dir(db))
    return {p: p.stat().st_size for folder in folders if folder.is_dir() for p in folder.rglob("*") if p.is_file()}


def measured_load(folder: Path, db: Path, key: str) -> dict:
    """timed_load, plus the bytes the load wrote: the files it added to the warehouse (the table store's new
    partition files and manifest, and the new serving snapshot)."""
    before = _files(db)
    result = timed_load(folder, db, key)
    added = {p: size for p, size in _files(db).items() if p not in before}
    store_bytes = sum(size for p, size in added.items() if store_dir(db) in p.parents)
    partitions = {p.parent for p in added if p.suffix == ".parquet"}
    return {**result, "bytes_written": sum(added.values()), "store_bytes_written": store_bytes,
            "snapshot_bytes_written": sum(added.values()) - store_bytes, "partitions_written": len(partitions)}


def warehouse_size(db: Path) -> dict:
    """The serving snapshot's size and the table store's current files' size."""
    stored = sum(p.stat().st_size for table in TABLES for p in current_files(store_dir(db), table))
    return {"serving_mib": Path(os.path.realpath(db)).stat().st_size / 2**20, "store_mib": stored / 2**20}


def query_combinations(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[tuple[str, Filters, tuple]]:
    first, last = con.execute("select min(day), max(day) from kpi_grain").fetchone()
    partner = con.execute("select partner from kpi_grain group by 1 order by sum(offered) desc limit 1").fetchone()[0]
    team = con.execute("select team from kpi_grain group by 1 order by sum(offered) desc limit 1").fetchone()[0]
    agent = con.execute("select agent_id from kpi_grain where agent_id is not null group by 1 "
                        "order by sum(handled) desc limit 1").fetchone()[0]
    queue = con.execute("select queue from kpi_grain group by 1 order by sum(offered) desc limit 1").fetchone()[0]
    year = Filters(date_from=first, date_to=last)
    week = Filters(date_from=last - dt.timedelta(days=6), date_to=last)
    month = Filters(date_from=last - dt.timedelta(days=27), date_to=last)
    day = Filters(date_from=last, date_to=last)
    return [
        ("whole year, total", year, ()),
        ("whole year by day", year, ("day",)),
        ("whole year by week", year, ("week",)),
        ("whole year by month", year, ("month",)),
        ("channel mix by month", year, ("month", "channel")),
        ("whole year by partner", year, ("partner",)),
        ("one partner by week", year.model_copy(update={"partners": [partner]}), ("week",)),
        ("one partner by team, 4 weeks", month.model_copy(update={"partners": [partner]}), ("team",)),
        ("one team by agent, 4 weeks", month.model_copy(update={"teams": [team]}), ("team", "agent")),
        ("one team by agent, whole year", year.model_copy(update={"teams": [team]}), ("agent",)),
        ("one agent by day, whole year", year.model_copy(update={"agents": [agent]}), ("day",)),
        ("one agent by week, 4 weeks", month.model_copy(update={"agents": [agent]}), ("week",)),
        ("all agents, 4 weeks", month, ("team", "agent")),
        ("last 7 days, total", week, ()),
        ("last 7 days by day", week, ("day",)),
        ("yesterday by hour", day, ("hour",)),
        ("yesterday by queue and channel", day, ("queue", "channel")),
        ("4 weeks by queue and channel", month, ("queue", "channel")),
        ("one queue by day, 4 weeks", month.model_copy(update={"queues": [queue]}), ("day",)),
        ("voice only by week, whole year", year.model_copy(update={"channels": ["voice"]}), ("week",)),
        ("4 weeks by site and channel", month, ("site", "channel")),
        ("one partner, voice, by hour, 7 days", week.model_copy(update={"partners": [partner],
                                                                        "channels": ["voice"]}), ("hour",)),
    ]


def query_timings(db: Path, settings: Settings, warm_runs: int = 15) -> list[dict]:
    results = []
    probe = connect_read_only(db)
    combos = query_combinations(probe, settings)
    probe.close()
    for name, filters, by in combos:
        con = connect_read_only(db)  # a fresh connection: the first run is cold
        started = time.perf_counter()
        rows = len(kpi_table(con, filters, by, settings))
        cold = (time.perf_counter() - started) * 1000
        warm = []
        for _ in range(warm_runs):
            started = time.perf_counter()
            kpi_table(con, filters, by, settings)
            warm.append((time.perf_counter() - started) * 1000)
        con.close()
        warm.sort()
        results.append({"query": name, "groups": rows, "cold_ms": cold, "warm_p50_ms": statistics.median(warm),
                        "warm_p95_ms": warm[int(round(0.95 * (len(warm) - 1)))]})
    return results


def pandas_fcr(folder: Path, window_hours: int = 168) -> dict:
    """FCR computed the plain pandas way over both files, to compare with the warehouse's SQL."""
    code = (
        "import pandas as pd\n"
        f"frames = []\n"
        f"for name, at, handled in (('calls.csv', 'offered_at', 'answered_at'), "
        f"('chats.csv', 'requested_at', 'accepted_at')):\n"
        f"    f = pd.read_csv({str(folder)!r} + '/' + name, usecols=['patient_ref', at, handled, 'ended_at'], "
        f"dtype={{'patient_ref': 'string'}}, parse_dates=[at, handled, 'ended_at'])\n"
        f"    frames.append(f.rename(columns={{at: 'offered', handled: 'answered'}}))\n"
        f"c = pd.concat(frames, ignore_index=True)\n"
        f"c['short'] = c['answered'].isna() & (c['ended_at'] - c['offered'] < pd.Timedelta(seconds=5))\n"
        f"q = c[~c['short']].drop_duplicates(['patient_ref', 'offered']).sort_values(['patient_ref', 'offered'])\n"
        f"q['next'] = q.groupby('patient_ref')['offered'].shift(-1)\n"
        f"h = c[c['answered'].notna()].merge(q[['patient_ref', 'offered', 'next']], on=['patient_ref', 'offered'])\n"
        f"horizon = c['offered'].max()\n"
        f"w = pd.Timedelta(hours={window_hours})\n"
        f"eligible = h[h['offered'] + w <= horizon]\n"
        f"resolved = eligible['next'].isna() | (eligible['next'] > eligible['offered'] + w)\n"
        f"print('FCR', int(resolved.sum()), len(eligible))\n"
    )
    seconds, peak, out = _rss_of(code)
    num, den = next(line.split()[1:] for line in out.splitlines() if line.startswith("FCR"))
    return {"seconds": seconds, "peak_rss_mib": peak / 2**20, "fcr_num": int(num), "fcr_den": int(den)}


def run(contacts: int, days: int, data_dir: Path, out_json: Path) -> dict:
    per_day = max(1, round(contacts / days / CONTACTS_PER_FIRST))
    full, next_day = data_dir / f"n{contacts}-d{days}" / "full", data_dir / f"n{contacts}-d{days}" / "next"
    if not (full / "calls.csv").exists():
        print(f"generating {contacts:,} contacts over {days} days into {full} ...", flush=True)
        generate(full, days=days, seed=11, contacts_per_day=per_day, end=END, bad_rows=False)
    half = data_dir / f"n{contacts}-d{days}" / "half"
    if not (half / "calls.csv").exists():
        generate(half, days=max(1, days // 2), seed=13, contacts_per_day=per_day, end=END, bad_rows=False)
    if not (next_day / "calls.csv").exists():
        generate(next_day, days=1, seed=12, contacts_per_day=per_day, end=END + dt.timedelta(days=1),
                 first_id=10**9 - 10**7, bad_rows=False)
    key = "bench-key-0123456789abcdef"
    with tempfile.TemporaryDirectory(dir=data_dir) as tmp:
        work = Path(tmp)
        db = work / "warehouse.duckdb"
        print("reference read ...", flush=True)
        reference = reference_read(full, work)
        print("full load ...", flush=True)
        full_load = timed_load(full, db, key)
        con = connect_read_only(db)
        sql_fcr = con.execute("select count_if(fcr_resolved), count_if(fcr_eligible) from contact_facts").fetchone()
        con.close()
        print("incremental day ...", flush=True)
        incremental = measured_load(next_day, db, key)
        size = warehouse_size(db)
        print("incremental day on half the history ...", flush=True)
        half_db = work / "half" / "warehouse.duckdb"
        half_load = timed_load(half, half_db, key)
        incremental_half = {**measured_load(next_day, half_db, key), "warehouse_contacts": half_load["contacts"],
                            **warehouse_size(half_db)}
        print("queries ...", flush=True)
        queries = query_timings(db, Settings(db_path=db, pseudonym_key=key))
        print("pandas FCR ...", flush=True)
        pandas = pandas_fcr(full)
        db_mib = size["serving_mib"] + size["store_mib"]
    results = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "duckdb": duckdb.__version__, "memory_gib": _memory_gib()},
        "contacts": reference["rows"], "days": days, "warehouse_mib": db_mib, "warehouse": size,
        "reference": reference, "full_load": {**full_load, "ratio_to_reference":
                                              full_load["seconds"] / reference["seconds"]},
        "incremental": {**incremental, "ratio_to_full": incremental["seconds"] / full_load["seconds"]},
        "incremental_half_history": incremental_half,
        "queries": queries,
        "query_worst_warm_p95_ms": max(q["warm_p95_ms"] for q in queries),
        "query_worst_cold_ms": max(q["cold_ms"] for q in queries),
        "pandas_fcr": pandas, "sql_fcr_first_delivery": {"num": sql_fcr[0], "den": sql_fcr[1]},
    }
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(results, indent=2, default=str))
    print(format_results(results))
    print(f"\nwritten to {out_json}")
    return results


def _memory_gib() -> float:
    with open("/proc/meminfo") as handle:
        kib = int(next(line.split()[1] for line in handle if line.startswith("MemTotal")))
    return round(kib / 2**20, 1)


def _written(load: dict, contacts: int) -> str:
    return (f"{load['bytes_written'] / 2**20:,.2f} MiB into {contacts:,} contacts (store "
            f"{load['store_bytes_written'] / 2**20:,.2f} MiB in {load['partitions_written']} partitions, serving "
            f"snapshot {load['snapshot_bytes_written'] / 2**20:,.2f} MiB)")


def format_results(r: dict) -> str:
    m = r["machine"]
    lines = [f"carekpi bench: {r['contacts']:,} contacts over {r['days']} days; {m['cpus']} cores, "
             f"{m['memory_gib']} GiB, DuckDB {m['duckdb']}; warehouse {r['warehouse_mib']:,.0f} MiB "
             f"(serving snapshot {r['warehouse']['serving_mib']:,.1f} MiB, table store "
             f"{r['warehouse']['store_mib']:,.1f} MiB)", ""]
    ref, full, inc, half = r["reference"], r["full_load"], r["incremental"], r["incremental_half_history"]
    lines += [
        f"{'phase':<44}{'seconds':>10}{'rows/s':>12}{'peak RSS MiB':>14}{'ratio':>10}",
        f"{'1 reference read_csv (calls + chats)':<44}{ref['seconds']:>10.2f}{ref['rows'] / ref['seconds']:>12,.0f}"
        f"{ref['peak_rss_mib']:>14,.0f}{'':>10}",
        f"{'2 full load (ratio to reference)':<44}{full['seconds']:>10.2f}{full['rows_per_second']:>12,.0f}"
        f"{full['peak_rss_mib']:>14,.0f}{full['ratio_to_reference']:>9.2f}x",
        f"{'3 incremental day (ratio to full load)':<44}{inc['seconds']:>10.2f}{inc['rows_per_second']:>12,.0f}"
        f"{inc['peak_rss_mib']:>14,.0f}{inc['ratio_to_full']:>9.1%}",
        f"{'3b incremental day, half the history':<44}{half['seconds']:>10.2f}{half['rows_per_second']:>12,.0f}"
        f"{half['peak_rss_mib']:>14,.0f}",
        f"{'5 pandas FCR (read + compute)':<44}{r['pandas_fcr']['seconds']:>10.2f}{'':>12}"
        f"{r['pandas_fcr']['peak_rss_mib']:>14,.0f}",
        "",
        f"bytes written by the incremental day ({inc['contacts']:,} contacts): "
        + "; ".join(_written(x, n) for x, n in ((half, half["warehouse_contacts"]), (inc, r["contacts"]))),
        "",
        f"{'4 KPI query':<44}{'groups':>8}{'cold ms':>10}{'p50 ms':>10}{'p95 ms':>10}",
    ]
    for q in r["queries"]:
        lines.append(f"{q['query']:<44}{q['groups']:>8}{q['cold_ms']:>10.1f}{q['warm_p50_ms']:>10.1f}"
                     f"{q['warm_p95_ms']:>10.1f}")
    lines.append(f"worst warm p95 {r['query_worst_warm_p95_ms']:.1f} ms; worst cold {r['query_worst_cold_ms']:.1f} ms")
    p, s = r["pandas_fcr"], r["sql_fcr_first_delivery"]
    lines.append(f"FCR check, first delivery: pandas {p['fcr_num']:,}/{p['fcr_den']:,}, warehouse {s['num']:,}/{s['den']:,}")
    return "\n".join(lines)

