"""The measures coaching compares: which KPI, its label, and which direction is worse.

Rates are compared as two proportions (numerator and denominator from kpi_table()); handle time as log handle times
(see stats.py). Every measure's numbers come from the one KPI query; this module only names them.
"""

from __future__ import annotations

from dataclasses import dataclass

from etl.settings import Settings


@dataclass(frozen=True)
class Measure:
    kpi: str
    label: str
    higher_is_better: bool
    mean: bool = False  # handle time: a mean of times rather than a rate

    @property
    def unit(self) -> str:
        return "seconds" if self.mean else "rate"


def measures(settings: Settings) -> list[Measure]:
    base = [
        Measure("fcr_rate", "FCR", True),
        Measure("csat_top2_rate", "CSAT top-2", True),
        Measure("transfer_rate", "Transfers", False),
        Measure("aht_seconds", "Handle time", False, mean=True),
        Measure("qa_compliant_rate", "QA compliance", True),
    ]
    items = [Measure(f"qa_item_{item.name}_rate", f"QA: {item.name.replace('_', ' ')}", True)
             for item in settings.qa_items]
    return base + items


def measure_by_kpi(settings: Settings) -> dict[str, Measure]:
    return {m.kpi: m for m in measures(settings)}


def topics(settings: Settings) -> list[str]:
    """What a coaching session may be about: a compared KPI's name or a QA item's name."""
    return [m.kpi for m in measures(settings)] + settings.item_names
