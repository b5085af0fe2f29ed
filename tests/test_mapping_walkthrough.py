"""docs/mappings.md walks a new user from a raw export to a checked load ("From a raw export to a checked load, step
by step"). This runs that section as written: its TOML snippets put together are the mapping it ships
(docs/walkthrough/my_platform.toml), the preview before the rule of step 6 sets aside what the text says, and
every `carekpi` command of the section, run from the repository's root, prints the figures the text works out by
hand from the export."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

import pytest

from etl.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "mappings.md").read_text(encoding="utf-8")
SECTION = DOC[DOC.index("## From a raw export to a checked load"):]
SECTION = SECTION[:SECTION.index("\n## ", 10)]


def blocks(language: str) -> list[str]:
    """The section's fenced code blocks of one language, unindented."""
    found = re.findall(rf"^( *)```{language}\n(.*?)^\1```", SECTION, flags=re.S | re.M)
    return ["\n".join(line[len(indent):] for line in body.splitlines()) + "\n" for indent, body in found]


@pytest.fixture
def at_root(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("CAREKPI_PSEUDONYM_KEY", "walkthrough-key-0123456789")
    monkeypatch.delenv("CAREKPI_PSEUDONYM_KEY_FILE", raising=False)
    return tmp_path


def run(command: str, tmp_path: Path, capsys) -> str:
    """One `carekpi ...` command of the section, its warehouse redirected to tmp_path; its standard output."""
    args = shlex.split(command.replace("var/walkthrough.duckdb", str(tmp_path / "walkthrough.duckdb")))
    assert args[0] == "carekpi"
    assert main(args[1:]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def test_the_snippets_put_together_are_the_shipped_mapping():
    source, columns, rule = blocks("toml")
    shipped = tomllib.loads((ROOT / "docs" / "walkthrough" / "my_platform.toml").read_text())
    assert tomllib.loads(source + columns + rule) == shipped


def test_the_preview_before_the_rule_sets_aside_what_the_text_says(at_root, capsys):
    source, columns, _ = blocks("toml")
    (at_root / "step5.toml").write_text(source + columns)
    preview = next(c for c in blocks("sh") if "mapping preview" in c).strip()
    out = run(preview.replace("docs/walkthrough/my_platform.toml", str(at_root / "step5.toml")), at_root, capsys)
    assert "would be quarantined: 2 of 7\n  line 6: queue is missing\n  line 7: answered_at before offered_at" in out
    assert "07700900" not in out  # the callers' numbers are never shown


def test_every_command_prints_what_the_text_works_out(at_root, capsys):
    preview, load, kpi = (c.strip() for c in blocks("sh"))
    out = run(preview, at_root, capsys)
    assert "would be quarantined: 3 of 7\n  line 5: a consultation between agents, not a contact" in out
    out = run(load, at_root, capsys)
    assert re.search(r"calls-2026-03-02\.csv +7 +4 +0 +3\n", out), out
    assert all(f"1  {reason}" in out for reason in ("a consultation between agents, not a contact",
                                                     "answered_at before offered_at", "queue is missing"))
    table = {re.sub(r" {2,}.*", "", line): line.split()[-1] for line in run(kpi, at_root, capsys).splitlines()}
    assert (table["Contacts offered (contacts)"], table["Contacts handled (contacts)"], table["Service level (%)"],
            table["Abandonment (%)"], table["Speed of answer (s)"], table["Handle time (s)"]) == (
        "4", "3", "50.0", "25.0", "30", "218")
    exact = json.loads(run(kpi + " --format json", at_root, capsys))[0]
    assert (exact["asa_seconds"], exact["aht_seconds"]) == (30.0, 217.5)
