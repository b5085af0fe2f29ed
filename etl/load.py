"""The load: every contract file of the given folders into the warehouse, nothing lost, all or nothing.

For each file: check the header (a bad one stops the whole load before anything is written), read it as text with
DuckDB, type and check every row in bulk (etl/sql/staging), quarantine the rows that break a rule with the reason
and the raw text, merge the rest (a re-delivered id replaces the stored row). Then rebuild contact_facts and the
marts. It all happens in a working copy that is swapped in at the end (see warehouse.py).
Invariant, per file: rows_read = loaded + replaced + quarantined.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from etl import quarantine, sqlfiles, store
from etl.coaching.measures import topics
from etl.contract import FILE_SPECS, FileSpec
from etl.csv_reader import LoadError, read_header, read_raw, reader_names
from etl.mapping import Mapping, check, read_mapped
from etl.memory_budget import day_batches, memory_limit, rows_per_part
from etl.privacy import IDENTIFIER_PATTERN
from etl.pseudonym import key_bytes, pads
from etl.settings import Settings
from etl.staging import stage
from etl.sandbox import lock_down, readable
from etl.warehouse import snapshot_dir, writable_snapshot

FACTS_LAYOUT = 5  # 2: contract v2 (conversations, direction, ...); 3: exact DECIMAL waits and handle times;
# 4: the marts summed over the agents (kpi_grain_teams, qa_item_grain_teams); 5: the hourly marts in the table store
# Measured at 50 M contacts and the 1,500 MB default: the hourly marts over all 50 million facts at once ran out of
# memory in the load; 31 days at a time (4.2 million facts) passed, spilling 699 MiB. Planned with 400 bytes a fact
# (3.2 million facts a batch at that limit).
BYTES_PER_FACT = 400
MERGE_FILE = {
    "agents": "merge/merge_agents.sql",
    "queues": "merge/merge_queues.sql",
    "calls": "merge/merge_contacts.sql",
    "chats": "merge/merge_contacts.sql",
    "surveys": "merge/merge_surveys.sql",
    "qa_evaluations": "merge/merge_qa_evaluations.sql",
    "coaching_sessions": "merge/merge_coaching_sessions.sql",
}


@dataclass
class FileReport:
    file: str
    kind: str
    rows_read: int = 0
    loaded: int = 0
    replaced: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what a mapped source lacked (no records; fields read as empty)


@dataclass
class LoadReport:
    load_id: int
    db_path: str
    started_at: str
    files: list[FileReport]
    unmapped_queues: list[str]
    unknown_agents: list[str]
    unmatched_surveys: int
    unmatched_qa_evaluations: int
    uncatalogued_qa_items: list[str]
    horizon: str | None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase, for the benchmark

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def discover(folders: list[Path]) -> list[tuple[FileSpec, Path]]:
    """The contract files in each folder, in load order within each folder."""
    found = []
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            raise LoadError(f"{folder}: no such folder")
        in_folder = [(spec, folder / spec.file_name) for spec in FILE_SPECS if (folder / spec.file_name).is_file()]
        if not in_folder:
            names = ", ".join(spec.file_name for spec in FILE_SPECS)
            raise LoadError(f"{folder}: no contract file found (expected any of {names})")
        found.extend(in_folder)
    return found


def load(folders: list[Path], settings: Settings, now: dt.datetime | None = None,
         mapping: Mapping | None = None) -> LoadReport:
    """Load the folders (or, with a mapping, the source files) into settings.db_path; raise LoadError (and change
    nothing) on unusable input."""
    if mapping is None:
        files = discover(folders)
        names = {path: reader_names(spec, read_header(path), path) for spec, path in files}
    else:
        files = [(mapping.spec, Path(source)) for source in folders]
        check(mapping, [path for _, path in files])
        names = {path: None for _, path in files}
    started = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)
    params = load_parameters(settings, mapping, started)
    timings: dict[str, float] = {}
    clock = _PhaseClock(timings)
    with _timed(timings, "snapshot copy and swap"), writable_snapshot(settings.db_path, settings.load_memory_limit,
                                                                      clock.enter) as con:
        lock_down(con, readable([path for _, path in files], mapping),
                  [snapshot_dir(settings.db_path), store.store_dir(settings.db_path)])
        sqlfiles.run(con, "macros.sql")
        sqlfiles.run(con, "merge/touched.sql")
        load_id = con.execute("select coalesce(max(load_id), 0) + 1 from loads").fetchone()[0]
        params["load_id"] = load_id
        before = _build_state(con)
        root = store.store_dir(settings.db_path)
        reports = []
        for spec, path in files:  # a file's staging and merge read the stored tables before changing them
            reports.append(_load_file(con, spec, path, names[path], params, timings, mapping))
            store.narrow(con, root)  # so the next reads skip the partitions still unchanged
        with _timed(timings, "contact facts and marts"):
            full = _needs_full_rebuild(con, settings, before)
            band_days = rebuild_marts(con, settings, full=full, old_horizon=before["horizon"],
                                      new_horizon=before["horizon_after"])
        timings["full rebuild"] = float(band_days is None)
        if band_days is not None:
            timings["fact band days"] = float(band_days)  # the days of contacts the incremental facts read
        with _timed(timings, "report"):
            report = _report(con, load_id, settings, started, reports)
        report.timings = timings
        con.execute(
            "insert into loads values ($load_id, $started, now()::timestamp, $sources, $report)",
            {"load_id": load_id, "started": started, "sources": json.dumps([str(f) for f in folders]),
             "report": report.to_json()},
        )
        clock.enter("store write")  # leaving the block writes the touched partitions, checkpoints and swaps it in
    clock.enter(None)
    return report  # its timings now hold the store write and the checkpoint too (the copy in `loads` cannot)


def load_parameters(settings: Settings, mapping: Mapping | None, started: dt.datetime) -> dict:
    """The parameters the staging SQL checks and types rows with (also used by `carekpi mapping preview`)."""
    key_pads = pads(key_bytes(settings))
    zone = (mapping.timezone if mapping and mapping.timezone else None) or settings.source_timezone
    is_utc, has_dst = zone_traits(zone)
    return {
        "source_tz": zone,
        "source_is_utc": is_utc,
        "source_has_dst": has_dst,
        "load_started": started,
        "future_hours": settings.future_tolerance_hours,
        "ipad": key_pads.inner,
        "opad": key_pads.outer,
        "identifier_pattern": IDENTIFIER_PATTERN,
        "coaching_topics": topics(settings),
        "refuse_share": settings.load_refuse_junk_share,
    }


def _no_hook(phase: str) -> None:
    return None


# Called as the load enters each named phase (the phases of LoadReport.timings, then "checkpoint and swap"). The
# crash proof replaces it to stop a load at a chosen phase and kill it there (tests/test_prove_crashes.py).
on_phase: Callable[[str], None] = _no_hook


class _PhaseClock:
    """Times the phases the snapshot block reports as it ends ("store write", then "checkpoint and swap", and
    "compact" when it rewrites a mostly free file): each lasts until the next is entered (None: the end)."""

    def __init__(self, timings: dict[str, float]):
        self.timings = timings
        self.phase: str | None = None
        self.started = 0.0

    def enter(self, phase: str | None) -> None:
        now = time.perf_counter()
        if self.phase is not None:
            self.timings[self.phase] = self.timings.get(self.phase, 0.0) + now - self.started
        if phase is not None:
            on_phase(phase)
        self.phase, self.started = phase, time.perf_counter()


@contextmanager
def _timed(timings: dict[str, float], phase: str):
    on_phase(phase)
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[phase] = timings.get(phase, 0.0) + time.perf_counter() - started


def zone_traits(zone: str) -> tuple[bool, bool]:
    """Whether a time zone is UTC all year, and whether its offset ever changes (so local times can fall in a
    daylight-saving gap or overlap). Checked over the first of every month, 2000-2040."""
    tz = ZoneInfo(zone)
    offsets = {tz.utcoffset(dt.datetime(year, month, 1)) for year in range(2000, 2041) for month in range(1, 13)}
    return offsets == {dt.timedelta(0)}, len(offsets) > 1


def _load_file(con: duckdb.DuckDBPyConnection, spec: FileSpec, path: Path, names: list[str] | None,
               params: dict, timings: dict[str, float], mapping: Mapping | None = None) -> FileReport:
    with _timed(timings, "read csv"):
        quarantine.refuse_early(path, names, params["refuse_share"])
        if mapping is None:
            rejected, notes = read_raw(con, spec, path, names), []
        else:
            rejected, notes = read_mapped(con, mapping, path)
    with _timed(timings, "staging (validate, type, pseudonymise)"):
        stage(con, spec, params, mapped=mapping is not None)
        quarantine.flag_identifiers(con)
    with _timed(timings, "quarantine"):
        quarantine.refuse_mostly_junk(con, path, len(rejected), params["refuse_share"])
        quarantine.store(con, params["load_id"], str(path), spec.table, quarantine.extra_names(path, names),
                         rejected)
    report = FileReport(file=str(path), kind=spec.table, notes=notes)
    report.rows_read = con.execute("select count(*) from raw_input").fetchone()[0] + len(rejected)
    con.execute("drop table raw_input")  # free its memory before the merge
    with _timed(timings, "merge"):
        valid = con.execute("select count(*) from staged where error is null").fetchone()[0]
        replaced = sqlfiles.run(con, MERGE_FILE[spec.table], params)[-1]
        con.execute("drop table staged")
    report.replaced = int(replaced or 0)
    report.loaded = valid - report.replaced
    reasons = con.execute(
        "select reason, count(*) from quarantine where load_id = $load_id and file = $file "
        "group by reason order by count(*) desc, reason",
        {"load_id": params["load_id"], "file": str(path)},
    ).fetchall()
    report.reasons = {reason: count for reason, count in reasons}
    report.quarantined = sum(report.reasons.values())
    con.execute(
        "insert into load_files values ($load_id, $file, $kind, $read, $loaded, $replaced, $quarantined)",
        {"load_id": params["load_id"], "file": str(path), "kind": spec.table, "read": report.rows_read,
         "loaded": report.loaded, "replaced": report.replaced, "quarantined": report.quarantined},
    )
    return report


def build_parameters(settings: Settings) -> dict:
    """The settings contact_facts and the marts are built with."""
    return {
        "short_abandon_seconds": settings.short_abandon_seconds,
        "fcr_same_reason": settings.fcr_same_reason,
        "fcr_window_hours": settings.fcr_window_hours,
        "sl_voice_seconds": settings.sl_threshold_voice_seconds,
        "sl_other_seconds": settings.sl_threshold_other_seconds,
        "reporting_timezone": settings.reporting_timezone,
        "critical_items": settings.critical_items,
    }


def facts_settings(settings: Settings) -> str:
    """The build parameters as stored text; when they change, a load rebuilds everything."""
    # the facts' layout version: a warehouse built by an older layout is rebuilt in full
    return json.dumps({**build_parameters(settings), "facts_layout": FACTS_LAYOUT}, sort_keys=True)


def _build_state(con: duckdb.DuckDBPyConnection, before: dict | None = None) -> dict:
    return {
        "built": all(store.built(con, table) for table in ("contact_facts", *store.MARTS)),
        "horizon": horizon(con, before["horizon"] if before else None),
        "roster": tuple(sqlfiles.query(con, "queries/roster_fingerprint.sql").iloc[0]),
        "settings": (con.execute("select any_value(settings_json) from build_settings").fetchone() or [None])[0],
    }


def _needs_full_rebuild(con: duckdb.DuckDBPyConnection, settings: Settings, before: dict) -> bool:
    """Incremental unless nothing was built yet, the settings or the roster changed, or the horizon went back."""
    after = _build_state(con, before)
    before["horizon_after"] = after["horizon"]
    return (not before["built"] or before["settings"] != facts_settings(settings)
            or before["roster"] != after["roster"] or before["horizon"] is None
            or (after["horizon"] is not None and after["horizon"] < before["horizon"]))


def horizon(con: duckdb.DuckDBPyConnection, before: dt.datetime | None = None) -> dt.datetime | None:
    """The latest offered_at loaded. Read from what the last load kept (horizon_built) and this load's added
    contacts when no stored contact was dropped (`before`: the horizon at this load's start); else from every
    contact."""
    if store.built(con, "contacts") and con.execute("select count(*) from contacts_dropped").fetchone()[0] == 0:
        kept = con.execute("select count(*), max(horizon_at) from horizon_built").fetchone()
        if kept[0] == 1 and (before is None or before == kept[1]):
            return con.execute("select greatest($kept::timestamp, (select max(offered_at) from contacts_added))",
                               {"kept": kept[1]}).fetchone()[0]
    return con.execute("select max(offered_at) from contacts").fetchone()[0]


def rebuild_marts(con: duckdb.DuckDBPyConnection, settings: Settings, full: bool = True,
                  old_horizon: dt.datetime | None = None, new_horizon: dt.datetime | None = None) -> int | None:
    """Recompute contact_facts and the marts: all of them, or only what this load's data can change (all of them
    too when the licensed queues changed). Returns, when incremental, how many days of stored contacts it read
    (fact_band.sql); None after a full rebuild."""
    root = store.store_dir(settings.db_path)
    kept = con.execute("select any_value(queues) from licensed_queues_kept").fetchone()[0]
    sqlfiles.run(con, "contacts/licensed_queues.sql", {"from_kept": not full and kept is not None})
    full = full or kept is None or list(kept) != _licensed_queues(con)
    params = {"full_rebuild": full, "old_horizon": old_horizon, **build_parameters(settings)}
    sqlfiles.run(con, "contacts/build_params.sql", params)
    sqlfiles.run(con, "contacts/build_horizon.sql",
                 {"horizon_at": new_horizon if new_horizon is not None else horizon(con)})
    if full:
        con.execute("create or replace temp view fact_source as select * from contacts")
    else:
        _fact_band(con, settings, old_horizon)
    sqlfiles.run(con, "contacts/fact_scope.sql", params)
    while any(sqlfiles.run(con, "contacts/scope_closure.sql")):  # until the scope is closed
        pass
    sqlfiles.run(con, "contacts/scope_contacts.sql")
    if not full:
        sqlfiles.run(con, "contacts/write_scope.sql")
        sqlfiles.run(con, "contacts/day_scope.sql")
    sqlfiles.run(con, "contacts/contact_facts.sql")
    if full:
        store.write_replaced(con, root, "contact_facts", "facts_view")
    sqlfiles.run(con, "contacts/replace_facts.sql" if full else "contacts/merge_facts.sql")
    store.narrow(con, root)  # and again now that the facts' changes are known
    sqlfiles.run(con, "marts/kpi_grain.sql")
    sqlfiles.run(con, "marts/qa_item_grain.sql")
    if full:
        for first, last in _hourly_batches(con):
            sqlfiles.run(con, "marts/replace_hourly.sql", {"first_day": first, "last_day": last})
    sqlfiles.run(con, "marts/replace_marts.sql" if full else "marts/merge_marts.sql")
    if full:
        for mart in store.MARTS:  # the hourly marts, filled above, replace the stored ones whole
            store.replace(con, mart)
        sqlfiles.run(con, "contacts/conversation_spread.sql")
    else:
        con.execute("delete from conversation_spread")
        con.execute("insert into conversation_spread select spread_us from fact_band")
    con.execute("delete from build_settings")
    con.execute("insert into build_settings values ($s)", {"s": facts_settings(settings)})
    con.execute("delete from horizon_built")
    con.execute("insert into horizon_built select horizon_at from build_horizon")
    con.execute("delete from licensed_queues_kept")
    con.execute("insert into licensed_queues_kept select $queues, coalesce(list({'queue': queue, 'answered': "
                "answered, 'licensed_answered': licensed_answered} order by queue), []) from build_queue_answers",
                {"queues": _licensed_queues(con)})
    return None if full else con.execute("select count(*) from fact_band_days").fetchone()[0]


def _hourly_batches(con: duckdb.DuckDBPyConnection) -> list[tuple[dt.date, dt.date]]:
    """The full rebuild's batches of days for the hourly marts, each within the memory limit."""
    frame = sqlfiles.query(con, "marts/facts_by_day.sql")
    by_day = [(day.date(), int(facts)) for day, facts in frame.itertuples(index=False)]
    return day_batches(by_day, rows_per_part(memory_limit(con), BYTES_PER_FACT))


