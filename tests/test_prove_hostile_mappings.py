"""Proof that a mapping file cannot run SQL: every escape of issue 14 (COPY ... TO, ATTACH, INSTALL / LOAD, reading
the pseudonym key file, `;` statement injection, subqueries, table functions, SET / PRAGMA) is refused with a
one-line error naming the expression, nothing is written, and the key never appears in any output. A second wall
is proven too: an expression that got past the allow-list still cannot read a file, because the load runs with
DuckDB's external access off and its configuration locked."""

from __future__ import annotations

import json

import duckdb
import pytest

from etl.cli import main
from etl.csv_reader import LoadError
from etl.load import load
from etl.mapping import Mapping, load_mapping
from etl.mapping_guard import MappingExpressionError, checked, macros
from etl.settings import Settings

pytestmark = pytest.mark.prove
KEY = "mapping-escape-key-9f8e7d6c5b4a"
RECORD = {"id": "z-1", "visitor": {"id": "v-1"}, "department_name": "Pharmacy", "timestamp": "2026-01-06T09:00:00Z",
          "end_timestamp": "2026-01-06T09:12:00Z"}


def escapes(tmp) -> dict[str, str]:
    """Each escape, by name: an expression a hostile mapping could carry."""
    key, out, other = tmp / "pseudonym.key", tmp / "stolen.csv", tmp / "other.duckdb"
    return {
        "copy to (statement injection)": f"1) as x from source_rows; copy (select 1) to '{out}'; select (1",
        "copy to (second statement)": f"department_name; copy (select 42) to '{out}'",
        "attach": f"department_name; attach '{other}' as other",
        "install": "department_name; install httpfs",
        "load": "department_name; load httpfs",
        "set": "department_name; set enable_external_access = true",
        "pragma": "department_name; pragma version",
        "read_text of the key (scalar)": f"read_text('{key}')",
        "read_text of the key (subquery)": f"(select content from read_text('{key}'))",
        "read_csv of the key (subquery)": f"(select string_agg(column0, '') from read_csv('{key}', header=false))",
        "table function in exists": f"exists (select * from read_blob('{key}'))",
        "scalar subquery": "(select 1)",
        "getenv": "getenv('HOME')",
        "current_setting": "current_setting('enable_external_access')",
        "getvariable": "getvariable('x')",
        "aggregate": "string_agg(department_name, ',')",
        "window": "count(*) over ()",
        "lambda hiding a file read": "list_transform([department_name], lambda x: read_text('/etc/passwd'))",
        "parameter": "$path",
        "star": "*",
        "comment trick": f"department_name /* */ ) as q from source_rows; copy (select 1) to '{out}' --",
    }


def hostile_mapping(tmp, column: str, rule: str | None = None):
    path = tmp / "hostile.toml"
    text = (f'table = "chats"\n[source]\nformat = "jsonl"\n[columns]\nchat_id = "id"\n'
            f'queue = {json.dumps(column)}\nrequested_at = "timestamp"\nended_at = "end_timestamp"\n'
            f'patient_ref = "visitor.id"\n')
    if rule is not None:
        text += f'[[rules]]\nwhen = {json.dumps(rule)}\nreason = "hostile rule"\n'
    path.write_text(text)
    return path


@pytest.fixture
def scene(tmp_path, monkeypatch):
    (tmp_path / "pseudonym.key").write_text(KEY)
    source = tmp_path / "chats.jsonl"
    source.write_text(json.dumps(RECORD) + "\n")
    monkeypatch.setenv("CAREKPI_PSEUDONYM_KEY_FILE", str(tmp_path / "pseudonym.key"))
    monkeypatch.delenv("CAREKPI_PSEUDONYM_KEY", raising=False)
    return tmp_path, source


@pytest.mark.parametrize("where", ["column", "rule"])
def test_every_escape_is_refused_and_none_runs(scene, capsys, where):
    tmp, source = scene
    ran = []
    for name, expression in escapes(tmp).items():
        mapping = (hostile_mapping(tmp, expression) if where == "column"
                   else hostile_mapping(tmp, "department_name", expression))
        status = main(["load", "--mapping", str(mapping), str(source), "--db", str(tmp / "w.duckdb")])
        out = capsys.readouterr()
        assert status == 2, name
        assert out.out == "" and len(out.err.strip().splitlines()) == 1, name
        assert "refused" in out.err and ("column queue" if where == "column" else "rule 1") in out.err, name
        assert KEY not in out.err
        if (tmp / "stolen.csv").exists() or (tmp / "other.duckdb").exists() or (tmp / "w.duckdb").exists():
            ran.append(name)
    assert ran == []


def test_ordinary_expressions_pass_unchanged_and_breakouts_do_not():
    for ordinary in ("coalesce(Queue.EnqueueTimestamp, InitiationTimestamp)", "agent_ids[1]",
                     "case when x = 'a;b' then 1 end -- a comment\n", "timestamp::timestamptz + to_seconds(t::bigint)",
                     "hms_seconds(duration)"):
        assert checked(ordinary, functions=macros()) == ordinary
    for breakout in ("a -- comments out what the loader writes after it", "1) , (2", "a) from t; select (1"):
        with pytest.raises(MappingExpressionError, match="not a single SQL expression"):
            checked(breakout)
    with pytest.raises(MappingExpressionError, match="function read_text\\(\\) is not on the allow-list"):
        checked("lower(read_text('x'))")


@pytest.mark.parametrize("skip_check", [False, True])
def test_the_load_itself_cannot_reach_a_file_even_past_the_allow_list(scene, monkeypatch, skip_check):
    """The second wall: a mapping built without validation (as a bug in the guard would allow) still cannot read
    the key file: the loader's connection has external access off and its configuration locked."""
    tmp, source = scene
    good = load_mapping(hostile_mapping(tmp, "department_name"))
    unchecked = Mapping.model_construct(**{**dict(good), "columns": {
        **good.columns, "queue": f"(select content from read_text('{tmp / 'pseudonym.key'}'))"}})
    settings = Settings(db_path=tmp / "w.duckdb")
    if skip_check:  # past the mapping check too: the loader's own connection refuses
        monkeypatch.setattr("etl.load.check", lambda *args: None)
    with pytest.raises(LoadError if not skip_check else duckdb.PermissionException) as refused:
        load([source], settings, mapping=unchecked)
    assert "file system operations are disabled" in str(refused.value)
    assert KEY not in str(refused.value)
    assert not (tmp / "w.duckdb").exists()
