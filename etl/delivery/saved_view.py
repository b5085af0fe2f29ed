"""A saved view as subscription content: which view a subscription names, whether its recipient may see it, and
the period, filters and link it delivers.

A subscription with `what = "view"` names a saved view by `view` (its name) and `view_owner` (default: the
recipient). The recipient may receive it when they could open it in the app: their own view, or one shared with
their role, on a page their role may open, filtering on no partner (for a partner) or team (for a trainer) outside
their access. The numbers are kpi_table()'s for the view's filters under the RECIPIENT's scope, so a partner
receiving a manager's whole-centre view sees only its own partner. `carekpi deliver --check` refuses a view the
recipient may not see; at delivery time (a view deleted or no longer shared) it is a failed delivery, reported.

The period is the view's own (a preset such as "Last 7 days" counted back from the slot's day, a custom range as
saved) unless the subscription sets `period`. The link opens the view's page with its filters over the period sent.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from etl import reports
from etl.access import User
from etl.alerts.links import FILTER_PARAMS
from etl.display import display_name
from etl.pages import PAGE_ROLES, PAGE_TITLES, page_name
from etl.saved_views import SavedView, load_views, views_file

# the sidebar's period presets (dashboard/filters.py) as subscription periods, counted back from the slot's day
PRESET_PERIODS = {"Yesterday": "yesterday", "Last 7 days": "last_7_days", "Last 4 weeks": "last_4_weeks",
                  "Month to date": "month_to_date"}
DEFAULT_PERIOD = "last_7_days"  # a view saved without a period has the sidebar's default, "Last 7 days"
# the headline KPIs a view of each page sends (the reports' headline elsewhere)
PAGE_HEADLINE = {"quality": ("qa_compliant_rate", "qa_coverage", "csat_top2_rate", "survey_response_rate")}


class ViewRefused(ValueError):
    """A saved view the subscription cannot send to its recipient; the message says why, in one line."""


def find(views: list[SavedView], name: str, owner: str, subscription: str) -> SavedView:
    for view in views:
        if (view.owner, view.name) == (owner, name):
            return view
    raise ViewRefused(f"subscription {subscription!r}: no saved view {name!r} of user {owner!r}")


def check(view: SavedView, user: User, subscription: str) -> None:
    """Refuse a view the recipient could not open in the app."""
    where = f"subscription {subscription!r}: saved view {view.name!r} of {view.owner!r}"
    if view.owner != user.username and user.role not in view.shared_roles:
        raise ViewRefused(f"{where} is not shared with {user.username!r} ({user.role} users)")
    try:
        page = page_name(view.page)
    except ValueError:
        raise ViewRefused(f"{where} shows an unknown page {view.page!r}") from None
    if user.role not in PAGE_ROLES[page]:
        raise ViewRefused(f"{where} shows the {PAGE_TITLES[page]} page, which {user.role} users cannot open")
    allowed = {"partner": ("partner", user.partners), "trainer": ("team", user.teams)}.get(user.role)
    if allowed:
        key, mine = allowed
        outside = [v for v in _values(view, key) if v not in mine]
        if outside:
            raise ViewRefused(f"{where} filters on {len(outside)} {key}(s) outside {user.username!r}'s access")


def resolve(sub, user: User, users_file: Path) -> SavedView:
    """The subscription's saved view, checked for its recipient (ViewRefused otherwise)."""
    view = find(load_views(views_file(users_file)), sub.view, sub.view_owner or sub.user, sub.name)
    check(view, user, sub.name)
    return view


def period(view: SavedView, sub) -> str | tuple[dt.date, dt.date]:
    """The subscription's own period when it sets one, else the view's: a preset's name or a custom range."""
    if "period" in sub.model_fields_set:
        return sub.period
    preset = view.state.get("period")
    dates = view.state.get("dates")
    if preset == "Custom" and isinstance(dates, list) and dates:
        first, last = dt.date.fromisoformat(dates[0]), dt.date.fromisoformat(dates[-1])
        if first <= last:
            return first, last
    return PRESET_PERIODS.get(preset, DEFAULT_PERIOD) if isinstance(preset, str) else DEFAULT_PERIOD


def filter_values(view: SavedView) -> dict[str, list[str]]:
    """The view's sidebar selections as etl.kpis.Filters fields (ids, as the app keeps them)."""
    return {field: _values(view, key) for field, key in FILTER_PARAMS}


def licensed(view: SavedView) -> bool:
    return view.state.get("licensed") is True


def page(view: SavedView) -> str:
    return page_name(view.page)


def headline_kpis(view: SavedView) -> tuple[str, ...]:
    return PAGE_HEADLINE.get(page(view), reports.HEADLINE)


def describe(view: SavedView, names: dict[str, str] | None) -> str:
    """The view's filters for people: 'Queue: Billing & payments; Channel: SMS' (display names for catalogue ids)."""
    parts = []
    for _, key in FILTER_PARAMS:
        values = _values(view, key)
        if values:
            shown = [display_name(v, names) if key in ("queue", "channel") else v for v in values]
            parts.append(f"{key.capitalize()}: {', '.join(shown)}")
    if licensed(view):
        parts.append("licensed staff included")
    return "; ".join(parts) or "no filters"


def _values(view: SavedView, key: str) -> list[str]:
    value = view.state.get(key)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
