"""Partner reports that leave the building: CSV, XLSX, self-contained HTML and PDF, all from kpi_table().

Every number comes from the KPI query function under the requesting user's scope. Text cells that a spreadsheet
would run as a formula (starting with =, +, -, @, tab, carriage return or NUL) are neutralised with a leading
apostrophe (OWASP's rule for CSV injection). Breakdown groups with fewer handled contacts than
settings.report_min_cell_size are suppressed. No patient identifier, pseudonym or patient free text is in any
report: the KPI tables hold none. Values are rounded as DECIMALS says, missing values are empty cells, status words
are the screen's, FCR is over the latest closed windows (labelled) and a partly covered week is marked partial. The
HTML (etl/report_html.py) embeds plotly.js's basic bundle (1.2 MB), so it opens offline; the PDF is that HTML printed by headless Chromium.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from etl import views
from etl.defaults import closed_label, fcr_closed_through, fcr_filters, period_label, trend_period
from etl.kpis import KPI_BY_NAME, Filters, Kpi, Scope, all_kpis, kpi_table
from etl.settings import Settings
from etl.targets import STATUS_WORDS, status

HEADLINE = ("contacts_offered", "contacts_handled", "service_level", "abandon_rate", "asa_seconds", "aht_seconds",
            "fcr_rate", "csat_top2_rate", "survey_response_rate", "transfer_rate", "clinical_escalation_rate",
            "qa_compliant_rate", "qa_coverage")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
# decimal places of a value in the files: rates as fractions to 0.01 percentage point, seconds to 0.1 s, scores to
# 0.01, counts whole (docs/reports.md)
DECIMALS = {"rate": 4, "seconds": 1, "score": 2, "count": 0}
XLSX_FORMATS = {"rate": "0.0%", "seconds": "#,##0", "score": "0.00", "count": "#,##0"}
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
    weekly: pd.DataFrame  # kpi_table by week
    settings: Settings
    fcr_period: Filters | None = None  # the closed-window period the summary's FCR is over, when moved
    trend: pd.DataFrame | None = None  # kpi_table by `trend_by`, for the charts (None: `weekly`)
    trend_by: str = "week"  # day for a period of up to DAILY_UP_TO days (one or two weeks drew single dots)
    fcr_trend: pd.DataFrame | None = None  # FCR's trend over `fcr_period`

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
    summary = kpi_table(con, mine, (), settings, scope)
    summary, fcr_period = closed_fcr(con, summary, mine, settings, scope)
    teams = kpi_table(con, mine, ("team",), settings, scope)
    if fcr_period is not None:
        closed_teams = kpi_table(con, fcr_period, ("team",), settings, scope)[["team", *FCR_COLUMNS]]
        teams = teams.drop(columns=FCR_COLUMNS).merge(closed_teams, on="team", how="left")
        teams[FCR_COLUMNS[1:]] = teams[FCR_COLUMNS[1:]].fillna(0)
    labelled = weekly.assign(week=[week_label(w, filters) for w in weekly["week"]])
    parts = [_long(summary, "summary", None, settings, 0),
             _long(teams, "by team", "team", settings, settings.report_min_cell_size),
             _long(labelled, "by week", "week", settings, settings.report_min_cell_size)]
    rows = pd.concat(parts, ignore_index=True)
    if rows.empty:
        raise ReportError(f"no contacts for partner {partner!r} between {filters.date_from} and {filters.date_to}")
    if fcr_period is not None:
        rows.loc[rows["section"].isin(["summary", "by team"]) & (rows["kpi"] == "fcr_rate"), "label"] = \
            closed_label(KPI_BY_NAME['fcr_rate'].label, fcr_period)
    trend_by = trend_period(filters)
    trend = kpi_table(con, mine, ("day",), settings, scope) if trend_by == "day" else weekly
    fcr_trend = kpi_table(con, fcr_period, (trend_by,), settings, scope) if fcr_period is not None else None
    return ReportData(partner, filters, dt.datetime.now(dt.UTC).replace(microsecond=0), rows, weekly, settings,
                      fcr_period, trend, trend_by, fcr_trend)


FCR_COLUMNS = ["fcr_rate", "fcr_rate_num", "fcr_rate_den"]


def closed_fcr(con: duckdb.DuckDBPyConnection, summary: pd.DataFrame, filters: Filters, settings: Settings,
               scope: Scope, include_licensed: bool | None = None) -> tuple[pd.DataFrame, Filters | None]:
    """`summary` (kpi_table over `filters`, no grouping) with FCR read over the latest period of the same length
    whose windows have all closed, and that period; `summary` and None when the filters' own days have closed."""
    horizon = views.freshness(con, scope)["fcr_horizon_at"]
    period = fcr_filters(filters, fcr_closed_through(horizon, settings.fcr_window_hours, settings.reporting_timezone))
    if period is None or period == filters or summary.empty:
        return summary, None
    closed = kpi_table(con, period, (), settings, scope, include_licensed)
    summary = summary.copy()
    for column in FCR_COLUMNS:
        summary[column] = closed[column].iloc[0] if len(closed) else (None if column == "fcr_rate" else 0)
    return summary, period


