"""Proof under bad input: a corpus of 200+ malformed deliveries and property-based rows. For every one: no
unhandled exception; either the whole file is refused with one clear line (and nothing is written), or every row
is accounted for: rows in (counted by Python's csv module, not the loader) = loaded + replaced + quarantined."""

from __future__ import annotations

import csv
import io
import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from etl.csv_reader import LoadError
from etl.load import load
from etl.settings import Settings
from tests.conftest import CALL_HEADER, CALLS, NOW, SURVEYS, TEST_KEY

pytestmark = pytest.mark.prove
ZONE = "America/New_York"
# `make prove` (CAREKPI_PROOF=full) runs the proof at the size docs/reliability.md reports; `make test` runs every
# malformation and property at a smaller size, to keep the suite fast.
FULL = os.environ.get("CAREKPI_PROOF") == "full"
SEEDS = 10 if FULL else 3
EXAMPLES = 150 if FULL else 25


def rows_to_bytes(rows: list[list[str]], newline: str = "\n") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows(rows)
    return out.getvalue().encode("utf-8")


def independent_count(data: bytes) -> int:
    """Records after the header, by Python's csv module; blank lines are not records."""
    csv.field_size_limit(1 << 30)
    text = data.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    records = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
    return max(len(records) - 1, 0)


def field(rows, rng, column):
    r = rng.randrange(1, len(rows))
    return r, CALL_HEADER.index(column)


def set_field(column, value):
    def mutate(rows, rng):
        r, c = field(rows, rng, column)
        rows[r][c] = value
        return rows_to_bytes(rows)
    return mutate


def raw(transform):
    def mutate(rows, rng):
        return transform(rows_to_bytes(rows), rows, rng)
    return mutate


def _line_edit(data: bytes, rng, edit) -> bytes:
    lines = data.split(b"\n")
    i = rng.randrange(1, len(lines) - 1)
    lines[i] = edit(lines[i])
    return b"\n".join(lines)


MUTATIONS = {
    "utf-8 BOM": raw(lambda d, rows, rng: b"\xef\xbb\xbf" + d),
    "Latin-1 bytes": raw(lambda d, rows, rng: _line_edit(d, rng, lambda line: line.replace(b"appt", b"r\xe9sum\xe9"))),
    "ragged row, extra field": raw(lambda d, rows, rng: _line_edit(d, rng, lambda line: line + b",extra")),
    "ragged row, missing fields": raw(lambda d, rows, rng: _line_edit(d, rng, lambda line: line.rsplit(b",", 3)[0])),
    "unclosed quote": raw(lambda d, rows, rng: _line_edit(d, rng, lambda line: line.replace(b",q", b',"q', 1))),
    "huge line": raw(lambda d, rows, rng: _line_edit(d, rng, lambda line: line + b"x" * 3_000_000)),
    "empty file": raw(lambda d, rows, rng: b""),
    "header only": raw(lambda d, rows, rng: d.split(b"\n")[0] + b"\n"),
    "duplicate header": raw(lambda d, rows, rng: d.replace(b"reason,", b"queue,", 1)),
    "missing required column": raw(lambda d, rows, rng: d.replace(b"offered_at", b"offered", 1)),
    "wrong type": set_field("hold_seconds", "twelve"),
    "out of range": set_field("acw_seconds", "-30"),
    "bad boolean": set_field("transferred", "maybe"),
    "timestamp in the wrong format": set_field("offered_at", "2026/01/05 09:00"),
    "dd-mm-yy date": set_field("ended_at", "05-01-26"),
    "nonexistent local time (DST gap)": set_field("offered_at", "2026-03-08T02:30:00"),
    "repeated local time (DST overlap)": set_field("offered_at", "2026-11-01T01:30:00"),
    "end before start": set_field("ended_at", "2025-12-31T00:00:00"),
    "id repeated within the file": raw(lambda d, rows, rng: d + d.split(b"\n", 1)[1]),
    "blank lines and CRLF": raw(lambda d, rows, rng: d.replace(b"\n", b"\r\n\r\n")),
    "NUL byte": raw(lambda d, rows, rng: _line_edit(d, rng, lambda line: line.replace(b"appt", b"ap\x00pt"))),
}
CORPUS = [(name, seed) for name in MUTATIONS for seed in range(SEEDS)]


def test_the_corpus_is_big_enough():
    assert len(MUTATIONS) == 21
    assert len(CORPUS) == 21 * SEEDS and (not FULL or len(CORPUS) >= 200)


@pytest.mark.parametrize("name, seed", CORPUS, ids=[f"{n}-{s}" for n, s in CORPUS])
def test_a_malformed_delivery_loses_nothing(tmp_path, name, seed):
    rng = random.Random(seed)
    rows = [list(r) for r in CALLS]
    data = MUTATIONS[name](rows, rng)
    folder = tmp_path / "delivery"
    folder.mkdir()
    (folder / "calls.csv").write_bytes(data)
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=TEST_KEY, source_timezone=ZONE,
                        reporting_timezone=ZONE)
    try:
        report = load([folder], settings, now=NOW)
    except LoadError as refused:
        message = str(refused)
        assert "\n" not in message and message.startswith(str(folder / "calls.csv"))
        assert not settings.db_path.exists()  # nothing was written
        return
    (calls,) = report.files
    assert calls.rows_read == independent_count(data)
    assert calls.loaded + calls.replaced + calls.quarantined == calls.rows_read
    assert all(reason.strip() for reason in calls.reasons)


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
TIMESTAMPS = st.one_of(TEXT, st.sampled_from(["2026-01-05T09:00:00", "2026-01-05 09:00", "2026-01-05T09:00:00Z",
                                              "2026-01-05T09:00:00+05:30", "2026-02-30T09:00:00", "", "  "]))
FLAGS = st.one_of(TEXT, st.sampled_from(["yes", "NO", "1", "0", "true", "False", "y", ""]))
COUNTS = st.one_of(TEXT, st.integers(-100, 10_000).map(str))
ROW = st.tuples(TEXT, TEXT, TEXT, TEXT, TEXT, TIMESTAMPS, TIMESTAMPS, TIMESTAMPS, COUNTS, COUNTS, FLAGS, FLAGS,
                FLAGS).map(list)
SURVEY_ROW = st.tuples(TEXT, TEXT, TIMESTAMPS, st.one_of(TEXT, st.integers(-3, 9).map(str))).map(list)


@hsettings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls=st.lists(ROW, max_size=12), surveys=st.lists(SURVEY_ROW, max_size=8))
def test_any_row_values_are_loaded_or_quarantined(tmp_path_factory, calls, surveys):
    folder = tmp_path_factory.mktemp("prop")
    data = {"calls.csv": rows_to_bytes([CALL_HEADER, *calls]),
            "surveys.csv": rows_to_bytes([SURVEYS[0], *surveys])}
    for name, content in data.items():
        (folder / name).write_bytes(content)
    settings = Settings(db_path=folder / "w.duckdb", pseudonym_key=TEST_KEY)
    report = load([folder], settings, now=NOW)
    for f in report.files:
        assert f.rows_read == independent_count(data[Path(f.file).name])
        assert f.loaded + f.replaced + f.quarantined == f.rows_read
