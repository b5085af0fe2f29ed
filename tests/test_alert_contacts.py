"""Alerts carry their contacts drill-down: the kpi_contacts arguments in an alert (`contacts` in `carekpi alerts`
JSON), passed to etl.drilldown.kpi_contacts, list exactly the alert's n contacts, its numerator of them counted;
the contacts link opens the alert's view with d12's drill parameters."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from etl.alerts.contacts import alert_contacts
from etl.alerts.evaluate import evaluate, kpi_source
from etl.alerts.rules import Rule
from etl.cli import main
from etl.drilldown import kpi_contacts
from etl.kpis import Filters, Scope
from etl.warehouse import connect_read_only

RULES = [  # rules that fire on the sample's last week, each a different KPI, split and grain
    Rule(name="sl per queue", kpi="service_level", condition="target", by="queue", level="amber", min_n=5),
    Rule(name="abandonment per partner", kpi="abandon_rate", condition="target", by="partner", level="amber",
         min_n=5),
    Rule(name="speed of answer per channel", kpi="asa_seconds", condition="change", by="channel", threshold=0.05,
         direction="any", min_n=5),
    Rule(name="fcr per queue", kpi="fcr_rate", condition="change", by="queue", threshold=0.05, direction="any",
         min_n=5),
    Rule(name="qa per team", kpi="qa_compliant_rate", condition="target", by="team", level="amber", min_n=1),
    Rule(name="sl per hour, voice", kpi="service_level", condition="target", grain="hour", level="amber", min_n=5,
         filters={"channels": ["voice"]}),
    Rule(name="quiet hours per queue", kpi="contacts_offered", condition="volume", grain="hour", by="queue",
         min_volume=1),  # an hour busy a week before (5 x min_volume) and silent now: 4 on the sample's week
    Rule(name="csat per partner", kpi="csat_top2_rate", condition="target", by="partner", level="amber", min_n=5),
]


def _check(con, alerts, settings, scope, per_rule: int = 4):
    """Each drillable alert's contacts (the first `per_rule` alerts of each rule: a query each)."""
    kinds, seen = set(), {}
    for alert in alerts:
        seen[alert.rule] = seen.get(alert.rule, 0) + 1
        if seen[alert.rule] > per_rule:
            continue
        if not alert.drillable():
            assert alert.contacts() is None
            continue
        rows = alert_contacts(con, alert, settings, scope)
        link = alert.contacts_link("")
        assert link.endswith(f"&drill={alert.kpi}&drill_day={alert.day}"
                             + (f"&drill_hour={alert.hour}" if alert.hour is not None else "")), link
        if alert.kpi in ("csat_top2_rate", "csat_mean"):  # n counts responses: the listed contacts' scores
            scores = [int(v) for found in rows["scores"] for v in found.split(", ")]
            assert len(scores) == alert.n, alert.message()
            if alert.kpi == "csat_top2_rate":
                assert sum(v >= 4 for v in scores) == round(alert.value * alert.n), alert.message()
        elif alert.n is None:  # a count: the contacts are the count
            assert len(rows) == alert.value, alert.message()
        else:
            assert len(rows) == alert.n, alert.message()
            if alert.kpi in ("service_level", "abandon_rate", "fcr_rate", "qa_compliant_rate"):
                assert int(rows["in_numerator"].sum()) == round(alert.value * alert.n), alert.message()
        kinds.add((alert.kpi, alert.grain))
    return kinds


def test_an_alerts_filters_list_exactly_its_n_and_numerator(sample_db):
    settings = sample_db
    con = connect_read_only(settings.db_path)
    try:
        first, last = dt.date(2026, 11, 16), dt.date(2026, 11, 22)
        fired = evaluate(RULES, kpi_source(con, settings, None), settings, first, last)
        kinds = _check(con, fired, settings, None)
        assert kinds == {("service_level", "day"), ("abandon_rate", "day"), ("asa_seconds", "day"),
                         ("fcr_rate", "day"), ("qa_compliant_rate", "day"), ("service_level", "hour"),
                         ("contacts_offered", "hour"), ("csat_top2_rate", "day")}
        assert any(a.kpi == "csat_top2_rate" for a in fired)
        assert len(fired) > 50
        northwind = Scope(partners=["Northwind Support"])  # a partner's alerts list only its contacts
        scoped = evaluate(RULES[:2], kpi_source(con, settings, northwind), settings, first, last)
        assert scoped and _check(con, scoped, settings, northwind)
        assert {p for a in scoped for p in alert_contacts(con, a, settings, northwind)["partner"]} == {
            "Northwind Support"}
    finally:
        con.close()


def test_the_cli_gives_each_alert_its_kpi_contacts_arguments_and_link(example_db, tmp_path, capsys):
    """7 Jan 2026 in the worked example: q2's only call, C4, was abandoned after 2 min (service level 0 / 1)."""
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "sl"\nkpi = "service_level"\ncondition = "target"\nby = "queue"\n'
                     'min_n = 1\n\n[[rule]]\nname = "csat"\nkpi = "csat_top2_rate"\ncondition = "target"\n'
                     'min_n = 1\nlevel = "amber"\n')
    args = ["alerts", "--db", str(example_db.db_path), "--for", "2026-01-07", "--rules", str(rules)]
    assert main(args + ["--format", "json"]) == 0
    (alert,) = [a for a in json.loads(capsys.readouterr().out)["alerts"] if a["rule"] == "sl"]
    assert alert["contacts"] == {"kpi": "service_level",
                                 "filters": {"date_from": "2026-01-07", "date_to": "2026-01-07", "queues": ["q2"]}}
    assert alert["contacts_link"] == ("http://localhost:8501/?period=Custom&dates=2026-01-07&dates=2026-01-07"
                                      "&queue=Q2&drill=service_level&drill_day=2026-01-07")
    con = connect_read_only(example_db.db_path)
    try:
        rows = kpi_contacts(con, alert["contacts"]["kpi"], Filters(**alert["contacts"]["filters"]), example_db)
    finally:
        con.close()
    assert rows[["contact_id", "in_numerator"]].values.tolist() == [["C4", False]]
    assert (len(rows), int(rows["in_numerator"].sum())) == (alert["n"], 0)

    assert main(args) == 0
    text = capsys.readouterr().out
    assert ("    contacts: Service level; Wed 07 Jan 2026; queue Q2\n"  # display names: JSON keeps the ids
            "      http://localhost:8501/?period=Custom&dates=2026-01-07&dates=2026-01-07&queue=Q2"
            "&drill=service_level&drill_day=2026-01-07\n") in text
    assert pd.Series(text.splitlines()).str.startswith("    view: http://localhost:8501/").sum() == text.count("- [")
