"""The partner report as one self-contained HTML page (and, printed by headless Chromium, the PDF).

The page embeds plotly.js once: the vendored basic bundle (scatter, bar and pie only: 1.19 MB instead of the full
4.6 MB; etl/assets/plotly/SOURCE.md), so its trend charts stay interactive and it opens offline with no outside
request; the report is about 1.2 MB. Should plotly.py ever write figures for another plotly.js version than the
vendored one, the full bundle plotly.py ships is embedded instead (a larger file, never a broken chart). The PDF, printed from it, is the small file to send. For print: no Plotly toolbar, a heading
never left alone at a page foot (it keeps with what follows), tables and charts never split across pages, and a
week the period holds only part of is marked "partial". Trends are daily for a period of up to 45 days (a week's
report drew one dot per chart), weekly beyond; FCR's is over the closed windows, labelled so.
"""

from __future__ import annotations

import html
from functools import cache
from importlib.resources import files

import pandas as pd
import plotly.offline

from etl.charts import kpi_trend_chart
from etl.defaults import closed_label
from etl.kpis import KPI_BY_NAME, Kpi, all_kpis
from etl.reports import HEADLINE, ReportData

CLASS = {"on target": "green", "near target": "amber", "off target": "red"}
TRENDS = ("service_level", "abandon_rate", "fcr_rate", "csat_top2_rate")
CHART_WIDTH, CHART_HEIGHT = 520, 300
PLOTLY_JS_VERSION = "4.1.1"  # of etl/assets/plotly/plotly-basic.min.js
BASIC_TRACES = {"scatter", "bar", "pie"}
STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; break-inside: avoid; page-break-inside: avoid; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; } th { text-align: left; background: #f5f5f5; }
h1, h2 { break-after: avoid; page-break-after: avoid; }
section { break-inside: avoid; page-break-inside: avoid; }
.green { color: #2e7d32; } .amber { color: #b26a00; } .red { color: #c62828; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.chart { width: 520px; break-inside: avoid; page-break-inside: avoid; }
.modebar-container, .modebar { display: none !important; }
@page { size: A4 landscape; margin: 12mm; }
"""


def _shown(kpi: Kpi, value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if kpi.unit == "rate":
        return f"{value * 100:.1f}%"
    if kpi.unit == "seconds":
        return f"{value:,.0f} s"
    return f"{value:,.0f}"


def _n(kpi: Kpi, numerator, denominator) -> str:
    if not kpi.ratio or numerator is None or pd.isna(numerator):
        return ""
    if kpi.unit == "seconds":
        return f"{denominator:,.0f} contacts"
    return f"{numerator:,.0f} / {denominator:,.0f}"


def _table_html(rows: pd.DataFrame, group_title: str, fcr_pending: bool = False) -> str:
    """KPIs down the side (each row's label, e.g. FCR's closed-window period), a column per group; with
    `fcr_pending`, an FCR cell without a closed window reads "pending", as on the screen."""
    groups = list(dict.fromkeys(rows["group"]))
    head = "".join(f"<th>{html.escape(g)}</th>" for g in groups)
    body = []
    for name in HEADLINE:
        kpi = KPI_BY_NAME[name]
        cells = []
        for g in groups:
            r = rows[(rows["group"] == g) & (rows["kpi"] == name)].iloc[0]
            pending = fcr_pending and name == "fcr_rate" and not r["denominator"]
            shown = "pending" if pending else _shown(kpi, r["value"])
            cells.append("<td>suppressed</td>" if r["status"] == "suppressed"
                         else f"<td class='{CLASS.get(r['status'], '')}'>{shown}</td>")
        label = rows.loc[rows["kpi"] == name, "label"].iloc[0] if (rows["kpi"] == name).any() else kpi.label
        body.append(f"<tr><th>{html.escape(label)}</th>{''.join(cells)}</tr>")
    return f"<table><tr><th>{html.escape(group_title)}</th>{head}</tr>{''.join(body)}</table>"


@cache
def plotly_script() -> str:
    """The plotly.js the report embeds: the vendored basic bundle when it is the version plotly.py writes for."""
    if plotly.offline.get_plotlyjs_version() != PLOTLY_JS_VERSION:
        return plotly.offline.get_plotlyjs()
    return (files("etl") / "assets" / "plotly" / "plotly-basic.min.js").read_text(encoding="utf-8")


def _charts(data: ReportData) -> str:
    charts, drawn = [], False
    for name in TRENDS:
        kpi = KPI_BY_NAME[name]
        closed = name == "fcr_rate" and data.fcr_trend is not None  # FCR over the closed windows, labelled so
        trend = data.fcr_trend if closed else (data.trend if data.trend is not None else data.weekly)
        frame = trend.dropna(subset=[name])
        if frame.empty:
            charts.append(f"<div class='chart'><p>{html.escape(kpi.label)}: no value in this period"
                          + (" (no 7-day window has closed yet)" if name == "fcr_rate" else "") + ".</p></div>")
            continue
        fig = kpi_trend_chart(frame, kpi, data.settings.targets.get(name), x=data.trend_by,
                              title=closed_label(kpi.label, data.fcr_period) if closed else None)
        fig.update_layout(width=CHART_WIDTH, height=CHART_HEIGHT, margin=dict(l=70, r=20, t=50, b=90),
                          legend=dict(orientation="h", y=-0.45))
        fig.update_xaxes(automargin=True, tickangle=0)
        fig.update_yaxes(automargin=True, title_standoff=8)
        unknown = {trace.type for trace in fig.data} - BASIC_TRACES
        if unknown:  # the basic bundle would draw nothing: say so here rather than ship a blank chart
            raise ValueError(f"the report's plotly.js bundle has no {', '.join(sorted(unknown))} trace")
        charts.append("<div class='chart'>" + fig.to_html(
            full_html=False, include_plotlyjs=False, config={"displayModeBar": False, "responsive": False})
            + "</div>")
        drawn = True
    return (f"<script>{plotly_script()}</script>" if drawn else "") + "".join(charts)


def to_html(data: ReportData) -> str:
    summary = data.rows[data.rows["section"] == "summary"]
    lines = []
    for r in summary.itertuples():
        kpi = KPI_BY_NAME[r.kpi]
        target = _shown(kpi, r.target) if r.target is not None and not pd.isna(r.target) else ""
        lines.append(f"<tr><th>{html.escape(r.label)}</th><td class='{CLASS.get(r.status, '')}'>"
                     f"{_shown(kpi, r.value)}</td><td>{target}</td><td>{html.escape(r.status)}</td>"
                     f"<td>{_n(kpi, r.numerator, r.denominator)}</td></tr>")
    filters = "".join(f"<li>{html.escape(k)}: {html.escape(v)}</li>" for k, v in data.filter_summary().items())
    definitions = "".join(f"<dt>{html.escape(k.label)} (<code>{k.name}</code>)</dt><dd>{html.escape(k.formula)}</dd>"
                          for k in all_kpis(data.settings))
    title = f"Partner report — {html.escape(data.partner)}"
    partial = any("partial" in str(g) for g in data.rows.loc[data.rows["section"] == "by week", "group"])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:">
<style>{STYLE}</style></head><body>
<h1>{title}</h1>
<p>Period {data.filters.date_from:%d %b %Y} – {data.filters.date_to:%d %b %Y}. Made {data.generated_at:%Y-%m-%d %H:%M} UTC.
Contacts answered by the partner's agents, and unanswered contacts in the partner's queues. Groups with fewer than
{data.settings.report_min_cell_size} handled contacts are suppressed.</p>
<section><h2>Filters</h2><ul>{filters}</ul></section>
<section><h2>Against target</h2>
<table id="summary"><tr><th>KPI</th><th>value</th><th>target</th><th>status</th><th>n</th></tr>{''.join(lines)}</table>
</section>
<section><h2>By team</h2>{_table_html(data.rows[data.rows["section"] == "by team"], "team")}</section>
<section><h2>By week</h2>{_table_html(data.rows[data.rows["section"] == "by week"], "week of",
                                     fcr_pending=data.fcr_period is not None)}
{"<p>A week marked partial holds only the days of the period shown.</p>" if partial else ""}</section>
<section><h2>Trends</h2><div class="charts">{_charts(data)}</div></section>
<h2>Definitions</h2><dl>{definitions}</dl>
</body></html>"""
