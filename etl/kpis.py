"""The KPIs: their names, units and formulas in words, and THE query function every consumer calls.

Each KPI's arithmetic is written once, in etl/sql/queries/kpi_table.sql, over the additive marts (kpi_grain and
qa_item_grain; their hourly twins when grouping by hour; their sums over the agents when neither grouping nor
filtering by agent: `marts()`). `kpi_table()` binds the filters, groupings and the
user's scope and returns one row per group with every KPI and its numerator and denominator. The dashboard, the
command line and reports all call it; nothing else divides.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Literal

import duckdb
import pandas as pd
from pydantic import BaseModel, Field, model_validator

from etl import sqlfiles
from etl.settings import Settings

DIMENSIONS = ("day", "week", "month", "hour", "channel", "queue", "team", "site", "partner", "agent")
Unit = Literal["count", "rate", "seconds", "score"]


@dataclass(frozen=True)
class Kpi:
    name: str
    label: str
    unit: Unit
    formula: str
    higher_is_better: bool | None = None
    ratio: bool = True  # returned with _num and _den columns
    extra: tuple[str, ...] = ()  # further columns returned with it


KPIS: tuple[Kpi, ...] = (
    Kpi("contacts_offered", "Contacts offered", "count",
        "inbound legs offered (calls offered, chats requested; not those ended in the IVR)", None, False),
    Kpi("contacts_handled", "Contacts handled", "count", "inbound legs answered or accepted", None, False),
    Kpi("short_abandons", "Short abandons", "count",
        "queued inbound legs abandoned less than 5 s after being offered", None, False),
    Kpi("fcr_pending", "FCR pending", "count", "handled conversations whose 7-day FCR window is still open",
        None, False),
    Kpi("conversations_offered", "Conversations offered", "count",
        "inbound conversations (all their legs counted once)", None, False),
    Kpi("outbound_contacts", "Outbound contacts", "count", "outbound legs placed by agents or the platform",
        None, False),
    Kpi("outbound_handled", "Outbound connected", "count", "outbound legs connected to an agent", None, False),
    Kpi("callback_contacts", "Callbacks", "count", "callback legs (the centre calling back on request)", None, False),
    Kpi("callback_handled", "Callbacks connected", "count", "callback legs connected to an agent", None, False),
    Kpi("callbacks_scheduled", "Callbacks scheduled", "count", "inbound legs that ended with a callback scheduled",
        None, False),
    Kpi("service_level", "Service level", "rate",
        "queued inbound legs answered within the channel's threshold (voice 30 s, others 60 s) ÷ queued inbound "
        "legs that left the queue (answered, abandoned, callback or other; not moved, not short abandons)", True),
    Kpi("abandon_rate", "Abandonment", "rate",
        "queued inbound legs the customer abandoned (short abandons excepted) ÷ the same denominator as service "
        "level", False),
    Kpi("asa_seconds", "Speed of answer", "seconds", "mean wait (answered − offered) of queued inbound legs answered",
        False),
    Kpi("aht_seconds", "Handle time", "seconds",
        "mean per handled inbound leg of talk + hold + after-contact work (talk_seconds given), else "
        "(ended − answered) + after-contact work", False,
        extra=("aht_seconds_sumsq",)),  # the sum of squares, for confidence intervals
    Kpi("conversation_aht_seconds", "Handle time per conversation", "seconds",
        "handle time of all legs of each handled inbound conversation ÷ handled inbound conversations", False),
    Kpi("transfer_rate", "Transfers", "rate", "handled inbound legs transferred ÷ handled inbound legs", False),
    Kpi("transfer_internal_rate", "Internal transfers", "rate",
        "handled inbound legs transferred within the centre ÷ handled inbound legs", False),
    Kpi("transfer_external_rate", "External transfers", "rate",
        "handled inbound legs transferred out of the centre ÷ handled inbound legs", False),
    Kpi("clinical_escalation_rate", "Clinical escalations", "rate",
        "handled contacts escalated to licensed clinical staff ÷ handled contacts", None),
    Kpi("agent_resolution_rate", "Agent-marked resolution", "rate",
        "handled contacts marked resolved ÷ handled contacts whose resolved flag is set", True),
    Kpi("fcr_rate", "First-contact resolution", "rate",
        "handled inbound conversations with a closed 7-day window and no new conversation from the patient within "
        "it ÷ handled inbound conversations with a patient and a closed window", True),
    Kpi("csat_top2_rate", "CSAT (top-2)", "rate", "survey responses scoring 4 or 5 ÷ survey responses", True),
    Kpi("csat_mean", "CSAT (mean)", "score", "sum of scores ÷ survey responses (1–5)", True),
    Kpi("survey_response_rate", "Survey response rate", "rate",
        "handled contacts with at least one response ÷ handled contacts", True),
    Kpi("qa_compliant_rate", "QA compliance", "rate", "evaluations with no failed critical item ÷ evaluations", True),
    Kpi("qa_coverage", "QA coverage", "rate", "handled contacts evaluated ÷ handled contacts", True),
    Kpi("channel_share", "Channel share", "rate",
        "the group's offered contacts ÷ offered contacts of all channels sharing its other dimensions", None),
)
KPI_BY_NAME = {kpi.name: kpi for kpi in KPIS}


def qa_item_kpis(settings: Settings) -> list[Kpi]:
    """One pass-rate KPI per catalogue item: pass ÷ (pass + fail), na excluded."""
    return [
        Kpi(f"qa_item_{item.name}_rate", f"QA: {item.name.replace('_', ' ')}", "rate",
            f"evaluations passing '{item.name}' ÷ evaluations scoring it pass or fail (na excluded)"
            + (" — critical item" if item.critical else ""), True)
        for item in settings.qa_items
    ]


def all_kpis(settings: Settings) -> list[Kpi]:
    return [*KPIS, *qa_item_kpis(settings)]


def kpi_columns(settings: Settings) -> list[str]:
    """The KPI columns of kpi_table(), in order: each KPI, then its _num and _den when it is a ratio."""
    columns: list[str] = []
    for kpi in all_kpis(settings):
        columns.append(kpi.name)
        if kpi.ratio:
            columns += [f"{kpi.name}_num", f"{kpi.name}_den"]
        columns += list(kpi.extra)
    return columns


class Filters(BaseModel):
    """What the user chose: an inclusive date range in the reporting time zone and optional value lists
    (an empty list means no filter)."""

    date_from: dt.date
    date_to: dt.date
    partners: list[str] = Field(default_factory=list)
    sites: list[str] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    queues: list[str] = Field(default_factory=list)
    agents: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ordered(self) -> Filters:
        if self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}")
        return self


class Scope(BaseModel):
    """What a user may see. None means unrestricted on that axis; an empty list means nothing (fail closed)."""

    partners: list[str] | None = None
    teams: list[str] | None = None


def query_params(filters: Filters, by: tuple[str, ...] | list[str], scope: Scope | None,
                 include_licensed: bool) -> dict:
    unknown = [dim for dim in by if dim not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown dimension(s) {', '.join(unknown)}; choose from {', '.join(DIMENSIONS)}")
    scope = scope or Scope()
    params = filters.model_dump()
    params.update({f"by_{dim}": dim in by for dim in DIMENSIONS})
    params.update({
        "include_licensed": include_licensed,
        "scope_partners": scope.partners,
        "scope_teams": scope.teams,
    })
    return params


class ReportingZoneMismatch(ValueError):
    """The warehouse's days and hours were built in another reporting time zone than the one asked for."""


