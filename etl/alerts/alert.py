"""What fired: one Alert per rule, group and day (or hour), with the value, its n, the limit it crossed and the
filters that show it in the app (the drill-down). Values are as kpi_table() returned them."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Literal

from etl.alerts.links import app_link, page_for
from etl.display import display_name
from etl.drilldown import drill_params, drillable
from etl.kpis import KPI_BY_NAME, Filters

CONDITION_WORDS = {"target": "target", "limits": "control limit", "change": "change limit", "volume": "minimum"}


def format_value(kpi: str, value: float | None, more: int = 0) -> str:
    """A KPI value for people: rates as percentages, seconds and scores rounded, counts whole (`more` decimals
    added)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    unit = KPI_BY_NAME[kpi].unit if kpi in KPI_BY_NAME else ("rate" if kpi.endswith("_rate") else "count")
    if unit == "rate":
        return f"{value * 100:.{1 + more}f}%"
    if unit == "seconds":
        return f"{value:,.{more}f} s"
    if unit == "score":
        return f"{value:.{2 + more}f}"
    return f"{value:,.{more}f}"


def format_pair(kpi: str, value: float | None, limit: float | None) -> tuple[str, str]:
    """A value and the limit it crossed, with as many more decimals (up to 3) as it takes for them to read
    differently: 'Handle time 480.4 s, limit 480.0 s', never '480 s, limit 480 s'."""
    for more in range(4):
        shown = format_value(kpi, value, more), format_value(kpi, limit, more)
        if shown[0] != shown[1] or value == limit:
            break
    return shown


def kpi_label(kpi: str) -> str:
    found = KPI_BY_NAME.get(kpi)
    return found.label if found else kpi.removeprefix("qa_item_").removesuffix("_rate").replace("_", " ")


@dataclass(frozen=True)
class Alert:
    rule: str
    kpi: str
    condition: str
    grain: str
    day: dt.date
    hour: int | None
    group: dict[str, str | None]  # the split's dimension and value, e.g. {"queue": "q1"}; {} for no split
    value: float
    n: int | None  # the KPI's denominator (None for counts)
    limit: float  # the threshold that was crossed
    direction: Literal["below", "above"]
    reference: float | None = None  # the target, the control centre, or the previous value
    chart: str | None = None  # for control limits: "p" or "individuals"
    filters: Filters = field(default=None)  # type: ignore[assignment]  # the drill-down

    @property
    def where(self) -> str:
        return self.where_named(None)

    def where_named(self, names: dict[str, str] | None) -> str:
        """The group in words; queues and channels by display name (`names`: settings.display_names)."""
        return ", ".join(f"{dim} {_member(dim, value, names)}" for dim, value in self.group.items()) \
            or "all contacts"

    @property
    def when(self) -> str:
        return f"{self.day:%a %d %b %Y}" + (f" {self.hour:02d}:00" if self.hour is not None else "")

    def message(self, names: dict[str, str] | None = None) -> str:
        value, limit = format_pair(self.kpi, self.value, self.limit)
        n = f" (n = {self.n:,})" if self.n is not None else ""
        word = CONDITION_WORDS[self.condition]
        where = self.where_named(names)
        text = f"{kpi_label(self.kpi)} {value}{n} on {self.when}, {where}: {self.direction} the {word} {limit}"
        if self.condition == "limits" and self.reference is not None:
            text += f" (centre {format_value(self.kpi, self.reference)}, {self.chart} chart)"
        elif self.condition == "change" and self.reference is not None:
            text += f" (previous {format_value(self.kpi, self.reference)})"
        elif self.condition == "target" and self.reference is not None and self.reference != self.limit:
            text = (f"{kpi_label(self.kpi)} {value}{n} on {self.when}, {where}: {self.direction} the target "
                    f"{format_value(self.kpi, self.reference)} beyond its amber margin (limit {limit})")
        return text

    def page(self) -> str:
        return page_for(self.kpi)

    def link(self, base_url: str, names: dict[str, str] | None = None) -> str:
        """The app URL of the view that shows this alert (`names`: settings.display_names)."""
        return app_link(base_url, self.page(), self.filters, names)

    def drillable(self) -> bool:
        """Whether the contacts behind this alert can be listed (etl.drilldown: not for surveys' CSAT)."""
        return drillable(self.kpi)

    def contacts(self) -> dict | None:
        """The etl.drilldown.kpi_contacts arguments that list the contacts behind this alert: the KPI and the
        filters (the day, the rule's filters and the group that fired), plus the hour for an hourly rule (the
        contacts offered in that hour of the reporting time zone)."""
        if not self.drillable():
            return None
        filters = {k: v for k, v in self.filters.model_dump(mode="json").items() if v}
        return {"kpi": self.kpi, "filters": filters, **({"hour": self.hour} if self.hour is not None else {})}

    def contacts_link(self, base_url: str, names: dict[str, str] | None = None) -> str | None:
        """The app URL that opens this alert's view with the contacts behind it listed (etl.drilldown's drill
        parameters: the KPI, the day and, for an hourly alert, the hour)."""
        if not self.drillable():
            return None
        return app_link(base_url, self.page(), self.filters, names,
                        extra=drill_params(self.kpi, self.day, self.hour))

    def to_dict(self, base_url: str | None = None, names: dict[str, str] | None = None) -> dict:
        drill = {k: v for k, v in self.filters.model_dump(mode="json").items() if v}
        if self.hour is not None:
            drill["hour"] = self.hour
        out = {
            "rule": self.rule, "kpi": self.kpi, "condition": self.condition, "grain": self.grain,
            "day": self.day.isoformat(), "hour": self.hour, "group": dict(self.group),
            "value": _number(self.value), "n": self.n, "limit": _number(self.limit), "direction": self.direction,
            "reference": _number(self.reference), "chart": self.chart, "message": self.message(names),
            "drilldown": {"page": self.page(), "filters": drill}, "contacts": self.contacts(),
        }
        if base_url:
            out["link"] = self.link(base_url, names)
            out["contacts_link"] = self.contacts_link(base_url, names)
        return out


def _member(dim: str, value: str | None, names: dict[str, str] | None) -> str:
    if value is None:
        return "(none)"
    return display_name(value, names) if names is not None and dim in ("queue", "channel") else value


def _number(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), 6)
