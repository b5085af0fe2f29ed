"""Alert rules on hand-made kpi_table()-shaped series; the firing days are worked out by hand in each test."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from etl.alerts.cli import contacts_text
from etl.alerts.evaluate import evaluate
from etl.alerts.limits import daily_limits
from etl.alerts.rules import Rule, default_rules, load_rules
from etl.cli import main
from etl.kpis import Filters
from etl.settings import Settings

MONDAY = dt.date(2025, 12, 1)  # five weeks of history: 1 Dec 2025 – 4 Jan 2026; judged: 5–11 Jan 2026
JUDGED = dt.date(2026, 1, 5)


def source_of(table: pd.DataFrame):
    """A kpi_table() stand-in over a hand-made frame: the requested days, every column as given."""
    def source(filters: Filters, by: tuple[str, ...]) -> pd.DataFrame:
        days = pd.to_datetime(table["day"]).dt.date
        return table[(days >= filters.date_from) & (days <= filters.date_to)].reset_index(drop=True)
    return source


def rate_rows(kpi: str, rows: list[tuple]) -> pd.DataFrame:
    """(day, group, num, den) → a frame with the KPI, its numerator and denominator."""
    frame = pd.DataFrame(rows, columns=["day", "queue", f"{kpi}_num", f"{kpi}_den"])
    frame["day"] = pd.to_datetime(frame["day"]).dt.strftime("%Y-%m-%d")
    frame[kpi] = frame[f"{kpi}_num"] / frame[f"{kpi}_den"].where(frame[f"{kpi}_den"] > 0)
    return frame


def fired(alerts) -> list[tuple]:
    return [(a.day.isoformat(), a.group.get("queue"), a.direction) for a in alerts]


def test_target_rule_fires_red_only_beyond_the_amber_margin_and_never_on_small_n():
    # service-level target 80 %, amber margin 5 points: red below 75 %
    table = rate_rows("service_level", [
        ("2026-01-05", "q1", 90, 100),  # green
        ("2026-01-06", "q1", 74, 100),  # red → fires
        ("2026-01-07", "q1", 76, 100),  # amber
        ("2026-01-08", "q1", 5, 10),    # red but n = 10 < 30 → never fires
        ("2026-01-09", "q1", 75, 100),  # exactly the margin: amber
    ])
    settings = Settings()
    red = Rule(name="sl", kpi="service_level", condition="target", by="queue")
    alerts = evaluate([red], source_of(table), settings, dt.date(2026, 1, 5), dt.date(2026, 1, 9))
    assert fired(alerts) == [("2026-01-06", "q1", "below")]
    assert (alerts[0].value, alerts[0].n, alerts[0].limit, alerts[0].reference) == (0.74, 100, 0.75, 0.8)
    assert alerts[0].filters == Filters(date_from=dt.date(2026, 1, 6), date_to=dt.date(2026, 1, 6), queues=["q1"])
    amber = red.model_copy(update={"level": "amber"})
    alerts = evaluate([amber], source_of(table), settings, dt.date(2026, 1, 5), dt.date(2026, 1, 9))
    assert fired(alerts) == [("2026-01-06", "q1", "below"), ("2026-01-07", "q1", "below"),
                             ("2026-01-09", "q1", "below")]


def weekday_history() -> list[tuple]:
    """Mondays run at 80/100, every other day at 50/100, for five weeks."""
    rows = []
    for offset in range(35):
        day = MONDAY + dt.timedelta(days=offset)
        rows.append((day.isoformat(), "q1", 80 if day.weekday() == 0 else 50, 100))
    return rows


def test_p_chart_uses_the_same_weekday_and_the_days_own_n():
    """Limits on the arcsine scale (limits.py): a day with x of n is out when |asin√((x+3/8)/(n+3/4)) − A| >
    3·√(1/(4n+2) + 1/(4N+2)), A = asin√((X+3/8)/(N+3/4)) of the same weekday's history (X of N); the limit as a
    rate is (sin²(A ∓ half)·(n + 3/4) − 3/8) / n. Mondays' history: X/N = 400/500, the other days' 250/500."""
    judged = [
        ("2026-01-05", "q1", 65, 100),  # Mon: A = 1.1066, half = 3·√(1/402 + 1/2002) = .1640 → .6558–.9156: low
        ("2026-01-06", "q1", 50, 100),  # Tue: A = π/4 = .7854, half .1640 → .3378–.6622: in
        ("2026-01-07", "q1", 67, 100),  # Wed: .67 > .6622 fires high
        ("2026-01-08", "q1", 33, 100),  # Thu: .33 < .3378 fires low
        ("2026-01-09", "q1", 21, 30),   # Fri: n = 30, half = 3·√(1/122 + 1/2002) = .2798 → .2280–.7720: .70 in
        ("2026-01-10", "q1", 0, 10),    # Sat: n = 10 < 30: never
    ]
    table = rate_rows("service_level", weekday_history() + judged)
    rule = Rule(name="sl limits", kpi="service_level", condition="limits", by="queue")
    alerts = evaluate([rule], source_of(table), Settings(), JUDGED, dt.date(2026, 1, 11))
    assert fired(alerts) == [("2026-01-05", "q1", "below"), ("2026-01-07", "q1", "above"),
                             ("2026-01-08", "q1", "below")]
    monday = alerts[0]
    assert monday.chart == "p" and monday.reference == pytest.approx(0.80)
    assert monday.limit == pytest.approx(0.6558, abs=5e-5)
    assert alerts[1].limit == pytest.approx(0.6622, abs=5e-5) and alerts[2].limit == pytest.approx(0.3378, abs=5e-5)


def test_p_chart_needs_enough_history():
    table = rate_rows("service_level", weekday_history()[-21:] + [("2026-01-05", "q1", 10, 100)])  # 3 Mondays
    rule = Rule(name="sl limits", kpi="service_level", condition="limits", by="queue")
    assert evaluate([rule], source_of(table), Settings(), JUDGED, JUDGED) == []  # min_history is 4


def test_individuals_chart_for_a_mean():
    # Monday handle times, oldest first: 400, 420, 410, 430, 420 → centre 416; moving ranges 20, 10, 20, 10 → 15;
    # σ̂ = 15 / 1.128 = 13.298; limits 416 ± 39.894 = 376.106 – 455.894.
    rows = []
    for week, value in enumerate([400, 420, 410, 430, 420]):
        rows.append((MONDAY + dt.timedelta(days=7 * week), value))
    rows += [(JUDGED, 460.0), (JUDGED + dt.timedelta(days=7), 450.0)]
    table = pd.DataFrame({"day": [d.isoformat() for d, _ in rows], "queue": "q1",
                          "aht_seconds": [v for _, v in rows], "aht_seconds_num": [v * 50 for _, v in rows],
                          "aht_seconds_den": 50})
    rule = Rule(name="aht limits", kpi="aht_seconds", condition="limits", by="queue")
    alerts = evaluate([rule], source_of(table), Settings(), JUDGED, JUDGED + dt.timedelta(days=7))
    assert fired(alerts) == [("2026-01-05", "q1", "above")]
    assert alerts[0].chart == "individuals"
    assert alerts[0].reference == pytest.approx(416)
    assert alerts[0].limit == pytest.approx(416 + 3 * 15 / 1.128)


def test_change_rule_against_the_previous_day_in_the_bad_direction():
    sl = rate_rows("service_level", [("2026-01-05", "q1", 80, 100), ("2026-01-06", "q1", 60, 100),  # −25 %: fires
                                     ("2026-01-07", "q1", 70, 100),  # +16.7 %: better
                                     ("2026-01-08", "q1", 62, 100)])  # −11.4 %: within 20 %
    rule = Rule(name="sl drop", kpi="service_level", condition="change", threshold=0.2, by="queue")
    alerts = evaluate([rule], source_of(sl), Settings(), dt.date(2026, 1, 6), dt.date(2026, 1, 8))
    assert fired(alerts) == [("2026-01-06", "q1", "below")]
    assert alerts[0].reference == pytest.approx(0.8) and alerts[0].limit == pytest.approx(0.64)
    ab = rate_rows("abandon_rate", [("2026-01-05", "q1", 5, 100), ("2026-01-06", "q1", 7, 100),  # +40 %: worse
                                    ("2026-01-07", "q1", 3, 100)])  # −57 %: better
    worse = Rule(name="ab", kpi="abandon_rate", condition="change", threshold=0.2, by="queue")
    alerts = evaluate([worse], source_of(ab), Settings(), dt.date(2026, 1, 6), dt.date(2026, 1, 7))
    assert fired(alerts) == [("2026-01-06", "q1", "above")]
    both = worse.model_copy(update={"direction": "any"})
    alerts = evaluate([both], source_of(ab), Settings(), dt.date(2026, 1, 6), dt.date(2026, 1, 7))
    assert fired(alerts) == [("2026-01-06", "q1", "above"), ("2026-01-07", "q1", "below")]


def test_volume_rule_sees_a_queue_fall_silent():
    table = pd.DataFrame({"day": ["2026-01-05", "2026-01-05", "2026-01-06", "2026-01-07", "2026-01-07"],
                          "queue": ["q1", "q2", "q2", "q1", "q2"], "contacts_offered": [40, 50, 45, 3, 60]})
    rule = Rule(name="quiet", kpi="contacts_offered", condition="volume", min_volume=10, by="queue")
    alerts = evaluate([rule], source_of(table), Settings(), dt.date(2026, 1, 6), dt.date(2026, 1, 7))
    assert fired(alerts) == [("2026-01-06", "q1", "below"), ("2026-01-07", "q1", "below")]
    assert [a.value for a in alerts] == [0, 3] and alerts[0].n is None


def test_an_hourly_volume_rule_fires_only_for_an_hour_busy_a_week_before():
    """q1 on Monday 5 Jan: 6 contacts at 09:00, 4 at 14:00, 5 at 10:00, none at 03:00; on Monday 12 Jan: none at
    09:00, none at 14:00, 1 at 10:00, none at 03:00. With min_volume 1 only 09:00 fires: it had at least
    5 x min_volume a week before (chance empties an hour with a mean of 5 0.7 % of the time); 14:00 had 4, 10:00
    is not silent, 03:00 was quiet both weeks (the README's example fired 87 times on the sample's 22 Nov, mostly
    on quiet night hours; 0 now)."""
    rows = [("2026-01-05", 9, "q1", 6), ("2026-01-05", 14, "q1", 4), ("2026-01-05", 10, "q1", 5),
            ("2026-01-12", 10, "q1", 1)]
    table = pd.DataFrame(rows, columns=["day", "hour", "queue", "contacts_offered"])
    rule = Rule(name="silent", kpi="contacts_offered", condition="volume", grain="hour", by="queue", min_volume=1)
    alerts = evaluate([rule], source_of(table), Settings(), dt.date(2026, 1, 12), dt.date(2026, 1, 12))
    assert [(a.day.isoformat(), a.hour, a.value, a.limit) for a in alerts] == [("2026-01-12", 9, 0, 1)]


def test_hourly_change_against_the_same_hour_last_week():
    rows = [("2026-01-05", 9, 40), ("2026-01-05", 10, 40), ("2026-01-12", 9, 20), ("2026-01-12", 10, 36)]
    table = pd.DataFrame(rows, columns=["day", "hour", "contacts_handled"])
    rule = Rule(name="dip", kpi="contacts_handled", condition="change", threshold=0.25, direction="any",
                compare_to="last_week", grain="hour")
    alerts = evaluate([rule], source_of(table), Settings(), dt.date(2026, 1, 12), dt.date(2026, 1, 12))
    assert [(a.day.isoformat(), a.hour, a.value, a.reference) for a in alerts] == [("2026-01-12", 9, 20, 40)]
    assert alerts[0].to_dict()["drilldown"]["filters"]["hour"] == 9


def test_fcr_rules_judge_the_day_whose_window_has_closed():
    table = rate_rows("fcr_rate", [("2026-01-01", "q1", 40, 100), ("2026-01-08", "q1", 0, 0)])
    rule = Rule(name="fcr", kpi="fcr_rate", condition="target", by="queue")
    alerts = evaluate([rule], source_of(table), Settings(), dt.date(2026, 1, 8), dt.date(2026, 1, 8))
    assert fired(alerts) == [("2026-01-01", "q1", "below")]  # 8 Jan judged → 1 Jan, 7 days back (168 h)


def test_page_filters_and_rule_filters_both_apply():
    table = rate_rows("service_level", [("2026-01-06", "q1", 10, 100), ("2026-01-06", "q2", 10, 100)])
    rule = Rule(name="sl", kpi="service_level", condition="target", by="queue", filters={"queues": ["q1", "q2"]})
    seen = []

    def source(filters, by):
        seen.append(filters.queues)
        return source_of(table)(filters, by)
    page = Filters(date_from=dt.date(2026, 1, 6), date_to=dt.date(2026, 1, 6), queues=["q2", "q3"])
    evaluate([rule], source, Settings(), dt.date(2026, 1, 6), dt.date(2026, 1, 6), page)
    assert seen == [["q2"]]
    page = page.model_copy(update={"queues": ["q9"]})
    assert evaluate([rule], source, Settings(), dt.date(2026, 1, 6), dt.date(2026, 1, 6), page) == []


def stable_series(days: int, series: int, seed: int, kpi: str = "service_level", p: float = 0.8,
                  low: int = 150, high: int = 250) -> pd.DataFrame:
    """A rate of `series` stable queues: probability p, n varying low–high a day, binomial noise."""
    rng = np.random.default_rng(seed)
    n = rng.integers(low, high + 1, size=(series, days))
    num = rng.binomial(n, p)
    start = dt.date(2026, 1, 1)
    frame = pd.DataFrame({
        "day": np.tile([(start + dt.timedelta(days=d)).isoformat() for d in range(days)], series),
        "queue": np.repeat([f"q{i}" for i in range(series)], days),
        f"{kpi}_num": num.ravel(), f"{kpi}_den": n.ravel(),
    })
    frame[kpi] = frame[f"{kpi}_num"] / frame[f"{kpi}_den"]
    return frame


STATED = 2 * stats.norm.sf(3)  # limits.py: 0.27 % of evaluated days per stable series


@pytest.mark.parametrize("kpi, p, low, high", [
    ("service_level", 0.80, 150, 250),  # the textbook p-chart (p̄ ± 3·√(p̄(1−p̄)/n)) fired on 0.63 % here
    ("abandon_rate", 0.06, 30, 60),  # skewed binomial noise on small days: the textbook p-chart fired on 1.36 %
])
def test_limits_on_a_stable_series_stay_within_the_stated_false_alarm_rate(kpi, p, low, high):
    """A limits-only rule on stable series of 90 days with binomial noise fires no more than the stated rate
    allows: fewer false alarms than the 99.9th percentile of Binomial(evaluated days, 0.27 %)."""
    rule = Rule(name="limits", kpi=kpi, condition="limits", by="queue")
    first, last = dt.date(2026, 1, 1), dt.date(2026, 3, 31)  # 90 days; limits from day 29 (4 weeks of history)
    one = evaluate([rule], source_of(stable_series(90, 1, 15, kpi, p, low, high)), Settings(), first, last)
    assert len(one) <= 1  # 62 evaluated days × 0.27 % = 0.17
    many = evaluate([rule], source_of(stable_series(90, 200, 15, kpi, p, low, high)), Settings(), first, last)
    evaluated = 200 * 62
    allowed = stats.binom.ppf(0.999, evaluated, STATED)  # 53 of 12,400 (0.43 %); expected 33
    assert len(many) <= allowed, f"{len(many)} false alarms in {evaluated} days ({len(many) / evaluated:.2%})"


def test_daily_limits_for_the_chart_match_the_rules():
    table = rate_rows("service_level", weekday_history() + [("2026-01-05", "q1", 67, 100)]).drop(columns="queue")
    limits = daily_limits(table, "service_level", "rate", weeks=8, sigma=3, min_history=4)
    monday = limits[limits["day"] == "2026-01-05"].iloc[0]
    assert (monday["centre"], monday["lower"], monday["upper"]) == pytest.approx((0.8, 0.6558, 0.9156), abs=5e-5)
    assert limits[limits["day"] < "2025-12-29"]["lower"].isna().all()  # fewer than 4 same weekdays before


def test_default_rules_cover_every_target_and_the_four_limit_kpis():
    rules = default_rules(Settings())
    targets = {(r.kpi, r.by) for r in rules if r.condition == "target"}
    assert targets == {(k, s) for k in Settings().targets for s in ("queue", "partner")}
    limits = {(r.kpi, r.by) for r in rules if r.condition == "limits"}
    assert limits == {(k, s) for k in ("service_level", "abandon_rate", "fcr_rate", "csat_top2_rate")
                      for s in ("queue", "partner")}


@pytest.mark.parametrize("text, message", [
    ('[[rule]]\nname = "x"\nkpi = "nope"\ncondition = "target"', "unknown KPI 'nope'"),
    ('[[rule]]\nname = "x"\nkpi = "service_level"\ncondition = "change"', "needs a threshold"),
    ('[[rule]]\nname = "x"\nkpi = "service_level"\ncondition = "volume"\nmin_volume = 3', "count KPI"),
    ('[[rule]]\nname = "x"\nkpi = "contacts_offered"\ncondition = "target"', "has no target"),
    ('[[rule]]\nname = "x"\nkpi = "service_level"\ncondition = "limits"\ncolour = 1', "Extra inputs"),
    ("[[rule]\n", "not valid TOML"),
])
def test_bad_rules_files_get_one_clear_line(tmp_path, text, message):
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_rules(path, Settings())


RULES = """
[[rule]]
name = "service level per queue"
kpi = "service_level"
condition = "target"
by = "queue"
min_n = 1

