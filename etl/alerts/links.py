"""Links into the app that reproduce a view: the page's URL path and the filters as the sidebar binds them to the
URL (period=Custom, dates=FROM&dates=TO, and one repeated parameter per selected value). The sidebar binds a
queue or channel to the URL by its display name (etl/display.py), so links carry display names for those."""

from __future__ import annotations

from urllib.parse import urlencode

from etl.display import display_name
from etl.kpis import Filters

FILTER_PARAMS = (("partners", "partner"), ("sites", "site"), ("teams", "team"), ("channels", "channel"),
                 ("queues", "queue"), ("agents", "agent"))
QUALITY_KPIS = ("csat_top2_rate", "csat_mean", "survey_response_rate", "qa_compliant_rate", "qa_coverage")


def page_for(kpi: str) -> str:
    """The app page that shows a KPI's trend and breakdowns."""
    if kpi in QUALITY_KPIS or kpi.startswith("qa_item_"):
        return "quality"
    if kpi == "channel_share":
        return "channels"
    return "overview"


def query_params(filters: Filters, names: dict[str, str] | None = None,
                 licensed: bool = False) -> list[tuple[str, str]]:
    params = [("period", "Custom"), ("dates", filters.date_from.isoformat()), ("dates", filters.date_to.isoformat())]
    for field, key in FILTER_PARAMS:
        shown = (lambda v: display_name(v, names)) if key in ("queue", "channel") else str
        params += [(key, shown(value)) for value in getattr(filters, field)]
    if licensed:  # the sidebar's "Include licensed staff" box, bound to the URL as true/false
        params.append(("licensed", "true"))
    return params


def app_link(base_url: str, page: str, filters: Filters, names: dict[str, str] | None = None,
             licensed: bool = False, extra: list[tuple[str, str]] | None = None) -> str:
    """Overview, the app's default page, is served at the root only (`/overview` is "page not found"). `extra`:
    parameters after the filters, e.g. etl.drilldown.drill_params() to open the contacts behind a number."""
    path = "" if page == "overview" else page
    params = query_params(filters, names, licensed) + list(extra or [])
    return f"{base_url.rstrip('/')}/{path}?{urlencode(params)}"
