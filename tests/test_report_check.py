"""The report check: every export format read back. CSV/XLSX values equal kpi_table() rounded as documented, with
no "nan" and the screen's status words; XLSX has number formats and widths; the HTML embeds plotly.js once, opens
offline in Chromium with no label clipped; the PDF, rendered with pdftoppm, has no toolbar and no heading alone at a
page foot; a partial week is marked; file names carry the filters."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import subprocess

import pandas as pd
import plotly.offline
import pytest
from openpyxl import load_workbook

from etl.defaults import fcr_closed_through, fcr_filters
from etl.kpis import KPI_BY_NAME, Filters, kpi_table
from etl.report_html import PLOTLY_JS_VERSION
from etl.reports import DECIMALS, XLSX_FORMATS, render, report_data, report_file_name, rounded
from etl.settings import Settings
from etl.warehouse import connect_read_only
from etl import views

PARTNER = "Northwind Support"
# Wednesday 28 Oct to Sunday 22 Nov: the first week is partial (28 Oct – 01 Nov)
PERIOD = Filters(date_from=dt.date(2026, 10, 28), date_to=dt.date(2026, 11, 22))
HEADINGS = ("Filters", "Against target", "By team", "By week", "Trends", "Definitions")
STATUS_WORDS = {"", "on target", "near target", "off target", "suppressed"}


@pytest.fixture(scope="module")
def db(sample_db) -> Settings:
    return sample_db.model_copy(update={"report_min_cell_size": 0})


@pytest.fixture(scope="module")
def data(db):
    con = connect_read_only(db.db_path)
    try:
        return report_data(con, PARTNER, PERIOD, db)
    finally:
        con.close()


@pytest.fixture(scope="module")
def summary(db) -> pd.Series:
    """kpi_table's summary for the period, FCR over the latest closed windows."""
    con = connect_read_only(db.db_path)
    mine = PERIOD.model_copy(update={"partners": [PARTNER]})
    try:
        row = kpi_table(con, mine, (), db).iloc[0].copy()
        closed = fcr_filters(mine, fcr_closed_through(views.freshness(con)["fcr_horizon_at"], db.fcr_window_hours))
        row["fcr_rate"] = kpi_table(con, closed, (), db).iloc[0]["fcr_rate"]
        return row
    finally:
        con.close()


def test_csv_reads_back_rounded_without_nan_and_with_the_screens_words(data, summary):
    text = render(data, "csv").decode()
    assert not re.search(r"\bnan\b", text, re.IGNORECASE)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["status"] for r in rows} <= STATUS_WORDS
    shown = {r["kpi"]: r for r in rows if r["section"] == "summary"}
    for name, row in shown.items():
        kpi = KPI_BY_NAME[name]
        assert float(row["value"]) == rounded(kpi, summary[name]), name
        decimals = row["value"].split(".")[1] if "." in row["value"] else ""
        assert len(decimals) <= DECIMALS[kpi.unit], (name, row["value"])
    assert shown["contacts_offered"]["value"] == f"{int(summary['contacts_offered'])}"
    assert shown["contacts_offered"]["numerator"] == ""  # a count has no numerator: empty, never "nan"
    assert shown["fcr_rate"]["label"].startswith("First-contact resolution (windows closed: ")
    weeks = [r["group"] for r in rows if r["section"] == "by week" and r["kpi"] == "contacts_offered"]
    assert weeks[0] == "2026-10-26 (partial: 28 Oct – 01 Nov 2026)" and weeks[1] == "2026-11-02"


