"""Partner reports that leave the building: CSV, XLSX, self-contained HTML and PDF, all from kpi_table().

Every number comes from the KPI query function under the requesting user's scope. Text cells that a spreadsheet
would run as a formula (starting with =, +, -, @, tab, carriage return or NUL) are neutralised with a leading
apostrophe (OWASP's rule for CSV injection). Breakdown groups with fewer handled contacts than
settings.report_min_cell_size are suppressed. No patient identifier, pseudonym or patient free text is in any
report: the KPI tables hold none. The HTML embeds plotly.js, so it opens offline; the PDF is that HTML printed by
headless Chromium.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from etl.charts import kpi_trend_chart
from etl.kpis import KPI_BY_NAME, Filters, Kpi, Scope, all_kpis, kpi_table
from etl.settings import Settings
from etl.targets import status

HEADLINE = ("contacts_offered", "contacts_handled", "service_level", "abandon_rate", "asa_seconds", "aht_seconds",
            "fcr_rate", "csat_top2_rate", "survey_response_rate", "transfer_rate", "clinical_escalation_rate",
            "qa_compliant_rate", "qa_coverage")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
FORMATS = ("csv", "xlsx", "html", "pdf")
CHROMIUM = "chromium"


class ReportError(Exception):
    """A report that cannot be made as asked; the message is one line for the user."""


def neutralise(value):
    """A text cell a spreadsheet would evaluate, made inert; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


@dataclass
class ReportData:
    partner: str
    filters: Filters
    generated_at: dt.datetime
    rows: pd.DataFrame  # long form: section, group, kpi, label, value, numerator, denominator, target, status
    weekly: pd.DataFrame  # kpi_table by week, for the charts
    settings: Settings

    def filter_summary(self) -> dict[str, str]:
        f = self.filters
        chosen = {"partner": self.partner, "from": f.date_from.isoformat(), "to": f.date_to.isoformat()}
        for name in ("sites", "teams", "channels", "queues", "agents"):
            values = getattr(f, name)
            if values:
                chosen[name] = ", ".join(values)
        return chosen


def report_data(con: duckdb.DuckDBPyConnection, partner: str, filters: Filters, settings: Settings,
                scope: Scope | None = None) -> ReportData:
    """The report's numbers for one partner: the period's headline, by team and by week."""
    scope = scope or Scope()
    if scope.partners is not None and partner not in scope.partners:
        raise ReportError(f"partner {partner!r} is outside your access")
    mine = filters.model_copy(update={"partners": [partner]})
    weekly = kpi_table(con, mine, ("week",), settings, scope)
    parts = [_long(kpi_table(con, mine, (), settings, scope), "summary", None, settings, 0),
             _long(kpi_table(con, mine, ("team",), settings, scope), "by team", "team", settings,
                   settings.report_min_cell_size),
             _long(weekly, "by week", "week", settings, settings.report_min_cell_size)]
    rows = pd.concat(parts, ignore_index=True)
    if rows.empty:
        raise ReportError(f"no contacts for partner {partner!r} between {filters.date_from} and {filters.date_to}")
    return ReportData(partner, filters, dt.datetime.now(dt.UTC).replace(microsecond=0), rows, weekly, settings)


def _long(table: pd.DataFrame, section: str, dim: str | None, settings: Settings, min_cell: int) -> pd.DataFrame:
    records = []
    for _, row in table.iterrows():
        suppressed = min_cell > 0 and int(row["contacts_handled"]) < min_cell
        for name in HEADLINE:
            kpi, target = KPI_BY_NAME[name], settings.targets.get(name)
            value = None if suppressed or pd.isna(row[name]) else float(row[name])
            records.append({
                "section": section,
                "group": str(row[dim]) if dim else "all",
                "kpi": name,
                "label": kpi.label,
                "value": value,
                "numerator": None if suppressed or not kpi.ratio else float(row[f"{name}_num"]),
                "denominator": None if suppressed or not kpi.ratio else float(row[f"{name}_den"]),
                "target": target.value if target else None,
                "status": "suppressed" if suppressed else status(value, target),
            })
    return pd.DataFrame.from_records(records)


def render(data: ReportData, fmt: str) -> bytes:
    if fmt == "csv":
        return to_csv(data)
    if fmt == "xlsx":
        return to_xlsx(data)
    if fmt == "html":
        return to_html(data).encode("utf-8")
    if fmt == "pdf":
        return to_pdf(data)
    raise ReportError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def to_csv(data: ReportData) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    chosen = data.filter_summary()
    writer.writerow(["partner", "date_from", "date_to", "filters", "generated_at", *data.rows.columns])
    extra = json.dumps({k: v for k, v in chosen.items() if k not in ("partner", "from", "to")})
    for record in data.rows.itertuples(index=False):
        writer.writerow([neutralise(v) for v in (data.partner, chosen["from"], chosen["to"], extra,
                                                 data.generated_at.isoformat(), *record)])
    return out.getvalue().encode("utf-8")