def _licensed_queues(con: duckdb.DuckDBPyConnection) -> list[str]:
    """This build's licensed queues (licensed_queues.sql), sorted."""
    return list(con.execute("select coalesce(list(queue order by queue), []) from build_licensed_queues").fetchone()[0])


def _fact_band(con: duckdb.DuckDBPyConnection, settings: Settings, old_horizon: dt.datetime | None) -> None:
    """Incremental: fact_source and contact_facts_band, the contacts and facts of only the days this load can change
    plus what computing them needs (etl/sql/contacts/fact_band.sql)."""
    if con.execute("select count(*) from conversation_spread").fetchone()[0] == 0:  # built before it was kept
        sqlfiles.run(con, "contacts/conversation_spread.sql")
    spread = con.execute("select max(max_spread_us) from conversation_spread").fetchone()[0]
    sqlfiles.run(con, "contacts/fact_band.sql", {"old_horizon": old_horizon, "stored_spread": spread})
    root = store.store_dir(settings.db_path)
    for table in ("contacts", "contact_facts"):
        store.band(con, root, table)
    con.execute("create or replace temp view fact_source as select * from contacts_band")


def _report(con: duckdb.DuckDBPyConnection, load_id: int, settings: Settings, started: dt.datetime,
            files: list[FileReport]) -> LoadReport:
    dq = sqlfiles.query(con, "queries/data_quality.sql", {"items": settings.item_names}).iloc[0]
    horizon = con.execute("select horizon_at from build_horizon").fetchone()[0]  # rebuild_marts' (build_horizon.sql)
    return LoadReport(
        load_id=load_id,
        db_path=str(settings.db_path),
        started_at=started.isoformat(timespec="seconds") + "Z",
        files=files,
        unmapped_queues=list(dq.unmapped_queues),
        unknown_agents=list(dq.unknown_agents),
        unmatched_surveys=int(dq.unmatched_surveys),
        unmatched_qa_evaluations=int(dq.unmatched_qa_evaluations),
        uncatalogued_qa_items=list(dq.uncatalogued_qa_items),
        horizon=horizon.isoformat(timespec="seconds") + "Z" if horizon else None,
    )
