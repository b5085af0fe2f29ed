"""Mapping expressions are data, not code: each one is parsed by DuckDB's own parser and accepted only when every
node of its syntax tree is on an allow-list, and when it parses to the same single expression enclosed in
parentheses, as the loader places it (so a comment, a stray parenthesis or a `;` can never reach beyond it).

Allowed: column references (with struct fields and list indexes), literals, arithmetic, comparison and logical
operators, IN lists, BETWEEN, IS [NOT] NULL, COALESCE, NULLIF, CASE, CAST / TRY_CAST / `::`, and the scalar
functions of SCALAR_FUNCTIONS, including list comprehensions and lambdas over lists (their bodies are checked by
the same rules). Everything else is refused with a one-line error naming the expression: other
statements (COPY, ATTACH, INSTALL, LOAD, PRAGMA, SET, ...), several statements, subqueries, table functions, file
and network functions (read_text, read_csv, ...), aggregates and window functions, parameters, `*`.

Defence in depth: the load itself runs with DuckDB's external access disabled and its configuration locked
(etl/sandbox.py), so even an expression that slipped through could read or write no file but the sources.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import duckdb

from etl.sqlfiles import sql_text

# Scalar functions (and operators DuckDB parses as functions) a mapping may call. Extend deliberately: a function
# added here must read nothing but its arguments (no files, network, settings, variables or other tables).
SCALAR_FUNCTIONS = frozenset({
    # operators
    "+", "-", "*", "/", "//", "%", "^", "**", "||", "~~", "!~~", "~~*", "!~~*", "~~~", "<<", ">>", "&", "|",
    # text
    "lower", "upper", "lcase", "ucase", "trim", "ltrim", "rtrim", "replace", "substr", "substring", "left",
    "right", "length", "strlen", "concat", "concat_ws", "split_part", "string_split", "str_split",
    "regexp_replace", "regexp_extract", "regexp_matches", "regexp_full_match", "contains", "starts_with",
    "ends_with", "prefix", "suffix", "lpad", "rpad", "strip_accents", "reverse", "repeat", "position", "strpos",
    "instr", "format", "printf", "chr", "ascii", "nullif", "ifnull", "if", "greatest", "least",
    # numbers
    "abs", "round", "floor", "ceil", "ceiling", "trunc", "sign", "mod",
    # dates and times
    "strptime", "try_strptime", "strftime", "to_timestamp", "epoch", "epoch_ms", "epoch_us", "make_date",
    "make_time", "make_timestamp", "make_timestamptz", "date_trunc", "datetrunc", "date_part", "datepart",
    "date_diff", "datediff", "date_sub", "datesub", "date_add", "timezone", "to_microseconds", "to_milliseconds",
    "to_seconds", "to_minutes", "to_hours", "to_days", "to_weeks", "to_months", "to_years", "age",
    "year", "month", "day", "hour", "minute", "second", "dayofweek", "isodow",
    # lists, structs and JSON values already read
    "array_extract", "list_extract", "list_element", "array_length", "len", "list_value", "struct_extract",
    "json_extract", "json_extract_string", "json_value", "to_json", "->>", "->",
    "list_min", "list_max", "list_sum", "list_count", "list_first", "list_last", "list_distinct", "list_sort",
    "list_reverse", "list_contains", "list_has", "list_position", "list_slice", "array_slice", "flatten",
    # list comprehensions ([f(e) for e in xs if p(e)]) parse to these, with a lambda whose body is checked too
    "list_apply", "list_transform", "array_apply", "array_transform", "list_filter", "array_filter", "struct_pack",
})
# Our own named macros (etl/sql/mapping_macros.sql), written and reviewed like the rest of our SQL.
@cache
def macros() -> frozenset[str]:
    return frozenset(re.findall(r"create or replace temp macro (\w+)", sql_text("mapping_macros.sql")))


# Expression node classes and the operator types allowed among them (COMPARISON, CONJUNCTION, CASE and CAST carry
# their type in the class).
NODE_CLASSES = frozenset({"COLUMN_REF", "CONSTANT", "OPERATOR", "COMPARISON", "CONJUNCTION", "CASE", "CAST",
                          "BETWEEN", "FUNCTION", "TYPE", "LAMBDA", "LAMBDA_REF"})
OPERATOR_TYPES = frozenset({"OPERATOR_COALESCE", "OPERATOR_IS_NULL", "OPERATOR_IS_NOT_NULL", "OPERATOR_NOT",
                            "COMPARE_IN", "COMPARE_NOT_IN", "ARRAY_EXTRACT", "ARRAY_SLICE", "STRUCT_EXTRACT",
                            "OPERATOR_NULLIF"})


class MappingExpressionError(ValueError):
    """An expression outside the allow-list; the message is one line naming it."""


def checked(expression: str, what: str = "expression", functions: frozenset[str] = frozenset()) -> str:
    """The expression, when every part of it is allowed and it stays the same single expression wherever the loader
    places it (in parentheses); else raise MappingExpressionError naming `what` and the expression."""
    con = duckdb.connect()
    try:
        tree = _parse(con, "select " + expression)
        refusal = _refusal(tree, SCALAR_FUNCTIONS | functions)
        if refusal is None:
            enclosed = _parse(con, "select (" + expression + ")")
            if enclosed.get("error") or _bare(enclosed["statements"]) != _bare(tree["statements"]):
                refusal = "not a single SQL expression (it does not stand alone in parentheses)"
    finally:
        con.close()
    if refusal:
        raise MappingExpressionError(f"{what}: expression {_shown(expression)} refused: {refusal}")
    return expression


def _parse(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, Any]:
    return json.loads(con.execute("select json_serialize_sql($q)", {"q": sql}).fetchone()[0])


def _bare(value: Any) -> Any:
    """A syntax tree without its positions in the text."""
    if isinstance(value, dict):
        return {k: _bare(v) for k, v in value.items() if k not in ("query_location", "query_location_length")}
    if isinstance(value, list):
        return [_bare(v) for v in value]
    return value


def guard(mapping: Any) -> Any:
    """Every expression of a mapping (etl/mapping.py: lets, columns, composite id parts, rules, keep, dedupe
    version) checked and replaced by its canonical text; its own lookups and our named macros may be called."""
    allowed = macros() | {f"lookup_{name}" for name in mapping.lookups}

    def safe(what: str, text: str) -> str:
        return checked(text, what, allowed)

    mapping.let = {name: safe(f"let {name}", text) for name, text in mapping.let.items()}
    mapping.columns = {
        column: [safe(f"column {column}", t) for t in value] if isinstance(value, list) else safe(f"column {column}", value)
        for column, value in mapping.columns.items()}
    for i, rule in enumerate(mapping.rules, start=1):
        rule.when = safe(f"rule {i} (when)", rule.when)
    if mapping.source.keep:
        mapping.source.keep = safe("keep", mapping.source.keep)
    if mapping.dedupe is not None:
        mapping.dedupe.version = safe("dedupe version", mapping.dedupe.version)
    return mapping


def _shown(expression: str) -> str:
    one_line = " ".join(expression.split())
    return repr(one_line if len(one_line) <= 120 else one_line[:117] + "...")


def _refusal(tree: dict[str, Any], functions: frozenset[str]) -> str | None:
    if tree.get("error"):
        return "not a single SQL expression (" + str(tree.get("error_message", "")).splitlines()[0] + ")"
    statements = tree.get("statements", [])
    if len(statements) != 1:
        return "more than one statement"
    node = statements[0].get("node", {})
    if node.get("type") != "SELECT_NODE" or node.get("from_table", {}).get("type") != "EMPTY":
        return "not a single SQL expression"
    if len(node.get("select_list", [])) != 1:
        return "more than one expression"
    for part in ("where_clause", "having", "qualify", "sample"):
        if node.get(part):
            return "not a single SQL expression"
    if node.get("group_expressions") or node.get("modifiers") or node.get("cte_map", {}).get("map"):
        return "not a single SQL expression"
    return _walk(node["select_list"][0], functions)


def _walk(value: Any, functions: frozenset[str]) -> str | None:
    """The first thing in an expression tree that is not allowed, or None."""
    if isinstance(value, list):
        for item in value:
            found = _walk(item, functions)
            if found:
                return found
        return None
    if not isinstance(value, dict):
        return None
    kind = value.get("class")
    if kind is not None:
        found = _node(value, functions)
        if found:
            return found
    for key, child in value.items():
        if key not in ("literal", "cast_type") and isinstance(child, (dict, list)):
            found = _walk(child, functions)
            if found:
                return found
    return None


def _node(node: dict[str, Any], functions: frozenset[str]) -> str | None:
    kind, kind_type = node.get("class"), node.get("type")
    if kind == "SUBQUERY":
        return "subqueries are not allowed"
    if kind not in NODE_CLASSES:
        return f"{str(kind).lower().replace('_', ' ')} is not allowed"
    if kind == "OPERATOR" and kind_type not in OPERATOR_TYPES:
        return f"operator {kind_type} is not allowed"
    if kind == "FUNCTION":
        name = str(node.get("function_name", "")).lower()
        if node.get("schema") or node.get("catalog") or name not in functions:
            return f"function {name}() is not on the allow-list"
        if node.get("filter") or node.get("distinct") or node.get("order_bys", {}).get("orders"):
            return f"function {name}() used as an aggregate"
    return None