[[rule]]
name = "quiet queue"
kpi = "contacts_offered"
condition = "volume"
by = "queue"
min_volume = 1
"""


def test_cli_on_the_worked_example(example_db, tmp_path, capsys, users_env):
    """7 Jan 2026 in the worked example: q2's only call (C4) was abandoned after 2 min → service level 0/1; q1's
    only contact that day (C6) was handled by licensed staff, left out → q1 offered 0, while it had contacts on
    5 and 6 Jan."""
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES)
    args = ["alerts", "--db", str(example_db.db_path), "--for", "2026-01-07", "--rules", str(rules),
            "--format", "json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(a["rule"], a["group"], a["value"], a["n"], a["limit"]) for a in out["alerts"]] == [
        ("quiet queue", {"queue": "q1"}, 0.0, None, 1.0),
        ("service level per queue", {"queue": "q2"}, 0.0, 1, 0.75),
    ]
    assert out["alerts"][1]["drilldown"] == {
        "page": "overview", "filters": {"date_from": "2026-01-07", "date_to": "2026-01-07", "queues": ["q2"]}}
    assert out["alerts"][1]["link"] == ("http://localhost:8501/?period=Custom&dates=2026-01-07"
                                        "&dates=2026-01-07&queue=Q2")  # the display name, as the sidebar binds it
    from etl.access import User, add_user
    add_user(users_env, User(username="p2", role="partner", partners=["P2"]), "p2-password-123")
    assert main(args + ["--user", "p2"]) == 0
    scoped = json.loads(capsys.readouterr().out)
    assert [a["group"] for a in scoped["alerts"]] == [{"queue": "q2"}]  # P1's queue is out of P2's sight
    assert scoped["notices"] == []


def test_cli_table_names_the_contacts_behind_an_alert_as_the_screens_do(example_db, tmp_path, capsys,
                                                                          monkeypatch):
    """The table's contacts line read 'kpi_contacts(service_level; date_from=2026-01-07; ...; queues=q2)'."""
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES)
    monkeypatch.setenv("CAREKPI_DISPLAY_NAMES", '{"q2": "Billing line"}')
    assert main(["alerts", "--db", str(example_db.db_path), "--for", "2026-01-07", "--rules", str(rules)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "    contacts: Contacts offered; Wed 07 Jan 2026; queue Q1" in lines
    assert "    contacts: Service level; Wed 07 Jan 2026; queue Billing line" in lines
    assert not any("q2" in line or "kpi_contacts" in line for line in lines)
    hourly = {"kpi": "qa_item_identity_verified_rate", "hour": 9,
              "filters": {"date_from": "2026-01-05", "date_to": "2026-01-11", "queues": ["q1", "q2"],
                          "channels": ["sms"]}}
    assert contacts_text(hourly, {"q2": "Billing line"}) == \
        "QA: Identity verified; 05 – 11 Jan 2026, 09:00–09:59; queues Q1, Billing line; channel SMS"


def test_cli_table_and_errors(example_db, tmp_path, capsys):
    assert main(["alerts", "--db", str(example_db.db_path), "--for", "2026-01-07"]) == 0
    assert capsys.readouterr().out.startswith("alerts for Wed 07 Jan 2026: ")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nname = "x"\nkpi = "nope"\ncondition = "target"\n')
    assert main(["alerts", "--db", str(example_db.db_path), "--rules", str(bad)]) == 2
    assert capsys.readouterr().err == f"carekpi alerts: error: rule 'x': unknown KPI 'nope'\n"


def test_the_readme_rules_example_is_valid(tmp_path):
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = text.split("<!-- rules-example -->\n```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "rules.toml"
    path.write_text(block)
    rules = load_rules(path, Settings())
    assert [r.condition for r in rules] == ["target", "limits", "change", "volume", "target"]


def test_a_volume_rule_sharing_a_query_ignores_groups_silent_before_its_own_window():
    """q_old had contacts five weeks ago only (in the limits rule's history), q1 until 5 Jan: only q1 is 'silent'."""
    rows = [("2025-12-01", "q_old", 40), ("2026-01-05", "q1", 40), ("2026-01-05", "q2", 40),
            ("2026-01-06", "q2", 40)]
    table = pd.DataFrame(rows, columns=["day", "queue", "contacts_offered"])
    quiet = Rule(name="quiet", kpi="contacts_offered", condition="volume", min_volume=10, by="queue")
    limits = Rule(name="limits", kpi="contacts_offered", condition="limits", by="queue")
    seen = []

    def source(filters, by):
        seen.append((filters.date_from, filters.date_to))
        return source_of(table)(filters, by)
    alerts = evaluate([quiet, limits], source, Settings(), dt.date(2026, 1, 6), dt.date(2026, 1, 6))
    assert seen == [(dt.date(2025, 11, 11), dt.date(2026, 1, 6))]  # one query over the union of both rules' windows
    assert fired([a for a in alerts if a.rule == "quiet"]) == [("2026-01-06", "q1", "below")]


def test_a_value_and_its_limit_never_read_the_same():
    """Handle time 480.3 s against a limit of 480 s read '480 s ... (limit 480 s)' on the Overview and in the
    e-mails (Northwind's 16 Nov); a decimal is added until they differ, and only then."""
    from etl.alerts.alert import Alert, format_pair

    assert format_pair("aht_seconds", 480.3, 480.0) == ("480.3 s", "480.0 s")
    assert format_pair("aht_seconds", 484.2, 480.0) == ("484 s", "480 s")
    assert format_pair("transfer_rate", 0.13033, 0.13) == ("13.03%", "13.00%")
    assert format_pair("contacts_offered", 0, 1) == ("0", "1")
    alert = Alert(rule="aht", kpi="aht_seconds", condition="target", grain="day", day=dt.date(2026, 11, 16),
                  hour=None, group={"partner": "Northwind Support"}, value=480.3, n=166, limit=480.0,
                  direction="above", reference=420.0, chart=None,
                  filters=Filters(date_from=dt.date(2026, 11, 16), date_to=dt.date(2026, 11, 16)))
    assert alert.message() == ("Handle time 480.3 s (n = 166) on Mon 16 Nov 2026, partner Northwind Support: above "
                               "the target 420 s beyond its amber margin (limit 480.0 s)")
