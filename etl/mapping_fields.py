"""The source fields a mapping reads, and JSON records that lack some of them.

A JSON export leaves out what it has no value for: Amazon Connect writes no `Agent` on a contact no agent took,
Genesys Cloud omits `metrics` on a session and `queueId` on a segment, Zendesk Chat an offline message's `history`.
A delivery in which no record happens to carry a field (only abandoned contacts, one page of an API result) then has
no such column at all, since DuckDB's JSON reader takes its columns from the records it reads. To the mapping an
absent key is the same as a null one: every field a mapping's expressions name (a top-level key `Channel`, or a
path into nested objects `Agent.AfterContactWorkDuration`, `sessions.metrics`) that the records lack is supplied as
NULL, of the very type the reader gives a key that is null in every record, so an absent key and a null key give
the same rows, the same quarantine reasons and the same KPIs. The fields supplied are reported with the load.

Only the names the expressions hold are used, found in DuckDB's own parse of each (already allow-listed by
etl/mapping_guard.py); nothing from the data is formatted into SQL.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    from etl.mapping import Mapping

Path = tuple[str, ...]


def referenced(mapping: Mapping) -> set[Path]:
    """Every column path the mapping's expressions, unnest paths and in-source lookups name (a `[let]` name, a lambda's
    own parameter and the engine's columns excluded), each as its parts: ("Agent", "Username")."""
    lets = {name.lower() for name in mapping.let}
    con = duckdb.connect()
    try:
        found: set[Path] = set()
        for _, expression in mapping.expressions():
            tree = json.loads(con.execute("select json_serialize_sql($q)",
                                          {"q": f"select ({expression})"}).fetchone()[0])
            found |= _column_refs(tree, frozenset())
    finally:
        con.close()
    found |= {tuple(path.split(".")) for path in mapping.source.unnest}
    for lookup in mapping.lookups.values():
        if lookup.in_source:
            found |= {tuple(lookup.key.split(".")), tuple(lookup.value.split("."))}
    return {path for path in found if path[0].lower() not in lets and not path[0].startswith("__ck_")}


def _column_refs(node: Any, bound: frozenset[str]) -> set[Path]:
    """The COLUMN_REF paths in a parsed expression, leaving out those that start with a lambda parameter in scope."""
    if isinstance(node, list):
        return set().union(*(_column_refs(item, bound) for item in node)) if node else set()
    if not isinstance(node, dict):
        return set()
    if node.get("class") == "COLUMN_REF":
        names = tuple(node.get("column_names", ()))
        return {names} if names and names[0].lower() not in bound else set()
    if node.get("class") == "LAMBDA":
        params = {path[0].lower() for path in _column_refs(node.get("lhs"), frozenset())}
        return _column_refs(node.get("expr"), bound | params)
    return set().union(*(_column_refs(child, bound) for child in node.values() if isinstance(child, (dict, list))))


def completed(con: duckdb.DuckDBPyConnection, sql: str, paths: set[Path],
              params: dict[str, Any] | None = None) -> tuple[str, list[str]]:
    """A select over (`sql`) in which every path of `paths` exists: a top-level field the rows lack is added as NULL
    and a field a nested object lacks is added to it as NULL (the object itself stays NULL where it is NULL); with the
    fields it supplied, dotted. A path through something that is not an object (a list, a number) is left for the
    mapping check to report."""
    kinds = dict(zip(*_describe(con, sql, params)))
    by_lower = {name.lower(): name for name in kinds}
    tree: dict[str, Any] = {}
    for path in sorted(paths):
        node = tree
        for part in path:
            node = node.setdefault(part, {})
    added: list[str] = []
    replaced, new = [], []
    for top, below in tree.items():
        name = by_lower.get(top.lower())
        if name is None:
            new.append(f"null as {_quoted(top)}")  # DuckDB's type for a key null in every record
            added.append(top)
            continue
        expression = _with_fields(_quoted(name), kinds[name], below, name, added)
        if expression != _quoted(name):
            replaced.append(f"{expression} as {_quoted(name)}")
    if not replaced and not new:
        return sql, []
    select = "select *" + (f" replace ({', '.join(replaced)})" if replaced else "")
    return f"({select}{''.join(', ' + n for n in new)} from {sql})", sorted(added)


def _with_fields(expression: str, kind: duckdb.DuckDBPyType, wanted: dict[str, Any], dotted: str,
                 added: list[str]) -> str:
    """`expression` (of type `kind`) with every field of `wanted` (nested dicts of field names) present."""
    if not wanted or kind.id != "struct":
        return expression  # nothing read below it, or not an object (a NULL-typed value reads any field as NULL)
    fields = {name: child for name, child in kind.children}
    lower = {name.lower(): name for name in fields}
    parts, changed = [], False
    for name, child in fields.items():
        below = next((w for key, w in wanted.items() if key.lower() == name.lower()), {})
        inner = _with_fields(f"{expression}.{_quoted(name)}", child, below, f"{dotted}.{name}", added)
        changed |= inner != f"{expression}.{_quoted(name)}"
        parts.append(f"{_quoted(name)} := {inner}")
    for key in wanted:
        if key.lower() not in lower:
            parts.append(f"{_quoted(key)} := null")
            added.append(f"{dotted}.{key}")
            changed = True
    if not changed:
        return expression
    return f"(case when {expression} is null then null else struct_pack({', '.join(parts)}) end)"


def _describe(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None) -> tuple[list, list]:
    relation = con.sql(f"select * from {sql}", params=params or None)  # bound, not run
    return relation.columns, relation.types


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
