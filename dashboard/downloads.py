"""Download buttons: each table as a spreadsheet-safe CSV, and the partner report in CSV, XLSX and HTML. Files are
made only when clicked, under the user's scope, and every export is written to the audit log."""

from __future__ import annotations

import csv
import io

import pandas as pd
import streamlit as st

from dashboard.context import View
from etl import audit
from etl.reports import neutralise, render, report_data
from etl.warehouse import connect_read_only

MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "html": "text/html"}


def safe_csv(frame: pd.DataFrame) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        writer.writerow([neutralise(v) for v in row])
    return out.getvalue().encode("utf-8")


def table_button(view: View, frame: pd.DataFrame, name: str, key: str) -> None:
    file_name = f"carekpi-{name}-{view.filters.date_from}-{view.filters.date_to}.csv"

    def make() -> bytes:
        audit.record(view.settings.audit_log, view.user, view.role, "export", format="csv", file=file_name,
                     scope=view.scope.model_dump(), filters=view.filters.model_dump(mode="json"))
        return safe_csv(frame)

    st.download_button("Download CSV", make, file_name=file_name, mime=MIME["csv"], key=key, on_click="ignore")


def report_buttons(view: View, partner: str) -> None:
    columns = st.columns(3)
    for column, fmt in zip(columns, ("csv", "xlsx", "html")):
        file_name = f"carekpi-{partner}-{view.filters.date_from}-{view.filters.date_to}.{fmt}".replace(" ", "_")

        def make(fmt: str = fmt, file_name: str = file_name) -> bytes:
            con = connect_read_only(view.db_path)
            try:
                data = report_data(con, partner, view.filters, view.settings, view.scope)
            finally:
                con.close()
            audit.record(view.settings.audit_log, view.user, view.role, "export", format=fmt, file=file_name,
                         scope=view.scope.model_dump(), filters=data.filter_summary())
            return render(data, fmt)

        with column:
            st.download_button(f"Report ({fmt.upper()})", make, file_name=file_name, mime=MIME[fmt],
                               key=f"report_{fmt}", on_click="ignore")
