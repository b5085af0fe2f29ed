"""Configuration: one pydantic model, read from an optional TOML file and CAREKPI_* environment variables.

Nothing here touches the disk or the network at import time; `load_settings()` does the reading.
Precedence (highest first): keyword arguments, environment variables, the TOML file, the defaults below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from etl.alerts.config import AlertSettings
from etl.delivery.config import DeliverySettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "var" / "carekpi.duckdb"
CONFIG_ENV = "CAREKPI_CONFIG"


class QaItem(BaseModel):
    """One item of the QA scorecard; a failed critical item makes the whole evaluation non-compliant."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    critical: bool = False
    description: str = ""


class Target(BaseModel):
    """A KPI target. `higher_is_better` decides which side of the target is green; `amber_margin` is the band
    (in the KPI's own unit) on the wrong side of the target that is amber rather than red."""

    value: float
    higher_is_better: bool = True
    amber_margin: float = 0.0


DEFAULT_QA_ITEMS = [
    QaItem(name="identity_verified", critical=True,
           description="identity checked before any patient information was shared"),
    QaItem(name="minimum_necessary", critical=True,
           description="only the minimum necessary patient information was disclosed"),
    QaItem(name="clinical_escalation", critical=True,
           description="no clinical advice given; clinical questions routed to licensed staff"),
    QaItem(name="recording_disclosure", description="the call-recording disclosure was given"),
    QaItem(name="documentation_complete", description="the contact was documented completely"),
]

DEFAULT_TARGETS = {
    "service_level": Target(value=0.80, amber_margin=0.05),
    "abandon_rate": Target(value=0.06, higher_is_better=False, amber_margin=0.02),
    "asa_seconds": Target(value=30, higher_is_better=False, amber_margin=15),
    "aht_seconds": Target(value=420, higher_is_better=False, amber_margin=60),
    "fcr_rate": Target(value=0.70, amber_margin=0.05),
    "csat_top2_rate": Target(value=0.80, amber_margin=0.05),
    "transfer_rate": Target(value=0.10, higher_is_better=False, amber_margin=0.03),
    "qa_compliant_rate": Target(value=0.90, amber_margin=0.05),
    "qa_coverage": Target(value=0.02, amber_margin=0.01),
    "survey_response_rate": Target(value=0.15, amber_margin=0.05),
}


