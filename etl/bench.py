"""`carekpi bench`: the scale benchmark. Prints figures and writes them as JSON; asserts nothing.

For each size N in turn (one generated delivery of N contacts over the days, kept in the data folder between runs),
phases measured in one run, the ones the goals need first:
1. reference: DuckDB's own read_csv of calls.csv and chats.csv into plain tables (no validation), the floor;
2. full load of the delivery into an empty warehouse (validation, quarantine, pseudonyms, FCR, marts);
3. incremental load of one more day (1/days of the year) into that warehouse: the seconds and the bytes the load
   writes (new table store files and the new serving snapshot), which must follow the day, not the warehouse;
4. the KPI query function on 22 realistic filter and grouping combinations, cold and warm;
3b. up to --half-history-max: the same day loaded into a warehouse of half the history (its bytes written);
5. up to --pandas-max: a plain pandas implementation of FCR on the same data, for comparison.
Each phase's figures are printed and saved as soon as it ends; after the sizes, the scaling summary
(`etl.bench_report`). Loads and the reference run in child processes so their peak RSS can be read.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from etl.bench_report import format_results, format_scaling, scaling_summary
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
        lines = result.stderr.strip().splitlines() or ["child failed"]
        # the error's own line (DuckDB's is followed by advice lines), else the last one
        raise RuntimeError(next((line for line in reversed(lines) if "Error" in line), lines[-1]))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) * 1024, result.stdout


def _marked(out: str, marker: str) -> str:
    """The text after `marker` that a child printed: found anywhere in a line, since DuckDB's progress bar may
    leave the line unfinished before it."""
    found = re.findall(rf"\b{marker} (.+)$", out, re.MULTILINE)
    if not found:
        raise RuntimeError(f"the child printed no {marker} line")
    return found[-1].strip()


def _rss_of(code: str, env: dict | None = None) -> tuple[float, int, str]:
    """Like _child, but reads the child's own peak RSS: VmHWM, the peak of its own memory map (RUSAGE_CHILDREN is
    a running maximum over all children, and the child's RUSAGE_SELF keeps the parent's peak across exec)."""
    wrapped = code + ("\nprint('PEAK', next(line.split()[1] for line in open('/proc/self/status') "
                      "if line.startswith('VmHWM')))\n")
    seconds, _, out = _child(wrapped, env)
    peak = int(_marked(out, "PEAK")) * 1024
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
    rows = int(_marked(out, "ROWS"))
    return {"seconds": seconds, "rows": rows, "peak_rss_mib": peak / 2**20}


def timed_load(folder: Path, db: Path, key: str) -> dict:
    code = (
        "from pathlib import Path\n"
        "from etl.load import load\n"
        "from etl.settings import Settings\n"
        f"report = load([Path({str(folder)!r})], Settings(db_path=Path({str(db)!r}), pseudonym_key={key!r}))\n"
        "print('ROWS', sum(f.rows_read for f in report.files if f.kind in ('calls', 'chats')))\n"
        "import json\nprint('TIMINGS', json.dumps(report.timings))\n"
    )
    seconds, peak, out = _rss_of(code)
    rows = int(_marked(out, "ROWS"))
    timings = json.loads(_marked(out, "TIMINGS"))
    return {"seconds": seconds, "contacts": rows, "rows_per_second": rows / seconds, "peak_rss_mib": peak / 2**20,
            "timings": timings}


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


def query_timings(db: Path, settings: Settings, warm_runs: int) -> list[dict]:
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
    num, den = _marked(out, "FCR").split()
    return {"seconds": seconds, "peak_rss_mib": peak / 2**20, "fcr_num": int(num), "fcr_den": int(den)}


def deliveries(contacts: int, days: int, data_dir: Path, half: bool) -> dict[str, Path]:
    """The generated deliveries for N contacts over `days` (kept in `data_dir` between runs): the year (`full`), the
    next day (`next`, 1/days of the year) and, when `half`, a warehouse of half the history (`half`)."""
    per_day = max(1, round(contacts / days / CONTACTS_PER_FIRST))
    root = data_dir / f"n{contacts}-d{days}"
    plans = {"full": dict(days=days, seed=11, end=END),
             "next": dict(days=1, seed=12, end=END + dt.timedelta(days=1), first_id=10**9 - 10**7)}
    if half:
        plans["half"] = dict(days=max(1, days // 2), seed=13, end=END)
    for name, plan in plans.items():
        if not (root / name / "calls.csv").exists():
            print(f"generating {name} delivery for {contacts:,} contacts over {days} days into {root / name} ...",
                  flush=True)
            partial = root / f"{name}.partial"  # renamed when complete: a killed run leaves no half delivery
            shutil.rmtree(partial, ignore_errors=True)
            generate(partial, contacts_per_day=per_day, bad_rows=False, **plan)
            shutil.rmtree(root / name, ignore_errors=True)
            partial.rename(root / name)
    return {name: root / name for name in plans}


PANDAS_REASON = ("skipped: {n:,} contacts is above --pandas-max {limit:,} (pandas holds every contact in memory: "
                 "4.4 GiB at 10 million, so about 22 GiB at 50 million)")
HALF_REASON = ("skipped: {n:,} contacts is above --half-history-max {limit:,} (it costs a second full load of half "
               "the size; the bytes per contact of the day across sizes stand in)")


def _record(r: dict, phase: str, figures: dict, save, line: str) -> dict:
    """Keep a phase's figures (with the machine's load average as it ended), save the JSON, print one line."""
    r[phase] = {**figures, "load_average": [round(x, 2) for x in os.getloadavg()]}
    save()
    print(f"  {line}", flush=True)
    return r[phase]


def run_size(r: dict, data_dir: Path, save, pandas_max: int, half_max: int, warm_runs: int) -> dict:
    """Measure one size into `r` (which holds "requested" and "days"), saving and printing each phase as it ends."""
    contacts, days = r["requested"], r["days"]
    half = contacts <= half_max
    files = deliveries(contacts, days, data_dir, half)
    r["skipped"] = {}
    if not half:
        r["skipped"]["3b incremental day, half the history:"] = HALF_REASON.format(n=contacts, limit=half_max)
    if contacts > pandas_max:
        r["skipped"]["5 pandas FCR:"] = PANDAS_REASON.format(n=contacts, limit=pandas_max)
    key = "bench-key-0123456789abcdef"
    with tempfile.TemporaryDirectory(dir=data_dir) as tmp:
        work = Path(tmp)
        db = work / "warehouse.duckdb"
        print(f"{contacts:,} contacts: reference read ...", flush=True)
        ref = reference_read(files["full"], work)
        r["contacts"] = ref["rows"]
        (work / "reference.duckdb").unlink(missing_ok=True)
        ref = _record(r, "reference", ref, save, f"reference read_csv: {ref['seconds']:.2f} s, {ref['rows']:,} rows, "
                      f"peak RSS {ref['peak_rss_mib']:,.0f} MiB")
        print(f"{contacts:,} contacts: full load ...", flush=True)
        full = timed_load(files["full"], db, key)
        full["ratio_to_reference"] = full["seconds"] / ref["seconds"]
        _record(r, "full_load", full, save, f"full load: {full['seconds']:.2f} s, peak RSS {full['peak_rss_mib']:,.0f} "
                f"MiB, {full['ratio_to_reference']:.2f}x the reference read")
        con = connect_read_only(db)
        num, den = con.execute("select count_if(fcr_resolved), count_if(fcr_eligible) from contact_facts").fetchone()
        con.close()
        r["sql_fcr_first_delivery"] = {"num": num, "den": den}
        print(f"{contacts:,} contacts: incremental day ...", flush=True)
        inc = measured_load(files["next"], db, key)
        inc["ratio_to_full"] = inc["seconds"] / full["seconds"]
        r["warehouse"] = warehouse_size(db)
        r["warehouse_mib"] = r["warehouse"]["serving_mib"] + r["warehouse"]["store_mib"]
        _record(r, "incremental", inc, save, f"incremental day: {inc['seconds']:.2f} s ({inc['ratio_to_full']:.1%} "
                f"of the full load), {inc['contacts']:,} contacts, wrote {inc['bytes_written'] / 2**20:,.2f} MiB "
                f"(warehouse {r['warehouse_mib']:,.0f} MiB)")
        print(f"{contacts:,} contacts: queries ...", flush=True)
        queries = query_timings(db, Settings(db_path=db, pseudonym_key=key), warm_runs)
        r["queries"] = queries
        r["query_worst_warm_p95_ms"] = max(q["warm_p95_ms"] for q in queries)
        worst = _record(r, "query_worst", {"warm_p95_ms": r["query_worst_warm_p95_ms"],
                                           "cold_ms": max(q["cold_ms"] for q in queries)}, save,
                        f"{len(queries)} KPI queries: worst warm p95 {r['query_worst_warm_p95_ms']:.1f} ms")
        r["query_worst_cold_ms"] = worst["cold_ms"]
        if half:
            print(f"{contacts:,} contacts: incremental day on half the history ...", flush=True)
            half_db = work / "half" / "warehouse.duckdb"
            half_load = timed_load(files["half"], half_db, key)
            h = {**measured_load(files["next"], half_db, key), "warehouse_contacts": half_load["contacts"],
                 **warehouse_size(half_db)}
            _record(r, "incremental_half_history", h, save, f"incremental day on {h['warehouse_contacts']:,} "
                    f"contacts: {h['seconds']:.2f} s, wrote {h['bytes_written'] / 2**20:,.2f} MiB")
    if contacts <= pandas_max:
        print(f"{contacts:,} contacts: pandas FCR ...", flush=True)
        p = pandas_fcr(files["full"])
        _record(r, "pandas_fcr", p, save, f"pandas FCR: {p['seconds']:.2f} s, peak RSS {p['peak_rss_mib']:,.0f} MiB")
    return r


def run(sizes: list[int], days: int, data_dir: Path, out_json: Path, pandas_max: int = 10_000_000,
        half_max: int = 10_000_000, warm_runs: int = 15) -> dict:
    """Measure each size in turn; print each size's table, then the scaling summary of the sizes so far. The JSON
    (`out_json`) is rewritten after every phase, so a run cut off still leaves the figures it has."""
    doc = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                       "duckdb": duckdb.__version__, "memory_gib": _memory_gib()},
           "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "days": days,
           "pandas_max": pandas_max, "half_history_max": half_max, "warm_runs": warm_runs, "sizes": [],
           "summary": {}}
    out_json.parent.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)

    def save() -> None:
        doc["summary"] = scaling_summary([r for r in doc["sizes"] if "reference" in r])
        partial = out_json.with_name(out_json.name + ".partial")
        partial.write_text(json.dumps(doc, indent=2, default=str))
        partial.replace(out_json)

    for contacts in sizes:
        r = {"requested": contacts, "days": days}
        doc["sizes"].append(r)
        run_size(r, data_dir, save, pandas_max, half_max, warm_runs)
        doc["finished"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        save()
        print("\n" + format_results(r, doc["machine"]) + "\n", flush=True)
        print(format_scaling(doc["summary"]) + "\n", flush=True)  # after each size: a cut-off run keeps it
    print(f"written to {out_json}")
    return doc


def _memory_gib() -> float:
    with open("/proc/meminfo") as handle:
        kib = int(next(line.split()[1] for line in handle if line.startswith("MemTotal")))
    return round(kib / 2**20, 1)
