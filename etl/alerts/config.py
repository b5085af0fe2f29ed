"""The alert settings (the `[alerts]` table of the settings file, or CAREKPI_ALERTS__<NAME> variables)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class AlertSettings(BaseModel):
    rules_file: Path | None = Field(None, description="TOML rules file; none: the built-in default rules")
    min_n: int = Field(30, ge=1, description="smallest denominator (n) on which a rate or mean alert may fire")
    sigma: float = Field(3.0, gt=0, description="control limits at centre ± sigma standard errors")
    history_weeks: int = Field(8, ge=2, le=52, description="same-weekday history behind the control limits")
    min_history: int = Field(4, ge=2, description="fewest same-weekday points with data before limits are drawn")
    freshness_hours: float = Field(36, gt=0, description="latest contact older than this raises a notice")
    quarantine_share: float = Field(0.02, ge=0, le=1,
                                    description="a load quarantining more than this share of rows raises a notice")
