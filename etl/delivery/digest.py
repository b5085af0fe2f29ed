"""What a subscription sends, as data: the period, the headline KPIs against target, the alerts that fired, the
notices (managers only), a link to the app view, and the attachments; for a saved view, its page's headline KPIs,
filters, period and link (etl/delivery/saved_view.py). Every number comes from kpi_table() (or the
partner report, built on it) under the recipient's scope; groups with fewer handled contacts than
settings.report_min_cell_size are suppressed as in reports. No patient identifier exists in any of it."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
from openpyxl import Workbook

from etl import reports
from etl.access import User, scope_for
from etl.alerts.alert import Alert, format_value
from etl.alerts.evaluate import evaluate, kpi_source
from etl.alerts.links import app_link
from etl.alerts.notices import Notice
from etl.alerts.rules import load_rules
from etl.defaults import measures_for, period_label
from etl.delivery import saved_view
from etl.delivery.subscriptions import Subscription, report_partner
from etl.kpis import KPI_BY_NAME, Filters, kpi_table
from etl.pages import PAGE_TITLES
from etl.settings import Settings
from etl.targets import status

MIME = {"csv": ("text", "csv"), "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "html": ("text", "html"), "pdf": ("application", "pdf")}


@dataclass(frozen=True)
class Attachment:
    filename: str
    maintype: str
    subtype: str
    data: bytes


@dataclass(frozen=True)
class HeadlineRow:
    kpi: str
    label: str
    value: str
    target: str
    status: str
    n: str


@dataclass
class Content:
    subject: str
    title: str
    period: Filters
    scope: str
    headline: list[HeadlineRow]
    suppressed: bool
    alerts: list[Alert]
    link: str
    base_url: str
    notices: list[Notice] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # settings.display_names, for queues and channels
    details: str = ""  # a saved view's filters, for people


def period_for(name: str, slot: dt.datetime, reporting_timezone: str) -> tuple[dt.date, dt.date]:
    """The days a slot reports on, counted back from the slot's day in the reporting time zone."""
    day = slot.astimezone(ZoneInfo(reporting_timezone)).date()
    yesterday = day - dt.timedelta(days=1)
    if name == "yesterday":
        return yesterday, yesterday
    if name == "last_7_days":
        return yesterday - dt.timedelta(days=6), yesterday
    if name == "last_4_weeks":
        return yesterday - dt.timedelta(days=27), yesterday
    if name == "last_week":
        monday = day - dt.timedelta(days=day.weekday() + 7)
        return monday, monday + dt.timedelta(days=6)
    if name == "month_to_date":
        return yesterday.replace(day=1), yesterday
    if name == "last_month":
        last = day.replace(day=1) - dt.timedelta(days=1)
        return last.replace(day=1), last
    raise ValueError(f"unknown period {name!r}")


def scope_text(user: User) -> str:
    if user.role == "partner":
        return "partner " + ", ".join(user.partners)
    if user.role == "trainer":
        return "teams " + ", ".join(user.teams)
    return "the whole centre"


def headline(table: pd.DataFrame, settings: Settings, kpis: tuple[str, ...] | list[str] = reports.HEADLINE,
             fcr_period: Filters | None = None) -> tuple[list[HeadlineRow], bool]:
    """The report's headline KPIs with target and status; suppressed (True) below the minimum cell size. FCR's n
    names `fcr_period` when FCR was read over the latest closed windows (reports.closed_fcr)."""
    if table.empty:
        return [], False
    row = table.iloc[0]
    if int(row["contacts_handled"]) < settings.report_min_cell_size:
        return [], True
    rows = []
    for name in kpis:
        kpi, target = KPI_BY_NAME[name], settings.targets.get(name)
        value = None if pd.isna(row[name]) else float(row[name])
        n = ""
        if kpi.unit == "rate":
            n = f"{int(row[name + '_num']):,} / {int(row[name + '_den']):,}"
        elif kpi.ratio:
            n = f"{int(row[name + '_den']):,}"
        if name == "fcr_rate" and int(row["fcr_rate_den"]) == 0:
            n = "no 7-day window closed yet"
        elif name == "fcr_rate" and fcr_period is not None:
            n = f"{n}, windows closed: {period_label(fcr_period)}"
        rows.append(HeadlineRow(name, kpi.label, format_value(name, value),
                                format_value(name, target.value) if target else "", status(value, target), n))
    return rows, False