def test_xlsx_reads_back_with_number_formats_and_widths(data, summary):
    book = load_workbook(io.BytesIO(render(data, "xlsx")))
    sheet = book["Summary"]
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) for name in ("kpi", "value", "target", "status")}
    seen = 0
    for cells in sheet.iter_rows(min_row=2):
        name = cells[col["kpi"]].value
        kpi = KPI_BY_NAME[name]
        assert cells[col["value"]].value == rounded(kpi, summary[name])
        assert cells[col["value"]].number_format == XLSX_FORMATS[kpi.unit]
        assert cells[col["status"]].value in STATUS_WORDS | {None}
        seen += 1
    assert seen == 13
    for title in ("Summary", "By team", "By week", "Definitions"):
        widths = [book[title].column_dimensions[letter].width for letter in "ABCD"]
        assert all(w and w >= 8 for w in widths), (title, widths)
    assert book["Summary"].column_dimensions["C"].width >= len("First-contact resolution (windows closed: ")


def test_html_embeds_plotly_once_without_a_toolbar(data):
    page = render(data, "html").decode()
    # the vendored basic bundle (scatter, bar, pie), once, for the plotly.js version plotly.py writes figures for
    assert plotly.offline.get_plotlyjs_version() == PLOTLY_JS_VERSION
    assert page.count("plotly.js (basic - minified) v4.1.1") == 1 and "plotly.js v" not in page
    assert len(page.encode()) < 1_300_000  # 4.85 MB with the full bundle
    assert len(re.findall(r"Plotly\.newPlot\(", page)) == 4
    assert page.count('"displayModeBar": false') == 4
    assert "A week marked partial" in page


def test_file_names_carry_the_filters():
    chosen = PERIOD.model_copy(update={"sites": ["Tampa"], "channels": ["voice", "chat"]})
    assert report_file_name("Northwind Support", chosen, "pdf") == \
        "carekpi-Northwind_Support-2026-10-28-2026-11-22-Tampa-voice-chat.pdf"
    assert report_file_name("=HYPER(LINK)", PERIOD, "csv") == "carekpi-HYPER_LINK-2026-10-28-2026-11-22.csv"


def _require(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is not installed (.ci/run installs it: apt-get install chromium poppler-utils)")


@pytest.mark.browser
def test_the_html_opens_offline_with_no_clipped_label(data, tmp_path):
    _require("chromium")
    from playwright.sync_api import sync_playwright

    from tests.browser_app import CHROMIUM, FLAGS

    page_file = tmp_path / "report.html"
    page_file.write_bytes(render(data, "html"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_context(offline=True).new_page()
        page.goto(page_file.as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        clipped = page.evaluate("""() => {
            const out = [];
            for (const plot of document.querySelectorAll('.js-plotly-plot')) {
                const box = plot.querySelector('.main-svg').getBoundingClientRect();
                for (const t of plot.querySelectorAll('.xtick text, .ytick text, .g-xtitle text, .g-ytitle text, .gtitle')) {
                    const r = t.getBoundingClientRect();
                    if (r.width && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
                                    || r.bottom > box.bottom + 1)) out.push(t.textContent);
                }
                const xt = plot.querySelector('.g-xtitle text'), ticks = plot.querySelectorAll('.xtick text');
                if (xt) for (const t of ticks) {
                    const a = xt.getBoundingClientRect(), b = t.getBoundingClientRect();
                    if (a.top < b.bottom - 1 && b.top < a.bottom - 1 && a.left < b.right && b.left < a.right)
                        out.push('x title overlaps ' + t.textContent);
                }
            }
            return out; }""")
        toolbars = page.locator(".modebar").count()
        browser.close()
    assert clipped == [] and toolbars == 0


@pytest.mark.browser
def test_the_pdf_has_no_toolbar_and_no_heading_alone_at_a_page_foot(data, tmp_path):
    _require("chromium")
    _require("pdftoppm")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render(data, "pdf"))
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=120)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) >= 2
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True,
                           timeout=60).stdout.split("\f")
    for number, text in enumerate(p for p in pages if p.strip()):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert lines[-1] not in HEADINGS, f"heading {lines[-1]!r} alone at the foot of page {number + 1}"
    whole = "\f".join(pages)
    assert "2026-10-26 (partial: 28 Oct – 01 Nov 2026)" in whole.replace("\n", " ") or "partial" in whole
    assert "Download plot" not in whole and "Zoom" not in whole and "Autoscale" not in whole
