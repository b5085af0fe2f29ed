"""Reports: every format's KPI values equal the KPI query function's for the same filters; scope is enforced;
spreadsheet cells are neutralised for every formula trigger; the HTML opens offline in headless Chromium."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from dashboard.downloads import safe_csv
from etl import audit
from etl.cli import main
from etl.kpis import Filters, Scope, kpi_table
from etl.kpis import KPI_BY_NAME
from etl.reports import (FORMULA_TRIGGERS, HEADLINE, ReportData, ReportError, neutralise, render, report_data,
                         rounded)
from etl.settings import Settings
from etl.warehouse import connect_read_only

ROOT = Path(__file__).resolve().parent.parent
KEY = "report-test-key-0123456789"
PERIOD = Filters(date_from=dt.date(2026, 10, 26), date_to=dt.date(2026, 11, 22))
PARTNER = "Northwind Support"


@pytest.fixture(scope="module")
def db(sample_db) -> Settings:
    return sample_db.model_copy(update={"report_min_cell_size": 0})


@pytest.fixture(scope="module")
def data(db) -> ReportData:
    con = connect_read_only(db.db_path)
    try:
        return report_data(con, PARTNER, PERIOD, db, Scope(partners=[PARTNER]))
    finally:
        con.close()


@pytest.fixture(scope="module")
def expected(db) -> dict[str, pd.DataFrame]:
    con = connect_read_only(db.db_path)
    mine = PERIOD.model_copy(update={"partners": [PARTNER]})
    try:
        return {"summary": kpi_table(con, mine, (), db), "by team": kpi_table(con, mine, ("team",), db),
                "by week": kpi_table(con, mine, ("week",), db)}
    finally:
        con.close()


def check_against(rows: pd.DataFrame, expected: dict[str, pd.DataFrame]) -> int:
    """Every (section, group, kpi) value, numerator and denominator equals kpi_table's; returns how many."""
    checked = 0
    for section, table in expected.items():
        dim = {"summary": None, "by team": "team", "by week": "week"}[section]
        for _, row in table.iterrows():
            group = str(row[dim]) if dim else "all"
            for name in HEADLINE:
                got = rows[(rows["section"] == section) & (rows["group"] == group) & (rows["kpi"] == name)]
                assert len(got) == 1, (section, group, name)
                value = got.iloc[0]["value"]
                if pd.isna(row[name]) or (name == "fcr_rate" and section in ("summary", "by team")):
                    # FCR: over the closed windows (tests/test_fcr_tables.py)
                    assert pd.isna(value) or value in ("", None) or name == "fcr_rate"
                else:  # rounded as documented: rates to 4 decimals, seconds to 1, counts whole
                    assert float(value) == rounded(KPI_BY_NAME[name], row[name])
                checked += 1
    return checked


def test_report_rows_equal_the_kpi_query(data, expected):
    assert check_against(data.rows, expected) == 13 * (1 + len(expected["by team"]) + len(expected["by week"]))


def test_csv_holds_the_same_values_and_the_filters(data, expected):
    frame = pd.read_csv(io.BytesIO(render(data, "csv")), dtype={"group": str})
    assert set(frame["partner"]) == {PARTNER}
    assert set(frame["date_from"]) == {"2026-10-26"} and set(frame["date_to"]) == {"2026-11-22"}
    check_against(frame, expected)


def test_xlsx_holds_the_same_values(data, expected):
    book = load_workbook(io.BytesIO(render(data, "xlsx")))
    assert book.sheetnames == ["Report", "Summary", "By team", "By week", "Definitions"]
    frames = []
    for section, title in (("summary", "Summary"), ("by team", "By team"), ("by week", "By week")):
        rows = list(book[title].values)
        frame = pd.DataFrame(rows[1:], columns=rows[0])
        frame.insert(0, "section", section)
        frames.append(frame)
    check_against(pd.concat(frames), expected)
    info = {row[0]: row[1] for row in book["Report"].values if len(row) > 1}
    assert info["partner"] == PARTNER and info["from"] == "2026-10-26"


def test_html_shows_the_values_targets_and_definitions(data, expected):
    page = render(data, "html").decode()
    row = expected["summary"].iloc[0]
    assert f"{row['service_level'] * 100:.1f}%" in page
    assert f"{row['contacts_offered']:,.0f}" in page
    assert "Definitions" in page and "first-contact" in page.lower() and "target" in page
    assert "Period 26 Oct 2026 – 22 Nov 2026" in page