def shown_alerts(alerts: list[Alert], settings: Settings) -> list[Alert]:
    """Alerts on groups large enough to show (a rate's n, or a count's value, below the cell size is left out)."""
    small = settings.report_min_cell_size
    return [a for a in alerts if (a.n if a.n is not None else (a.value if a.value > 0 else small)) >= small]


def build(con: duckdb.DuckDBPyConnection, sub: Subscription, user: User, settings: Settings, slot: dt.datetime,
          notices: list[Notice]) -> Content:
    scope, names, base = scope_for(user), settings.display_names, settings.delivery.app_base_url
    view = saved_view.resolve(sub, user, settings.users_file) if sub.what == "view" else None
    span = saved_view.period(view, sub) if view is not None else sub.period
    first, last = span if isinstance(span, tuple) else period_for(span, slot, settings.reporting_timezone)
    chosen = saved_view.filter_values(view) if view is not None else sub.filters.model_dump()
    licensed = saved_view.licensed(view) if view is not None else None
    filters = Filters(date_from=first, date_to=last, **chosen)
    kpis = measures_for(filters, saved_view.headline_kpis(view)) if view is not None else reports.HEADLINE
    summary, fcr_period = reports.closed_fcr(con, kpi_table(con, filters, (), settings, scope, licensed), filters,
                                             settings, scope, licensed)
    rows, suppressed = headline(summary, settings, kpis, fcr_period)
    fired = evaluate(load_rules(settings.alerts.rules_file, settings), kpi_source(con, settings, scope, licensed),
                     settings, first, last, page=filters)
    dates = f"{first:%d %b %Y}" + (f" – {last:%d %b %Y}" if last != first else "")
    content = Content(
        subject=f"carekpi {sub.what}: {dates}" + (f" ({len(fired)} alerts)" if fired else ""),
        title=f"{'Daily digest' if sub.period == 'yesterday' else 'Digest'}, {dates}" if sub.what == "digest"
        else f"Partner scorecard, {dates}",
        period=filters, scope=scope_text(user), headline=rows, suppressed=suppressed,
        alerts=shown_alerts(fired, settings), link=app_link(base, "overview", filters, names), base_url=base,
        notices=notices if user.role == "manager" else [], names=dict(names))
    if view is not None:
        name = " ".join(view.name.split())  # a header never carries a line break
        content.subject = f"carekpi view {name}: {dates}" + (f" ({len(fired)} alerts)" if fired else "")
        content.title = f"Saved view “{name}” ({PAGE_TITLES[saved_view.page(view)]}), {dates}"
        content.details = f"Filters: {saved_view.describe(view, names)}."
        content.link = app_link(base, saved_view.page(view), filters, names, licensed=bool(licensed))
    if sub.what == "report":
        partner = report_partner(sub, user)
        data = reports.report_data(con, partner, filters, settings, scope)
        content.title = f"Partner scorecard — {partner}, {dates}"
        content.link = app_link(base, "partner", filters.model_copy(update={"partners": [partner]}), names)
        content.attachments = [Attachment(f"scorecard-{_slug(partner)}-{first}-{last}.{fmt}", *MIME[fmt],
                                          reports.render(data, fmt)) for fmt in sub.formats]
    elif sub.formats:
        table = kpi_tables(con, filters, settings, scope, licensed)
        content.attachments = [Attachment(f"kpis-{first}-{last}.{fmt}", *MIME[fmt], _tabular(table, fmt))
                               for fmt in sub.formats]
    return content


def kpi_tables(con: duckdb.DuckDBPyConnection, filters: Filters, settings: Settings, scope,
               include_licensed: bool | None = None) -> pd.DataFrame:
    """The digest's attachment: the period's headline KPIs and the same by day, in the reports' long form (a group
    with fewer handled contacts than the minimum cell size is suppressed, the whole period included, as in the
    e-mail's body)."""
    min_cell = settings.report_min_cell_size
    def table(by: tuple[str, ...]) -> pd.DataFrame:
        return kpi_table(con, filters, by, settings, scope, include_licensed)
    return pd.concat([reports._long(table(()), "summary", None, settings, min_cell),
                      reports._long(table(("day",)), "by day", "day", settings, min_cell)], ignore_index=True)


def _tabular(table: pd.DataFrame, fmt: str) -> bytes:
    if fmt == "csv":
        return table.to_csv(index=False).encode("utf-8")
    book = Workbook()
    sheet = book.active
    sheet.title = "KPIs"
    sheet.append(list(table.columns))
    for record in table.itertuples(index=False):
        sheet.append([None if isinstance(v, float) and pd.isna(v) else v for v in record])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text).strip("-").lower() or "partner"