def built_reporting_timezone(con: duckdb.DuckDBPyConnection) -> str | None:
    """The reporting time zone the warehouse's days and hours were built in (None before the first load)."""
    row = con.execute("select any_value(settings_json) from build_settings").fetchone()
    return json.loads(row[0]).get("reporting_timezone") if row and row[0] else None


def zone_mismatch_message(built: str, asked: str) -> str:
    return (f"this warehouse's days and hours were built in reporting time zone {built}, but reporting_timezone "
            f"(CAREKPI_REPORTING_TIMEZONE) is {asked}: days are fixed when the warehouse is built. Load a delivery "
            f"again with reporting_timezone {asked} to rebuild them, or set it back to {built}.")


def check_reporting_timezone(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Refuse to answer in another reporting time zone than the warehouse was built in (never silently ignore it)."""
    built = built_reporting_timezone(con)
    if built is not None and built != settings.reporting_timezone:
        raise ReportingZoneMismatch(zone_mismatch_message(built, settings.reporting_timezone))


def marts(con: duckdb.DuckDBPyConnection, by: tuple[str, ...] | list[str], filters: Filters) -> dict[str, str]:
    """The marts a query reads: the hourly ones to group by hour; else the ones summed over the agents
    (kpi_grain_teams, qa_item_grain_teams) when it neither groups nor filters by agent; else the daily ones per
    agent. All hold the same sums; the fewer rows, the faster the query. A warehouse built before the agent-free
    marts existed (its next load builds them) is read through the per-agent ones."""
    if "hour" in by:
        return {"grain": "kpi_grain_hourly", "qa_grain": "qa_item_grain_hourly"}
    if "agent" not in by and not filters.agents and _has_table(con, "kpi_grain_teams"):
        return {"grain": "kpi_grain_teams", "qa_grain": "qa_item_grain_teams"}
    return {"grain": "kpi_grain", "qa_grain": "qa_item_grain"}


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return con.execute("select count(*) from duckdb_tables() where table_name = $t "
                       "and database_name = current_database()", {"t": table}).fetchone()[0] > 0


def kpi_table(con: duckdb.DuckDBPyConnection, filters: Filters, by: tuple[str, ...] | list[str] = (),
              settings: Settings | None = None, scope: Scope | None = None,
              include_licensed: bool | None = None) -> pd.DataFrame:
    """One row per group of `by` (one row in all when `by` is empty): the dimension columns, then every KPI
    with its numerator and denominator. Groups with no contacts do not appear. Raises ReportingZoneMismatch when
    settings.reporting_timezone is not the zone the warehouse was built in."""
    settings = settings or Settings()
    check_reporting_timezone(con, settings)
    licensed = settings.include_licensed if include_licensed is None else include_licensed
    params = query_params(filters, by, scope, licensed)
    dims = [dim for dim in DIMENSIONS if dim in by]
    table = sqlfiles.query(con, "queries/kpi_table.sql", {**params, "items": settings.item_names},
                           marts(con, by, filters))
    per_group = [{entry["item"]: entry for entry in items} if _is_list(items) else {}
                 for items in table.pop("qa_items")]
    for item in settings.item_names:
        found = [group.get(item) for group in per_group]
        table[f"qa_item_{item}_rate"] = [e["rate"] if e and e["rate"] is not None else float("nan") for e in found]
        table[f"qa_item_{item}_rate_num"] = pd.array([e["num"] if e else 0 for e in found], dtype="int64")
        table[f"qa_item_{item}_rate_den"] = pd.array([e["den"] if e else 0 for e in found], dtype="int64")
    return _format_dimensions(table[dims + kpi_columns(settings)])


def _is_list(value) -> bool:
    """A group's qa_items: a list (or array) of structs; missing groups come back as None, NaN or NA."""
    return hasattr(value, "__len__") and not isinstance(value, str) and len(value) > 0


def _format_dimensions(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    for column in ("day", "week"):
        if column in table:
            table[column] = pd.to_datetime(table[column]).dt.strftime("%Y-%m-%d")
    if "hour" in table:
        table["hour"] = table["hour"].astype("int64")
    return table.reset_index(drop=True)
