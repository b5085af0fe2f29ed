"""The docs stay true: every KPI the code defines is in docs/kpis.md, every setting and command in the README."""

from __future__ import annotations

from pathlib import Path

from etl.cli import _parser
from etl.kpis import kpi_columns
from etl.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_kpi_column_is_defined_in_docs_kpis_md():
    text = (ROOT / "docs" / "kpis.md").read_text()
    kpis = [c for c in kpi_columns(Settings()) if not c.endswith(("_num", "_den", "_sumsq"))]
    missing = [k for k in kpis if f"`{k}`" not in text]
    assert missing == []


def test_every_setting_is_in_the_readme():
    text = (ROOT / "README.md").read_text()
    assert [name for name in Settings.model_fields if f"`{name}`" not in text] == []


def test_every_command_is_in_the_readme():
    text = (ROOT / "README.md").read_text()
    commands = _parser()._subparsers._group_actions[0].choices
    assert [c for c in commands if f"carekpi {c}" not in text] == []
    assert text.index("make run") < text.index("make test") < 900


def test_every_contract_column_is_in_the_data_contract():
    from etl.contract import FILE_SPECS

    text = (ROOT / "docs" / "data-contract.md").read_text()
    missing = [f"{s.file_name}:{c}" for s in FILE_SPECS for c in s.columns if f"`{c}`" not in text]
    assert missing == []


def test_every_built_in_mapping_is_documented():
    from etl.mapping import builtin_names

    text = (ROOT / "docs" / "mappings.md").read_text()
    assert [name for name in builtin_names() if f"`{name}`" not in text] == []


def test_docs_mappings_md_names_every_column_a_mapping_fills():
    from etl.contract import SPEC_BY_FILE
    from etl.mapping import TABLE_FILES  # the contract tables a mapping can feed

    rows = {line.split("|")[1].strip(" `"): line for line in (ROOT / "docs" / "mappings.md").read_text().splitlines()
            if line.startswith("| `")}
    missing = [f"{table}:{c}" for table, file in TABLE_FILES.items() for c in SPEC_BY_FILE[file].columns
               if f"`{c}`" not in rows.get(table, "")]
    assert missing == []
