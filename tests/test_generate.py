"""The generator: deterministic for a seed, in the contract, and its KPIs land near real-world levels."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from etl.generate import generate
from etl.kpis import Filters, kpi_table
from etl.load import load
from etl.settings import Settings
from etl.warehouse import connect_read_only

ROOT = Path(__file__).resolve().parent.parent
END = dt.date(2026, 11, 22)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


def test_same_seed_same_files(tmp_path):
    generate(tmp_path / "a", days=5, seed=3, contacts_per_day=50, end=END)
    generate(tmp_path / "b", days=5, seed=3, contacts_per_day=50, end=END)
    generate(tmp_path / "c", days=5, seed=4, contacts_per_day=50, end=END)
    assert digest(tmp_path / "a") == digest(tmp_path / "b") != digest(tmp_path / "c")


def test_shipped_sample_data_is_what_the_generator_makes(tmp_path):
    generate(tmp_path / "s", days=90, seed=7, contacts_per_day=400, end=END)
    assert digest(tmp_path / "s") == digest(ROOT / "sample_data")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    settings = Settings(db_path=tmp_path_factory.mktemp("gen") / "w.duckdb", pseudonym_key="g" * 20)
    report = load([ROOT / "sample_data"], settings)
    con = connect_read_only(settings.db_path)
    row = kpi_table(con, Filters(date_from=END - dt.timedelta(days=89), date_to=END), (), settings).iloc[0]
    con.close()
    return report, row


def test_sample_kpis_land_near_real_world_levels(sample):
    _, row = sample
    assert 0.75 <= row["service_level"] <= 0.85
    assert 0.05 <= row["abandon_rate"] <= 0.07
    assert 0.65 <= row["fcr_rate"] <= 0.78
    assert 0.78 <= row["csat_top2_rate"] <= 0.86
    assert row["contacts_offered"] > 30_000


def test_sample_has_its_deliberately_bad_rows(sample):
    report, _ = sample
    reasons = {f.kind: f.reasons for f in report.files}
    assert reasons["calls"] == {
        "answered_at before offered_at": 1,
        "offered_at is not an ISO 8601 timestamp; ended_at is not an ISO 8601 timestamp": 1,
        "queue is missing": 1,
    }
    assert reasons["surveys"] == {"csat 7 not in 1..5": 1}
    assert reasons["qa_evaluations"] == {"result is not pass, fail or na": 1}
    assert report.unmapped_queues == ["after_hours"]
    assert report.unmatched_surveys == 1
    assert report.uncatalogued_qa_items == ["empathy"]
