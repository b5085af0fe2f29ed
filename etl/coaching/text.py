"""Coaching in words: the rule in one sentence a trainer understands, and the evidence behind a flag."""

from __future__ import annotations

from etl.coaching.scorecard import period_label
from etl.plain_text import markdown
from etl.settings import Settings


def markdown_text(text: str) -> str:
    """A name from a delivery shown literally inside Markdown (etl.plain_text.markdown: escapes, and no autolink)."""
    return markdown(text)


def rule_sentence(settings: Settings) -> str:
    return (f"An agent is flagged on a measure only when both the agent and the rest of their team have at least "
            f"{settings.coaching_min_contacts} contacts for it, the {settings.coaching_confidence:.0%} interval for "
            f"the gap lies wholly on the worse side, and the gap survives a check across every agent and measure "
            f"on this page that keeps wrong flags to about {settings.coaching_fdr:.0%} of all flags "
            f"(agents hired in the last {settings.coaching_new_hire_days} days are compared with earlier hires at "
            f"the same weeks of tenure instead).")


def value_text(value: float, unit: str) -> str:
    if value != value:  # nan
        return "—"
    return f"{value * 100:.1f} %" if unit == "rate" else f"{value:,.0f} s"


def difference_text(low: float, high: float, unit: str) -> str:
    if unit == "relative":
        return f"typical time {low * 100:+.1f} % to {high * 100:+.1f} %"
    return f"difference {low * 100:+.1f} to {high * 100:+.1f} points"


def evidence_sentence(row, agent_label: str, settings: Settings) -> str:
    """One flag (a row of coaching_scorecard()) as a sentence: agent value with n, reference value with n, the
    difference with its interval, and the period. `agent_label` is inserted as given (escape it first)."""
    return (f"{agent_label} ({markdown_text(row.team)}) — {row.measure}: {value_text(row.value, row.unit)} "
            f"(n = {row.n:,}) against {value_text(row.team_value, row.unit)} for the {row.compared_with} "
            f"(n = {row.team_n:,}); {difference_text(row.difference_low, row.difference_high, row.difference_unit)} "
            f"({settings.coaching_confidence:.0%} interval); {period_label(row.period_from, row.period_to)}.")
