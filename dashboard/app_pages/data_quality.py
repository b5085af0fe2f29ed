"""Data quality: load history, rows quarantined by reason and file, and what does not connect yet (unmatched
surveys and QA evaluations, unmapped queues, agent ids missing from the roster, uncatalogued QA items), and the
scheduled deliveries that failed."""

from __future__ import annotations

import streamlit as st

from dashboard.context import current
from etl.delivery.log import deliveries, log_file
from dashboard.tables import show_table
from etl.display import CATALOGUE, display_name
from etl.plain_text import markdown_list

view = current()
names = view.settings.display_names
st.title("Data quality")
dq = view.warehouse("data_quality")
c1, c2, c3, c4 = st.columns(4)
c1.metric("Unmatched surveys", f"{int(dq['unmatched_surveys']):,}", border=True,
          help="Surveys whose contact has not arrived; kept and matched when it does.")
c2.metric("Unmatched QA evaluations", f"{int(dq['unmatched_qa_evaluations']):,}", border=True,
          help="Evaluations whose contact has not arrived; kept and matched when it does.")
c3.metric("Unmapped queues", f"{len(dq['unmapped_queues']):,}", border=True,
          help="Queues missing from queues.csv: their unanswered contacts have no partner.")
c4.metric("Agent ids not in the roster", f"{len(dq['unknown_agents']):,}", border=True)
for label, key in (("Unmapped queues", "unmapped_queues"), ("Agent ids not in the roster", "unknown_agents"),
                   ("QA items outside the catalogue", "uncatalogued_qa_items")):
    if len(dq[key]):
        shown = map(str, dq[key]) if key == "unknown_agents" else (display_name(v, names) for v in dq[key])
        st.caption(f"{label}: " + markdown_list(shown))

st.subheader("Rows quarantined, by file and reason")
summary = view.warehouse("quarantine_summary")
if summary.empty:
    st.success("No row has been quarantined.")
else:
    # file kinds in words ("QA evaluations"), the reason wide enough to read whole
    show_table(summary, key="quarantine_summary", names=names, catalogue=("kind",),
               column_config={"Reason": st.column_config.TextColumn("Reason", width="large")})
    with st.expander("Latest quarantined rows (allow-listed columns, identifiers masked, never the patient reference)"):
        show_table(view.warehouse("quarantine_rows"), key="quarantine_rows", names=names,
                   catalogue=("kind", *CATALOGUE))  # queue, channel and QA item by display name too

st.subheader("Failed deliveries")
failed = deliveries(log_file(view.settings), "failed")
if failed.empty:
    st.caption("No scheduled delivery has failed.")
else:
    st.error(f"{len(failed)} scheduled deliveries failed after every retry; the managers were told by e-mail.",
             icon=":material/mail:")
    show_table(failed, key="failed_deliveries", names=names, catalogue=())

st.subheader("Load history")
show_table(view.warehouse("load_history"), key="load_history", names=names, catalogue=("kind",))