def _cell(value):
    """A value for a spreadsheet cell: neutralised, without the control characters XLSX cannot hold."""
    value = neutralise(None if isinstance(value, float) and pd.isna(value) else value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def to_xlsx(data: ReportData) -> bytes:
    book = Workbook()
    info = book.active
    info.title = "Report"
    info.append(["carekpi partner report"])
    for key, value in data.filter_summary().items():
        info.append([key, _cell(value)])
    info.append(["generated_at (UTC)", data.generated_at.isoformat()])
    for section, title in (("summary", "Summary"), ("by team", "By team"), ("by week", "By week")):
        sheet = book.create_sheet(title)
        rows = data.rows[data.rows["section"] == section].drop(columns="section")
        sheet.append(list(rows.columns))
        for record in rows.itertuples(index=False):
            sheet.append([_cell(v) for v in record])
    definitions = book.create_sheet("Definitions")
    definitions.append(["kpi", "label", "definition"])
    for kpi in all_kpis(data.settings):
        definitions.append([kpi.name, kpi.label, _cell(kpi.formula)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _shown(kpi: Kpi, value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if kpi.unit == "rate":
        return f"{value * 100:.1f}%"
    if kpi.unit == "seconds":
        return f"{value:,.0f} s"
    return f"{value:,.0f}"


def _table_html(rows: pd.DataFrame, group_title: str) -> str:
    groups = list(dict.fromkeys(rows["group"]))
    head = "".join(f"<th>{html.escape(g)}</th>" for g in groups)
    body = []
    for name in HEADLINE:
        kpi = KPI_BY_NAME[name]
        cells = []
        for g in groups:
            r = rows[(rows["group"] == g) & (rows["kpi"] == name)].iloc[0]
            cells.append("<td>suppressed</td>" if r["status"] == "suppressed"
                         else f"<td class='{r['status']}'>{_shown(kpi, r['value'])}</td>")
        body.append(f"<tr><th>{html.escape(kpi.label)}</th>{''.join(cells)}</tr>")
    return f"<table><tr><th>{html.escape(group_title)}</th>{head}</tr>{''.join(body)}</table>"


def to_html(data: ReportData) -> str:
    summary = data.rows[data.rows["section"] == "summary"]
    lines = []
    for r in summary.itertuples():
        kpi = KPI_BY_NAME[r.kpi]
        n = f"{r.numerator:,.0f} / {r.denominator:,.0f}" if kpi.ratio and r.numerator is not None else ""
        target = _shown(kpi, r.target) if r.target is not None else ""
        lines.append(f"<tr><th>{html.escape(kpi.label)}</th><td class='{r.status}'>{_shown(kpi, r.value)}</td>"
                     f"<td>{target}</td><td>{html.escape(r.status if r.status != 'none' else '')}</td>"
                     f"<td>{n}</td></tr>")
    charts = []
    for i, name in enumerate(("service_level", "abandon_rate", "fcr_rate", "csat_top2_rate")):
        if len(data.weekly):
            fig = kpi_trend_chart(data.weekly, KPI_BY_NAME[name], data.settings.targets.get(name), x="week")
            charts.append(fig.to_html(full_html=False, include_plotlyjs=(i == 0)))
    filters = "".join(f"<li>{html.escape(k)}: {html.escape(v)}</li>" for k, v in data.filter_summary().items())
    definitions = "".join(f"<dt>{html.escape(k.label)} (<code>{k.name}</code>)</dt><dd>{html.escape(k.formula)}</dd>"
                          for k in all_kpis(data.settings))
    title = f"Partner report — {html.escape(data.partner)}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:">
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }} table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: right; }} th {{ text-align: left; background: #f5f5f5; }}
.green {{ color: #2e7d32; }} .amber {{ color: #b26a00; }} .red {{ color: #c62828; }}
.charts > div {{ display: inline-block; width: 48%; }}
</style></head><body>
<h1>{title}</h1>
<p>Period {data.filters.date_from:%d %b %Y} – {data.filters.date_to:%d %b %Y}. Made {data.generated_at:%Y-%m-%d %H:%M} UTC.
Contacts answered by the partner's agents, and unanswered contacts in the partner's queues. Groups with fewer than
{data.settings.report_min_cell_size} handled contacts are suppressed.</p>
<h2>Filters</h2><ul>{filters}</ul>
<h2>Against target</h2>
<table id="summary"><tr><th>KPI</th><th>value</th><th>target</th><th>status</th><th>n</th></tr>{''.join(lines)}</table>
<h2>By team</h2>{_table_html(data.rows[data.rows["section"] == "by team"], "team")}
<h2>By week</h2>{_table_html(data.rows[data.rows["section"] == "by week"], "week of")}
<h2>Trends</h2><div class="charts">{''.join(charts)}</div>
<h2>Definitions</h2><dl>{definitions}</dl>
</body></html>"""


def to_pdf(data: ReportData) -> bytes:
    browser = shutil.which(CHROMIUM)
    if browser is None:
        raise ReportError("PDF reports are printed by headless Chromium, which is not installed "
                          "(apt-get install chromium); choose --format html instead")
    with tempfile.TemporaryDirectory() as tmp:
        page, pdf = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        page.write_text(to_html(data), encoding="utf-8")
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run",
                        f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                        page.as_uri()], check=True, capture_output=True, timeout=120)
        if not pdf.exists():
            raise ReportError("headless Chromium did not write the PDF")
        return pdf.read_bytes()
