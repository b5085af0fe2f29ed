"""Proof on real call-centre data: the Technion "Anonymous Bank" logs (../shared/data/) loaded through a mapping
written in SQL (tests/mappings/anonymous_bank.toml), checked against an independent count of the same calls and
against the figures published about this call centre (Brown et al. 2005)."""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import duckdb
import pytest

from etl.kpis import Filters, kpi_table
from etl.load import load
from etl.mapping import load_mapping
from etl.settings import Settings
from etl.warehouse import connect_read_only

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
BANK = DATA / "anonymous_bank_1999"
BINS = DATA / "rfssa_callcenter_6min" / "callcenter_6min_1999.csv"
MAPPING = ROOT / "tests" / "mappings" / "anonymous_bank.toml"
pytestmark = pytest.mark.skipif(not BANK.is_dir(), reason=f"real data not found at {BANK} (../shared/data)")
JANUARY = Filters(date_from=dt.date(1999, 1, 1), date_to=dt.date(1999, 1, 31))


def records(path: Path) -> int:
    with open(path, newline="", encoding="utf-8") as handle:
        return sum(1 for row in csv.reader(handle, delimiter="\t") if row) - 1


@pytest.fixture(scope="module")
def january(tmp_path_factory):
    settings = Settings(db_path=tmp_path_factory.mktemp("bank") / "w.duckdb", pseudonym_key="bank-key-0123456789")
    report = load([BANK / "january.txt"], settings, mapping=load_mapping(MAPPING))
    return settings, report


def test_every_january_record_is_accounted_for(january):
    _, report = january
    (f,) = report.files
    assert f.rows_read == records(BANK / "january.txt") == 31_599
    assert f.loaded + f.replaced + f.quarantined == f.rows_read
    assert (f.loaded, f.quarantined) == (31_599, 0)


def test_arrivals_in_six_minute_bins_equal_the_independent_counts(january):
    settings, _ = january
    con = connect_read_only(settings.db_path)
    loaded = dict(((d, int(b)), n) for d, b, n in con.execute(
        "select offered_at::date, ceil(epoch(offered_at::time) / 360), count(*) from contacts group by 1, 2"
    ).fetchall())
    days = {d for d, _ in loaded}
    con.close()
    reference = duckdb.execute("select date::date, u, calls from read_csv(?, header = true)", [str(BINS)]).fetchall()
    compared = mismatched = 0
    for day, u, calls in reference:
        if day not in days:
            continue  # Rfssa fills in days the raw files lack (11-12 January)
        compared += 1
        # right-closed bins: bin u covers ((u-1)*6 min, u*6 min]; a call at exactly 00:00:00 closes the previous day
        if loaded.get((day, u), 0) != int(calls):
            mismatched += 1
    midnight = sum(n for (d, b), n in loaded.items() if b == 0)
    assert compared == 29 * 240 and days == {dt.date(1999, 1, d) for d in range(1, 32)} - {dt.date(1999, 1, 11),
                                                                                          dt.date(1999, 1, 12)}
    assert (mismatched, midnight) == (0, 0)


def test_the_published_figures_are_reproduced(january):
    settings, _ = january
    con = connect_read_only(settings.db_path)
    queues = [q for (q,) in con.execute(
        "select distinct queue from contacts where queue not in ('VRU', 'PHANTOM')").fetchall()]
    queued = con.execute("select count(*), count_if(handled_at is null) from contacts "
                         "where reason = 'queued' and queue <> 'PHANTOM'").fetchone()
    service = kpi_table(con, JANUARY.model_copy(update={"queues": queues}), (), settings).iloc[0]
    con.close()
    # 30-40 thousand calls a month reach the queue
    assert 30_000 <= service["contacts_offered"] <= 40_000
    # about 20 % of those who queue abandon (tolerance: 3 percentage points)
    assert abs(queued[1] / queued[0] - 0.20) <= 0.03
    # service times average 185 s with SD 238 s (January to October; tolerance 5 % and 10 %)
    n, total, squares = service["aht_seconds_den"], service["aht_seconds_num"], service["aht_seconds_sumsq"]
    mean = total / n
    sd = math.sqrt(squares / n - mean * mean)
    assert abs(mean - 185) / 185 <= 0.05 and abs(sd - 238) / 238 <= 0.10


def test_october_malformed_rows_are_quarantined_by_rule(tmp_path):
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key="bank-key-0123456789")
    report = load([BANK / "october.txt"], settings, mapping=load_mapping(MAPPING))
    (f,) = report.files
    assert f.rows_read == records(BANK / "october.txt")
    assert f.loaded + f.quarantined == f.rows_read
    assert f.reasons == {"unreadable row (missing columns)": 2}