class Settings(BaseSettings):
    """Every threshold the KPIs use, the time zones, the warehouse path and the pseudonym key."""

    model_config = SettingsConfigDict(env_prefix="CAREKPI_", env_nested_delimiter="__", extra="forbid")

    db_path: Path = DEFAULT_DB
    source_timezone: str = "UTC"
    reporting_timezone: str = "UTC"
    fcr_window_hours: int = Field(168, gt=0)
    fcr_same_reason: bool = False
    short_abandon_seconds: int = Field(5, ge=0)
    sl_threshold_voice_seconds: int = Field(30, gt=0)
    sl_threshold_other_seconds: int = Field(60, gt=0)
    include_licensed: bool = False
    future_tolerance_hours: float = Field(24, ge=0)
    pseudonym_key: SecretStr | None = None
    pseudonym_key_file: Path = Path.home() / ".config" / "carekpi" / "pseudonym.key"
    qa_items: list[QaItem] = Field(default_factory=lambda: list(DEFAULT_QA_ITEMS))
    targets: dict[str, Target] = Field(default_factory=lambda: dict(DEFAULT_TARGETS))
    load_memory_limit: str = Field("1500MB", pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$")
    users_file: Path = PROJECT_ROOT / "var" / "users.toml"
    audit_log: Path = PROJECT_ROOT / "var" / "audit.jsonl"
    session_secret: SecretStr | None = None
    report_min_cell_size: int = Field(5, ge=0)
    coaching_min_contacts: int = Field(30, gt=0)
    coaching_confidence: float = Field(0.95, gt=0, lt=1)
    alerts: AlertSettings = Field(default_factory=AlertSettings, description="alert rules, limits, notices")
    delivery: DeliverySettings = Field(default_factory=DeliverySettings, description="subscriptions, SMTP, drop")
    coaching_fdr: float = Field(0.05, gt=0, lt=1, description="coaching flags: Benjamini-Hochberg false-discovery "
                                "rate across every agent x measure on the page")
    coaching_weeks_around_session: int = Field(4, gt=0, description="coaching loop: weeks read before and after "
                                               "each coaching session")
    coaching_new_hire_days: int = Field(90, gt=0, description="tenure (days) up to which an agent is compared with "
                                        "earlier hires at the same weeks of tenure rather than the rest of the team")
    # Log-in and sessions (etl/login_guard.py, etl/access.py, dashboard/session.py)
    login_max_failures_per_user: int = Field(5, gt=0, description="failed log-ins that lock a user name")
    login_max_failures_per_client: int = Field(20, gt=0, description="failed log-ins that lock a client address")
    login_failure_window_seconds: int = Field(900, gt=0, description="how long a failed log-in counts")
    login_lockout_seconds: int = Field(900, gt=0, description="how long a lock lasts after the latest failure")
    login_throttle_after: int = Field(3, gt=0, description="failures after which attempts must wait")
    login_throttle_seconds: float = Field(1.0, ge=0, description="first wait; doubles with each further failure")
    login_trust_forwarded_for: bool = Field(False, description="client = last X-Forwarded-For hop (behind a proxy)")
    login_state_file: Path | None = Field(None, description="default: login-guard.json beside the users file")
    session_idle_minutes: float = Field(30, gt=0, description="a session ends after this long without use")
    session_max_hours: float = Field(12, gt=0, description="a session ends this long after log-in, used or not")
    password_min_score: int = Field(3, ge=0, le=4, description="zxcvbn score (0-4) a new password must reach")
    download_ttl_seconds: float = Field(10, gt=0, description="a made download is served for ttl to 2 x ttl seconds")
    display_names: dict[str, str] = Field(
        default_factory=dict,
        description="What screens and reports call a catalogue id (queue, QA item, reason, channel): "
                    "{'after_hours': 'After-hours line'}; an id without one reads with spaces for underscores and "
                    "a capital first letter.")
    load_refuse_junk_share: float | None = Field(
        None, gt=0, le=1, description="refuse a load when more than this share of a file's rows cannot be loaded "
        "(unreadable or quarantined); unset: quarantine them all")
    # `carekpi build` (etl/build/): the dbt models on DuckDB or Apache Spark
    build_dir: Path | None = Field(None, description="where `carekpi build` keeps its inputs, outputs and dbt state "
                                   "(default: <db_path>.build beside the warehouse); on a Spark cluster, a folder "
                                   "every executor can read and write")
    spark_master: str = Field("local[2]", description="Spark master URL for `carekpi build --engine spark`: "
                              "local[N], spark://host:7077, yarn, k8s://...")
    spark_remote: str | None = Field(None, validation_alias=AliasChoices("spark_remote", "CAREKPI_SPARK_REMOTE",
                                                                         "SPARK_REMOTE"),
                                     description="a Spark Connect URL (sc://host:15002); wins over spark_master")

    @field_validator("source_timezone", "reporting_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("targets", mode="after")
    @classmethod
    def _targets_over_defaults(cls, value: dict[str, Target]) -> dict[str, Target]:
        """A target set in the file or environment replaces that KPI's default; the others keep theirs."""
        return {**DEFAULT_TARGETS, **value}

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get(CONFIG_ENV)
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)

    @property
    def critical_items(self) -> list[str]:
        return [item.name for item in self.qa_items if item.critical]

    @property
    def item_names(self) -> list[str]:
        return [item.name for item in self.qa_items]

    @property
    def build_path(self) -> Path:
        return self.build_dir or self.db_path.with_name(self.db_path.name + ".build")


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Settings from `config_file` (or $CAREKPI_CONFIG), the environment, and explicit overrides."""
    if config_file is not None:
        if not Path(config_file).is_file():
            raise FileNotFoundError(f"configuration file not found: {config_file}")
        previous = os.environ.get(CONFIG_ENV)
        os.environ[CONFIG_ENV] = str(config_file)
        try:
            return Settings(**overrides)
        finally:
            if previous is None:
                del os.environ[CONFIG_ENV]
            else:
                os.environ[CONFIG_ENV] = previous
    return Settings(**overrides)
