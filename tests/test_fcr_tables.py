"""FCR in every table of the default view is meaningful: Channels' KPIs by channel and the Partner scorecard's
by-team table read it over the latest period whose windows have closed (labelled with it), as the tiles and the
headline do; the by-week table says "pending" for a week none of whose windows has closed. Values equal
kpi_table()'s over that period."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from dashboard.formatting import fmt
from etl.defaults import closed_label, fcr_closed_through, fcr_filters
from etl.display import display_name
from tests.conftest import login
from tests.test_app import APP, app, run_page  # noqa: F401 - the app fixture
from tests.test_app_defaults import FCR, default_filters, table


def closed_period(settings, filters):
    _, fresh = default_filters(settings)
    moved = fcr_filters(filters, fcr_closed_through(fresh["fcr_horizon_at"], settings.fcr_window_hours))
    assert moved.date_to < filters.date_to  # the default period itself has no closed window
    return moved


def frame(at: AppTest, key: str):
    return next(d for d in at.dataframe if d.proto.id.endswith(key) or key in d.proto.id).value


def label_width(at: AppTest, key: str) -> int:
    """The width (px) of a KPI-down-the-side table's label column: its longest label is the closed-window FCR's."""
    import json

    return json.loads(next(d for d in at.dataframe if key in d.proto.id).proto.columns)["_index"]["width"]


def test_fcr_by_channel_is_read_over_the_closed_windows(app, sample_db):
    filters, _ = default_filters(sample_db)
    moved = closed_period(sample_db, filters)
    at = run_page(app, "channels")
    shown = frame(at, "channel_table")
    row = shown.loc[closed_label(FCR.label, moved)]
    want = table(sample_db, moved, ("channel",)).set_index("channel")["fcr_rate"]
    assert len(want) == 4
    assert {c: row[display_name(c, sample_db.display_names)] for c in want.index} == \
        {c: fmt(FCR, v) for c, v in want.items()}
    assert "—" not in set(row)
    # the label column fits the longest label (it was cut at "First-contact resolu"): ~7 px a character
    assert label_width(at, "channel_table") >= 7 * len(closed_label(FCR.label, moved))


def test_fcr_by_team_on_the_partner_scorecard_is_read_over_the_closed_windows(sample_db, users_env, monkeypatch):
    import streamlit as st

    monkeypatch.setenv("CAREKPI_DB_PATH", str(sample_db.db_path))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = run_page(login(AppTest.from_file(APP, default_timeout=90), "harbor"), "partner")
    filters, _ = default_filters(sample_db)
    mine = filters.model_copy(update={"partners": ["Harbor BPO"]})
    moved = closed_period(sample_db, mine)
    by_team = frame(at, "partner_by_team")
    want = table(sample_db, moved, ("team",)).set_index("team")["fcr_rate"]
    row = by_team.loc[closed_label(FCR.label, moved)]
    assert list(row.index) == list(want.index)
    assert list(row) == [fmt(FCR, v) for v in want] and "—" not in set(row)
    assert label_width(at, "partner_by_team") >= 7 * len(closed_label(FCR.label, moved))
    by_week = frame(at, "partner_by_week")
    assert list(by_week.loc[FCR.label]) == ["pending"]  # the one week of the default period: no window closed


def test_the_partner_reports_fcr_by_team_is_read_over_the_closed_windows(sample_db):
    from etl.kpis import Scope
    from etl.reports import report_data, rounded
    from etl.warehouse import connect_read_only

    filters, _ = default_filters(sample_db)
    mine = filters.model_copy(update={"partners": ["Harbor BPO"]})
    moved = closed_period(sample_db, mine)
    con = connect_read_only(sample_db.db_path)
    try:
        rows = report_data(con, "Harbor BPO", filters, sample_db, Scope(partners=["Harbor BPO"])).rows
    finally:
        con.close()
    fcr = rows[(rows["section"] == "by team") & (rows["kpi"] == "fcr_rate")].set_index("group")
    want = table(sample_db, moved, ("team",)).set_index("team")
    assert set(fcr["label"]) == {closed_label(FCR.label, moved)}
    assert {g: (r["value"], r["denominator"]) for g, r in fcr.iterrows()} == \
        {t: (rounded(FCR, r["fcr_rate"]), int(r["fcr_rate_den"])) for t, r in want.iterrows()}


def test_a_weeks_report_draws_daily_trends_and_fcr_over_the_closed_windows(sample_db):
    """The default week's report drew one dot per trend chart (weekly), and 'FCR: no value in this period'."""
    import json
    import re

    from etl.kpis import Scope
    from etl.report_html import _charts
    from etl.reports import report_data
    from etl.warehouse import connect_read_only

    filters, _ = default_filters(sample_db)
    moved = closed_period(sample_db, filters.model_copy(update={"partners": ["Harbor BPO"]}))
    con = connect_read_only(sample_db.db_path)
    try:
        data = report_data(con, "Harbor BPO", filters, sample_db, Scope(partners=["Harbor BPO"]))
    finally:
        con.close()
    html = _charts(data)
    figures = [json.loads(m) for m in re.findall(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\]),\s*\{', html)]
    assert len(figures) == 4 and "no value in this period" not in html
    days = [[str(x)[:10] for x in figure[0]["x"]] for figure in figures]
    week = [f"2026-11-{d}" for d in range(16, 23)]
    assert days == [week, week, [f"2026-11-{d:02d}" for d in range(8, 15)], week]
    assert json.dumps(closed_label(FCR.label, moved))[1:-1] in html  # the FCR chart's title, as JSON writes it


def test_the_html_reports_tables_label_fcrs_period_and_say_pending(sample_db):
    """The HTML's by-team FCR was read over the closed windows but labelled plain "First-contact resolution", and
    the by-week FCR read "—"."""
    import re

    from etl.kpis import Scope
    from etl.report_html import to_html
    from etl.reports import report_data
    from etl.warehouse import connect_read_only

    filters, _ = default_filters(sample_db)
    moved = closed_period(sample_db, filters.model_copy(update={"partners": ["Harbor BPO"]}))
    con = connect_read_only(sample_db.db_path)
    try:
        html = to_html(report_data(con, "Harbor BPO", filters, sample_db, Scope(partners=["Harbor BPO"])))
    finally:
        con.close()
    team = html.split("<h2>By team</h2>", 1)[1].split("</section>", 1)[0]
    week = html.split("<h2>By week</h2>", 1)[1].split("</section>", 1)[0]
    assert f"<th>{closed_label(FCR.label, moved)}</th>" in team
    (row,) = re.findall(rf"<tr><th>{FCR.label}</th>(.*?)</tr>", week)
    assert re.findall(r">([^<]*)</td>", row) == ["pending"]
