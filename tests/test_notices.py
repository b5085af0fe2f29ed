"""Load and freshness notices: a failed load, a load quarantining too much, stale data."""

from __future__ import annotations

import datetime as dt
import os
import stat

from conftest import EXAMPLE, NOW, TEST_KEY, write_delivery

from etl.alerts.load_outcomes import outcomes, outcomes_file
from etl.alerts.notices import notices
from etl.cli import main
from etl.settings import Settings


def test_a_failed_load_raises_a_notice_until_a_load_succeeds(tmp_path, monkeypatch):
    monkeypatch.setenv("CAREKPI_PSEUDONYM_KEY", TEST_KEY)
    db = tmp_path / "wh" / "carekpi.duckdb"
    settings = Settings(db_path=db, pseudonym_key=TEST_KEY)
    assert main(["load", str(tmp_path / "missing"), "--db", str(db)]) == 2
    found = notices(settings, now=NOW)
    assert [n.kind for n in found] == ["load_failed", "stale"]  # and nothing was ever loaded
    assert "changed nothing" in found[0].message and found[0].key.startswith("load_failed:")
    assert stat.S_IMODE(os.stat(outcomes_file(settings)).st_mode) == 0o600
    folder = write_delivery(tmp_path / "example", EXAMPLE)
    assert main(["load", str(folder), "--db", str(db)]) == 0
    assert [o["ok"] for o in outcomes(settings)] == [False, True]
    assert outcomes(settings)[-1]["load_id"] == 1
    kinds = [n.kind for n in notices(settings, now=dt.datetime(2026, 1, 21, tzinfo=dt.UTC))]
    assert kinds == []  # latest contact 20 Jan 12:00 is 12 hours old


def test_quarantine_above_the_threshold_and_stale_data(tmp_path):
    files = dict(EXAMPLE)
    bad = list(files["calls.csv"][1])
    bad[0], bad[5] = "C77", "not a time"
    files["calls.csv"] = files["calls.csv"] + [bad]  # 1 row of 25 quarantined: 4 % > 2 %
    settings = Settings(db_path=tmp_path / "wh" / "carekpi.duckdb", pseudonym_key=TEST_KEY)
    from etl.load import load

    load([write_delivery(tmp_path / "d", files)], settings, now=NOW)
    found = notices(settings, now=NOW)
    assert [(n.kind, n.key) for n in found] == [("quarantine", "quarantine:1"), ("stale", "stale:2026-01-20T12:00:00")]
    assert found[0].value == 1 / 25
    assert found[1].value == 12 * 24 - 12  # 1 Feb 00:00 − 20 Jan 12:00, in hours
    relaxed = Settings(db_path=settings.db_path, pseudonym_key=TEST_KEY,
                       alerts={"quarantine_share": 0.05, "freshness_hours": 300})
    assert notices(relaxed, now=NOW) == []
