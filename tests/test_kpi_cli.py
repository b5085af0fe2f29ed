"""`carekpi kpi` for people: repeated --by flags add up, a table with units, targets and totals, clear errors for
reversed dates and misspelled names, help for every option. Figures from the worked example (docs/kpis.md)."""

from __future__ import annotations

import pytest

from etl.cli import _parser, main


@pytest.fixture
def db(example_db, monkeypatch):
    monkeypatch.setenv("CAREKPI_PSEUDONYM_KEY", "unused-for-reading-0123456789")
    return str(example_db.db_path)


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(["kpi", "--db", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_repeated_by_flags_add_up(db, capsys):
    code, out, _ = run(capsys, db, "--from", "2026-01-01", "--to", "2026-01-31", "--by", "partner", "--by",
                       "channel", "--format", "csv")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("channel,partner,contacts_offered,")
    # P1: voice C1 C2 C3 (C6 licensed, left out), chat M1; P2: voice C4 C5, sms M2
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["chat", "P1", "1"], ["sms", "P2", "1"], ["voice", "P1", "3"], ["voice", "P2", "2"]]


def test_the_table_shows_units_targets_and_a_total_with_whole_headers(db, capsys):
    code, out, _ = run(capsys, db, "--from", "2026-01-01", "--to", "2026-01-31", "--by", "partner")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["KPI", "(unit)", "target", "P1", "P2", "total"]
    offered = next(line for line in lines if line.startswith("Contacts offered (contacts)"))
    assert offered.split()[-3:] == ["4", "3", "7"]
    sl = next(line for line in lines if line.startswith("Service level (%)"))
    assert "≥ 80.0" in sl
    aht = next(line for line in lines if line.startswith("Handle time (s)"))
    assert "≤ 420" in aht
    code, out, _ = run(capsys, db, "--from", "2026-01-01", "--to", "2026-01-31", "--by", "day", "--by", "queue")
    header = out.splitlines()[0]
    assert "2026-01-05 / q1" in header and "2026-01-06 / q1" in header  # never cut to look the same


def test_reversed_dates_and_misspelled_names_are_clear_errors(db, capsys):
    code, out, err = run(capsys, db, "--from", "2026-01-31", "--to", "2026-01-01")
    assert (code, out) == (2, "")
    assert err == "carekpi kpi: error: --from is after --to; give the earlier day first\n"
    code, out, err = run(capsys, db, "--from", "2026-01-01", "--to", "2026-01-31", "--partner", "p1")
    assert (code, out) == (2, "")
    assert err == "carekpi kpi: error: no partner 'p1' in the warehouse; did you mean 'P1'?\n"
    code, _, err = run(capsys, db, "--from", "2026-01-01", "--to", "2026-01-31", "--queue", "zz")
    assert code == 2 and err == "carekpi kpi: error: no queue 'zz' in the warehouse\n"


def test_every_kpi_option_has_help():
    kpi = next(a for a in _parser()._subparsers._group_actions[0].choices.items() if a[0] == "kpi")[1]
    missing = [a.option_strings for a in kpi._actions if a.option_strings and not a.help]
    assert missing == []