def week_label(week: str, filters: Filters) -> str:
    """A week's Monday, marked partial when the period holds only some of its days: '2026-11-16 (partial: 16–18 Nov)'."""
    monday = dt.date.fromisoformat(str(week))
    first, last = max(monday, filters.date_from), min(monday + dt.timedelta(days=6), filters.date_to)
    if (first, last) == (monday, monday + dt.timedelta(days=6)):
        return str(week)
    return f"{week} (partial: {period_label(Filters(date_from=first, date_to=last))})"


def rounded(kpi: Kpi, value):
    """A value as the files carry it (DECIMALS); None stays None."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return int(round(value)) if kpi.unit == "count" else round(float(value), DECIMALS[kpi.unit])


def report_file_name(partner: str, filters: Filters, fmt: str) -> str:
    """carekpi-<partner or table>-<from>-<to>[-<filters>].<fmt>, safe on every file system."""
    parts = [partner, filters.date_from.isoformat(), filters.date_to.isoformat()]
    for name in ("partners", "sites", "teams", "channels", "queues", "agents"):
        parts += getattr(filters, name)
    slug = "-".join(re.sub(r"[^A-Za-z0-9.-]+", "_", p).strip("_-") for p in parts if p)
    return f"carekpi-{slug[:150]}.{fmt}"


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
                "value": rounded(kpi, value),
                "numerator": None if suppressed or not kpi.ratio else round(float(row[f"{name}_num"]), 1),
                "denominator": None if suppressed or not kpi.ratio else int(row[f"{name}_den"]),
                "target": target.value if target else None,
                "status": "suppressed" if suppressed else STATUS_WORDS[status(value, target)],
            })
    return pd.DataFrame.from_records(records)


def render(data: ReportData, fmt: str) -> bytes:
    if fmt == "csv":
        return to_csv(data)
    if fmt == "xlsx":
        return to_xlsx(data)
    if fmt == "html":
        from etl.report_html import to_html

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
        writer.writerow(["" if _missing(v) else int(v) if isinstance(v, float) and v.is_integer() else neutralise(v)
                         for v in (data.partner, chosen["from"], chosen["to"], extra, data.generated_at.isoformat(),
                                   *record)])
    return out.getvalue().encode("utf-8")


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value))


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
            unit = KPI_BY_NAME[record.kpi].unit
            for column in ("value", "target"):  # each value in its KPI's unit: 79.4 %, 1,234 s
                sheet.cell(sheet.max_row, rows.columns.get_loc(column) + 1).number_format = XLSX_FORMATS[unit]
            for column in ("numerator", "denominator"):
                sheet.cell(sheet.max_row, rows.columns.get_loc(column) + 1).number_format = "#,##0"
        sheet.freeze_panes = "A2"
    definitions = book.create_sheet("Definitions")
    definitions.append(["kpi", "label", "definition"])
    for kpi in all_kpis(data.settings):
        definitions.append([kpi.name, kpi.label, _cell(kpi.formula)])
    for sheet in book:
        _fit_columns(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fit_columns(sheet) -> None:
    """Each column as wide as its longest text (8 to 60 characters)."""
    for column in sheet.columns:
        longest = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        sheet.column_dimensions[column[0].column_letter].width = min(max(longest + 2, 8), 60)


def to_pdf(data: ReportData) -> bytes:
    browser = shutil.which(CHROMIUM)
    if browser is None:
        raise ReportError("PDF reports are printed by headless Chromium, which is not installed "
                          "(apt-get install chromium); choose --format html instead")
    with tempfile.TemporaryDirectory() as tmp:
        page, pdf = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        from etl.report_html import to_html

        page.write_text(to_html(data), encoding="utf-8")
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run",
                        f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                        page.as_uri()], check=True, capture_output=True, timeout=120)
        if not pdf.exists():
            raise ReportError("headless Chromium did not write the PDF")
        return pdf.read_bytes()
