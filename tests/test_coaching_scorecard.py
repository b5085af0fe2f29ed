"""The coaching scorecard on a tiny hand-made delivery: rest-of-team arithmetic, n, values, log handle times,
the FCR period, statuses and flags, worked out by hand; and `carekpi coaching` printing the same rows."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from etl import cli
from etl.coaching import stats
from etl.coaching.scorecard import coaching_scorecard
from etl.kpis import Filters, kpi_table
from etl.load import load
from etl.settings import Settings
from etl.warehouse import connect_read_only
from tests.conftest import CALL_HEADER, NOW, TEST_KEY, write_delivery

AGENTS = [["agent_id", "agent_name", "team", "site", "partner", "licensed", "hire_date"],
          ["A", "Ann", "T", "S", "P", "false", "2020-01-01"],
          ["B", "Bea", "T", "S", "P", "false", "2020-01-01"],
          ["C", "Cal", "T", "S", "P", "false", "2020-01-01"]]
QUEUES = [["queue", "partner", "team", "site", "sl_threshold_seconds"], ["q", "P", "T", "S", ""]]
# Four calls each on 5-8 January 2026 (patients all different, so every closed FCR window resolves). A transfers
# 2 of 4, B and C none. Handle times: A 600 s each; B and C 300 s each. One more call on 20 January sets the FCR
# horizon: the 7-day windows of 14 January and later are still open.
HANDLE = {"A": 600, "B": 300, "C": 300}


def calls() -> list[list[str]]:
    rows = [CALL_HEADER]
    for agent in "ABC":
        for i in range(4):
            start = dt.datetime(2026, 1, 5 + i, 9, 0)
            end = start + dt.timedelta(seconds=10 + HANDLE[agent])
            transferred = "yes" if agent == "A" and i < 2 else "no"
            rows.append([f"{agent}{i}", f"PAT-{agent}{i}", "q", "appt", agent, start.isoformat(),
                         (start + dt.timedelta(seconds=10)).isoformat(), end.isoformat(), "0", "0", transferred,
                         "no", ""])
    rows.append(["LAST", "PAT-Z", "q", "appt", "B", "2026-01-20T09:00:00", "2026-01-20T09:00:10",
                 "2026-01-20T09:05:10", "0", "0", "no", "no", ""])
    return rows


@pytest.fixture
def small_db(tmp_path):
    settings = Settings(db_path=tmp_path / "wh.duckdb", pseudonym_key=TEST_KEY, coaching_min_contacts=4)
    load([write_delivery(tmp_path / "d", {"agents.csv": AGENTS, "queues.csv": QUEUES, "calls.csv": calls()})],
         settings, now=NOW)
    return settings


def card_for(settings, date_from=dt.date(2026, 1, 5), date_to=dt.date(2026, 1, 8)):
    con = connect_read_only(settings.db_path)
    try:
        return coaching_scorecard(con, Filters(date_from=date_from, date_to=date_to), settings)
    finally:
        con.close()


def test_rest_of_team_and_the_newcombe_interval(small_db):
    card = card_for(small_db).set_index(["agent", "kpi"])
    a = card.loc[("A", "transfer_rate")]
    assert (a.value, a.n, a.team_value, a.team_n) == (0.5, 4, 0.0, 8)  # 2/4 against (0 + 0)/(4 + 4)
    difference, low, high = stats.newcombe_interval(2, 4, 0, 8)
    assert (a.difference, a.difference_low, a.difference_high) == (0.5, pytest.approx(float(low)),
                                                                  pytest.approx(float(high)))
    assert a.difference_unit == "points" and a.period_from == "2026-01-05" and a.period_to == "2026-01-08"
    b = card.loc[("B", "transfer_rate")]
    assert (b.value, b.n, b.team_value, b.team_n) == (0.0, 4, 0.25, 8)  # rest of team: (2 + 0)/(4 + 4)


def test_handle_time_on_the_log_scale(small_db):
    card = card_for(small_db).set_index(["agent", "kpi"])
    a = card.loc[("A", "aht_seconds")]
    assert (a.value, a.n, a.team_value, a.team_n) == (600.0, 4, 300.0, 8)
    # every time identical within each side: the typical time is exactly twice as long, no spread
    assert (a.difference, a.difference_low, a.difference_high) == (pytest.approx(1.0),) * 3
    assert a.difference_unit == "relative" and a.status == "flagged" and a.p_value == 0.0


def test_flags_follow_the_page_rule(small_db):
    card = card_for(small_db)
    flagged = card[card["flagged"]]
    # A: handle time clearly longer (p = 0). Transfers 2/4 vs 0/8: mid-p = P(X = 2)/2 with X hypergeometric
    # (12 calls, 2 transfers, 4 drawn) = (C(4,2) C(8,0) / C(12,2)) / 2 = (6/66)/2. Tests are made where both
    # sides have n >= 4: FCR (every closed window resolved), transfers and handle time of A, B and C.
    transfers = card.set_index(["agent", "kpi"]).loc[("A", "transfer_rate")]
    assert transfers.p_value == pytest.approx(6 / 66 / 2)
    tested = card[card["status"].isin(["flagged", "no clear gap"])]
    assert sorted(tested["kpi"].unique()) == ["aht_seconds", "fcr_rate", "transfer_rate"]
    assert set(zip(flagged["agent"], flagged["kpi"])) == {("A", "aht_seconds")}
    # the transfers interval lies above 0, but p = 0.045 does not survive BH over the page's 9 tests
    # (it would need p <= 2 x 0.05 / 9 as the second smallest): not flagged
    assert len(tested) == 9 and transfers.difference_low > 0
    assert transfers.adjusted_p > 0.05 and transfers.status == "no clear gap" and not transfers.flagged
    qa = card[card["kpi"] == "qa_compliant_rate"]
    assert set(qa["status"]) == {"not enough contacts yet"} and (qa["n"] == 0).all()


def test_fcr_is_read_over_the_latest_period_whose_windows_closed(small_db):
    con = connect_read_only(small_db.db_path)
    try:
        week = kpi_table(con, Filters(date_from=dt.date(2026, 1, 14), date_to=dt.date(2026, 1, 20)), (), small_db)
    finally:
        con.close()
    assert week.iloc[0]["fcr_pending"] == 1  # the 20 January call's window is open
    card = card_for(small_db, dt.date(2026, 1, 14), dt.date(2026, 1, 20))
    fcr = card[card["kpi"] == "fcr_rate"]
    # horizon 20 January 09:00 less 7 days = 13 January 09:00: the last whole day closed is 12 January, so FCR
    # reads the 7 days ending then (etl/defaults.py)
    assert set(fcr["period_from"]) == {"2026-01-06"} and set(fcr["period_to"]) == {"2026-01-12"}
    # each agent has calls on 6, 7 and 8 January in it: 3 closed windows, under the minimum of 4
    assert (fcr["n"] == 3).all() and set(fcr["status"]) == {"not enough contacts yet"}
    assert set(card.loc[card["kpi"] != "fcr_rate", "period_to"]) == {"2026-01-20"}


def test_cli_prints_the_same_rows(small_db, capsys, monkeypatch):
    monkeypatch.setenv("CAREKPI_PSEUDONYM_KEY", TEST_KEY)
    monkeypatch.setenv("CAREKPI_COACHING_MIN_CONTACTS", "4")
    code = cli.main(["coaching", "--db", str(small_db.db_path), "--from", "2026-01-05", "--to", "2026-01-08",
                     "--format", "json"])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    expected = card_for(small_db)
    assert len(rows) == len(expected)
    a = next(r for r in rows if r["agent"] == "A" and r["measure"] == "Handle time")
    assert {k: a[k] for k in ("team", "value", "n", "team_value", "team_n", "flagged")} == {
        "team": "T", "value": 600.0, "n": 4, "team_value": 300.0, "team_n": 8, "flagged": True}
    assert a["difference_low"] == pytest.approx(1.0) and a["difference_high"] == pytest.approx(1.0)
    qa = next(r for r in rows if r["agent"] == "A" and r["measure"] == "QA compliance")
    assert qa["value"] is None and qa["difference_low"] is None and qa["flagged"] is False
    code = cli.main(["coaching", "--db", str(small_db.db_path), "--from", "2026-01-05", "--to", "2026-01-08",
                     "--team", "T", "--flagged-only"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0 and len(out) == 2 and out[1].split()[:4] == ["A", "T", "Handle", "time"]
    assert "typical time +100.0 % to +100.0 %" in out[1] and out[1].endswith("flagged")


def test_cli_refuses_an_unknown_user_in_one_line(small_db, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("CAREKPI_USERS_FILE", str(tmp_path / "users.toml"))
    code = cli.main(["coaching", "--db", str(small_db.db_path), "--from", "2026-01-05", "--to", "2026-01-08",
                     "--user", "nobody"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("carekpi coaching: error:") and len(err.strip().splitlines()) == 1


def test_cli_csv_neutralises_formula_cells():
    from etl.coaching.cli import _csv_cell

    assert _csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _csv_cell("Billing") == "Billing"
    assert _csv_cell(3.5) == 3.5 and np.isnan(_csv_cell(float("nan")))


def test_cli_applies_the_users_scope(small_db, capsys, monkeypatch, tmp_path):
    from etl.access import User, add_user

    users = tmp_path / "users.toml"
    add_user(users, User(username="elsewhere", role="trainer", teams=["Other"]), "elsewhere-pass-123")
    add_user(users, User(username="ours", role="trainer", teams=["T"]), "ours-pass-12345")
    monkeypatch.setenv("CAREKPI_USERS_FILE", str(users))
    monkeypatch.setenv("CAREKPI_PSEUDONYM_KEY", TEST_KEY)
    base = ["coaching", "--db", str(small_db.db_path), "--from", "2026-01-05", "--to", "2026-01-08",
            "--format", "json", "--user"]
    assert cli.main(base + ["elsewhere"]) == 0 and json.loads(capsys.readouterr().out) == []
    assert cli.main(base + ["ours"]) == 0
    assert {r["agent"] for r in json.loads(capsys.readouterr().out)} == {"A", "B", "C"}


def test_log_handle_times_cover_exactly_the_handle_time_kpis_contacts(sample_db):
    from etl.coaching.scorecard import handle_logs

    con = connect_read_only(sample_db.db_path)
    try:
        period = Filters(date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 11, 22))
        kpis = kpi_table(con, period, ("team", "agent"), sample_db).set_index(["team", "agent"])
        logs = handle_logs(con, period, sample_db, None, None).set_index(["team", "agent"])
    finally:
        con.close()
    assert len(logs) > 50
    assert (logs["n"] == kpis.loc[logs.index, "aht_seconds_den"]).all()