def test_a_report_outside_the_users_scope_is_refused(db):
    con = connect_read_only(db.db_path)
    try:
        with pytest.raises(ReportError, match="outside your access"):
            report_data(con, "Harbor BPO", PERIOD, db, Scope(partners=[PARTNER]))
    finally:
        con.close()


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_every_formula_trigger_is_neutralised_in_csv_and_xlsx(data, trigger):
    evil = f"{trigger}HYPERLINK(\"http://x\",\"y\")"
    rows = data.rows.copy()
    rows.loc[rows["section"] == "by team", "group"] = evil
    crafted = ReportData(evil, data.filters, data.generated_at, rows, data.weekly, data.settings)
    cells = [cell for row in csv.reader(io.StringIO(render(crafted, "csv").decode())) for cell in row]
    assert evil not in cells and "'" + evil in cells
    book = load_workbook(io.BytesIO(render(crafted, "xlsx")))
    values = [c for sheet in book for row in sheet.values for c in row if isinstance(c, str)]
    stored = ("'" + evil).replace("\r", "\n").replace("\0", "")  # XML keeps no CR or NUL
    assert evil not in values and stored in values
    table = list(csv.reader(io.StringIO(safe_csv(pd.DataFrame({"team": [evil], "value": [1.5]})).decode())))
    assert table[1] == ["'" + evil, "1.5"]
    assert neutralise(-1.5) == -1.5 and neutralise("ordinary") == "ordinary"


def test_small_groups_are_suppressed(db):
    settings = db.model_copy(update={"report_min_cell_size": 10_000})
    con = connect_read_only(db.db_path)
    try:
        data = report_data(con, PARTNER, PERIOD, settings, None)
    finally:
        con.close()
    teams = data.rows[data.rows["section"] == "by team"]
    assert set(teams["status"]) == {"suppressed"} and teams["value"].isna().all()
    assert data.rows[data.rows["section"] == "summary"]["value"].notna().any()


def test_cli_report_every_format_and_its_audit(db, tmp_path, monkeypatch, users_env):
    monkeypatch.setenv("CAREKPI_PSEUDONYM_KEY", KEY)
    monkeypatch.setenv("CAREKPI_REPORT_MIN_CELL_SIZE", "0")
    formats = ["csv", "xlsx", "html"] + (["pdf"] if shutil.which("chromium") else [])
    for fmt in formats:
        out = tmp_path / f"report.{fmt}"
        assert main(["report", "--db", str(db.db_path), "--partner", PARTNER, "--from", "2026-10-26", "--to",
                     "2026-11-22", "--format", fmt, "--out", str(out)]) == 0
        assert out.stat().st_size > 1000
    if "pdf" in formats:
        assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    exports = [e for e in audit.entries(tmp_path / "audit.jsonl") if e["action"] == "export"]
    assert [e["format"] for e in exports] == formats
    assert exports[0]["filters"]["partner"] == PARTNER
    assert main(["report", "--db", str(db.db_path), "--partner", "Harbor BPO", "--from", "2026-10-26", "--to",
                 "2026-11-22", "--format", "csv", "--out", str(tmp_path / "x.csv"), "--user", "northwind"]) == 2


def test_pdf_without_chromium_says_so(data, monkeypatch):
    monkeypatch.setattr("etl.reports.CHROMIUM", "no-such-browser")
    with pytest.raises(ReportError, match=r"headless Chromium, which is not installed \(apt-get install chromium\)"):
        render(data, "pdf")


@pytest.mark.browser
def test_the_html_report_opens_offline_in_chromium(data, tmp_path):
    if not shutil.which("chromium"):
        if os.environ.get("CI") or os.environ.get("CAREKPI_REQUIRE_BROWSER"):
            pytest.fail("Chromium is not installed: apt-get install chromium")
        pytest.skip("Chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "report.html"
    page_file.write_bytes(render(data, "html"))
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        context = browser.new_context(offline=True)
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto(page_file.as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        plots = page.locator(".js-plotly-plot").count()
        title = page.title()
        browser.close()
    assert plots == 4 and title == f"Partner report — {PARTNER}"
    assert [u for u in requests if not u.startswith("file://")] == []


def test_no_other_partners_names_in_any_format(db, data):
    con = connect_read_only(db.db_path)
    names = {v for row in con.execute(
        "select agent_id, agent_name, team from agents where partner <> $p "
        "union all select distinct partner, partner, partner from contact_facts where partner <> $p",
        {"p": PARTNER}).fetchall() for v in row if v and len(v) > 3}
    own = {v for row in con.execute("select agent_id, agent_name, team from agents where partner = $p",
                                    {"p": PARTNER}).fetchall() for v in row if v}
    con.close()
    names = {n for n in names if not any(n in mine for mine in own)}  # "Scheduling" is inside "Scheduling overflow"
    for fmt in ("csv", "html"):
        text = render(data, fmt).decode()
        assert sorted(n for n in names if n in text) == []
    book = load_workbook(io.BytesIO(render(data, "xlsx")))
    cells = " ".join(str(c) for sheet in book for row in sheet.values for c in row if c is not None)
    assert sorted(n for n in names if n in cells) == []
