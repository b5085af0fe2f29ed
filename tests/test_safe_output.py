"""Errors without data and safe files: every command ends on one line without row values (a failing cast in a mapped
load included; --debug adds a masked traceback), `kpi --format csv` is neutralised like the reports, `--out` refuses
folders, devices and symbolic links, and every file carekpi writes is owner-only (0600)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from etl.cli import main
from tests.conftest import EXAMPLE, write_delivery

KEY = "safe-output-key-0123456789abcdef"
EMAIL = "jane.doe@example.com"


@pytest.fixture
def key_env(monkeypatch):
    monkeypatch.setenv("CAREKPI_PSEUDONYM_KEY", KEY)
    monkeypatch.delenv("CAREKPI_PSEUDONYM_KEY_FILE", raising=False)


def test_a_failing_cast_in_a_mapped_load_ends_on_one_line_without_the_value(tmp_path, capsys, key_env):
    source = tmp_path / "chats.jsonl"
    source.write_text(json.dumps({"id": "z-1", "dept": "Pharmacy", "visitor": EMAIL,
                                  "t": "2026-01-06T09:00:00Z", "e": "2026-01-06T09:12:00Z"}) + "\n")
    mapping = tmp_path / "m.toml"
    mapping.write_text('table = "chats"\n[source]\nformat = "jsonl"\n[columns]\nchat_id = "id"\nqueue = "dept"\n'
                       'requested_at = "t"\nended_at = "e"\nacw_seconds = "visitor::integer"\n')
    db = str(tmp_path / "w.duckdb")
    assert main(["load", "--mapping", str(mapping), str(source), "--db", db]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and EMAIL not in err and "jane" not in err
    assert err.startswith("carekpi load: error: unexpected ConversionException (Conversion Error")
    assert main(["--debug", "load", "--mapping", str(mapping), str(source), "--db", db]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and EMAIL not in err and "jane" not in err
    assert not Path(db).exists()


def test_kpi_csv_is_neutralised_like_the_reports(tmp_path, capsys, key_env):
    agents = [row[:] for row in EXAMPLE["agents.csv"]]
    agents[1][2] = '=HYPERLINK("http://evil.example","x")'  # A1's team
    folder = write_delivery(tmp_path / "d", {**EXAMPLE, "agents.csv": agents})
    db = str(tmp_path / "w.duckdb")
    assert main(["load", str(folder), "--db", db]) == 0
    capsys.readouterr()
    assert main(["kpi", "--db", db, "--from", "2026-01-01", "--to", "2026-01-31", "--by", "team",
                 "--format", "csv"]) == 0
    out = capsys.readouterr().out
    cells = [cell for line in out.splitlines() for cell in line.split(",")]
    assert not any(cell.lstrip('"').startswith(("=", "+", "@")) for cell in cells), out
    assert any(cell.lstrip('"').startswith("'=HYPERLINK") for cell in cells), out


@pytest.mark.parametrize("target", ["folder", "device", "symlink"])
def test_report_out_refuses_folders_devices_and_symbolic_links(tmp_path, capsys, key_env, example_db, target):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = {"folder": tmp_path, "device": Path("/dev/full"), "symlink": tmp_path / "link.csv"}[target]
    if target == "symlink":
        out.symlink_to(victim)
    status = main(["report", "--db", str(example_db.db_path), "--partner", "P1", "--from", "2026-01-01",
                   "--to", "2026-01-31", "--format", "csv", "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert {"folder": "is a folder", "device": "device", "symlink": "symbolic link"}[target] in err
    assert victim.read_text() == "keep me"


def test_every_file_carekpi_writes_is_owner_only(tmp_path, capsys, key_env, monkeypatch):
    monkeypatch.setenv("CAREKPI_AUDIT_LOG", str(tmp_path / "audit" / "audit.jsonl"))
    previous = os.umask(0o022)  # a permissive umask, as on most systems
    try:
        folder = write_delivery(tmp_path / "d", EXAMPLE)
        db = tmp_path / "wh" / "w.duckdb"
        assert main(["load", str(folder), "--db", str(db)]) == 0
        report = tmp_path / "report.csv"
        assert main(["report", "--db", str(db), "--partner", "P1", "--from", "2026-01-01", "--to", "2026-01-31",
                     "--format", "csv", "--out", str(report)]) == 0
        from etl.load import load
        from etl.settings import Settings
        load([folder], Settings(db_path=tmp_path / "lib" / "w.duckdb", pseudonym_key=KEY))  # the library too
    finally:
        os.umask(previous)
    written = [p for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink() and tmp_path / "d" not in p.parents]
    modes = {str(p.relative_to(tmp_path)): oct(stat.S_IMODE(p.stat().st_mode)) for p in written}
    assert report.name in modes and any(name.endswith(".duckdb") for name in modes)
    assert (tmp_path / "audit" / "audit.jsonl").exists()
    assert {name: mode for name, mode in modes.items() if mode != "0o600"} == {}
