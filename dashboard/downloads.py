"""Download buttons: each table as a spreadsheet-safe CSV, and the partner report in CSV, XLSX, HTML and PDF. Files are
made only when clicked, under the user's scope, and every export is written to the audit log. These buttons are the
only way a file leaves the app (st.dataframe's own CSV download is off: client.disableDataExport in
dashboard/.streamlit/config.toml).

A made file is kept by Streamlit at /media/<id> until its media manager drops files no session refers to; a made
download is never referred to, so `_expire_downloads` has the manager drop them every `download_ttl_seconds`: a
file is served for ttl to 2 x ttl seconds after it was made (the browser fetches it at once), then answers 404.
"""

from __future__ import annotations

import csv
import io
import shutil
import threading
import time

import pandas as pd
import streamlit as st
from streamlit import runtime

from dashboard.context import View
from etl import audit
from etl.reports import CHROMIUM, neutralise, render, report_data, report_file_name
from etl.warehouse import connect_read_only

MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "html": "text/html", "pdf": "application/pdf"}


def safe_csv(frame: pd.DataFrame) -> bytes:
    """The frame as CSV: formula triggers made inert, a missing value an empty cell (never "nan" or "None")."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        writer.writerow(["" if _missing(v) else neutralise(v) for v in row])
    return out.getvalue().encode("utf-8")


def _missing(value) -> bool:
    return value is None or (not isinstance(value, (str, list, tuple)) and bool(pd.isna(value)))


@st.cache_resource(show_spinner=False)
def _expire_downloads(ttl: float) -> threading.Thread:
    """One thread per server: every `ttl` seconds, Streamlit's media manager marks unreferenced downloads and
    deletes the ones it marked the time before (MediaFileManager.remove_orphaned_files, safe from any thread)."""

    def sweep() -> None:
        while True:
            time.sleep(ttl)
            if runtime.exists():
                runtime.get_instance().media_file_mgr.remove_orphaned_files()

    thread = threading.Thread(target=sweep, name="carekpi-download-expiry", daemon=True)
    thread.start()
    return thread


def table_button(view: View, frame: pd.DataFrame, name: str, key: str) -> None:
    _expire_downloads(view.settings.download_ttl_seconds)
    file_name = report_file_name(name, view.filters.model_copy(update={"partners": []}), "csv")

    def make() -> bytes:
        audit.record(view.settings.audit_log, view.user, view.role, "export", format="csv", file=file_name,
                     scope=view.scope.model_dump(), filters=view.filters.model_dump(mode="json"))
        return safe_csv(frame)

    st.download_button("Download CSV", make, file_name=file_name, mime=MIME["csv"], key=key, on_click="ignore")


def report_buttons(view: View, partner: str) -> None:
    """The partner report in CSV, XLSX, HTML and, where headless Chromium is installed to print it, PDF."""
    _expire_downloads(view.settings.download_ttl_seconds)
    formats = ("csv", "xlsx", "html") + (("pdf",) if shutil.which(CHROMIUM) else ())
    columns = st.columns(len(formats))
    for column, fmt in zip(columns, formats):
        file_name = report_file_name(partner, view.filters, fmt)

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
