"""Proof against a hostile delivery (tests/hostile_delivery.py): it loads without a crash, every row is loaded or
quarantined, and no planted patient identifier reaches the warehouse, the load report, the command line's output
or its error messages."""

from __future__ import annotations

import pytest

from etl.contract import FILE_SPECS
from etl.load import load
from etl.settings import Settings
from tests.hostile_delivery import FILES, MARKERS, found_markers, write_hostile_delivery

pytestmark = pytest.mark.prove
KEY = "hostile-key-0123456789abcdef"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    folder = write_hostile_delivery(root / "delivery")
    settings = Settings(db_path=root / "w.duckdb", pseudonym_key=KEY)
    return folder, settings, load([folder], settings)


def test_the_hostile_delivery_plants_every_marker_in_every_file(hostile):
    folder, _, _ = hostile
    assert {p.name for p in folder.iterdir()} == {spec.file_name for spec in FILE_SPECS} == set(FILES)
    text = "".join(p.read_text() for p in folder.iterdir())
    assert found_markers(text) == list(MARKERS)
    for path in folder.iterdir():
        assert found_markers(path.read_text()), path.name


def test_the_hostile_delivery_loads_and_every_row_is_accounted_for(hostile):
    _, _, report = hostile
    by_file = {f.kind: f for f in report.files}
    assert set(by_file) == {spec.table for spec in FILE_SPECS}
    for f in report.files:
        assert f.rows_read == f.loaded + f.replaced + f.quarantined, f.kind
        assert f.loaded > 0 and f.quarantined > 0, f.kind
    # a number too large for the warehouse's integer columns is quarantined, not a failed cast that stops the load
    assert by_file["calls"].reasons.get("hold_seconds is too large; answered_at before offered_at") == 1
