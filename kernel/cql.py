"""CQL2 filters (OGC API - Features Part 3) as parameterised SQL.

``cql2`` (developmentseed's Rust parser) reads CQL2 text or JSON and gives its canonical JSON;
this module turns that JSON into a SQL condition with bound parameters, naming only the
queryables it is given (each mapped to its SQL expression), so no text of a filter ever becomes
SQL. Supported: and, or, not; =, <>, <, <=, >, >=; like; in; between; isNull; s_intersects with
a GeoJSON geometry or a bbox. Anything else is refused, naming it.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping
from typing import Any

import cql2

from kernel.errors import InvalidInputError

COMPARISONS = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
FILTER_LANGUAGES = ("cql2-text", "cql2-json")


def parse_filter(expression: str, language: str = "cql2-text") -> dict[str, Any]:
    """A filter's canonical CQL2 JSON; an unreadable one is refused with the parser's message."""
    if language not in FILTER_LANGUAGES:
        raise InvalidInputError("filter-lang", f"one of {', '.join(FILTER_LANGUAGES)}")
    try:
        source: Any = json.loads(expression) if language == "cql2-json" else expression
        parsed: dict[str, Any] = cql2.Expr(source).to_json()
    except Exception as exc:  # cql2 raises a bare Exception with its message (json: ValueError)
        raise InvalidInputError("filter", f"not a {language} filter: {exc}") from exc
    return parsed


class _Sql:
    """One translation: the parameters it binds, numbered, each converted to the type of the
    queryable it is compared with (a number compared with a text code would be a SQL error)."""

    def __init__(self, columns: Mapping[str, tuple[str, str]], geometry: str) -> None:
        self.columns = columns
        self.geometry = geometry
        self.params: dict[str, Any] = {}
        self.numbers: Iterator[int] = itertools.count()

    def bind(self, value: Any) -> str:
        name = f"cql_{next(self.numbers)}"
        self.params[name] = value
        return f":{name}"

    def queryable(self, node: Any) -> tuple[str, str]:
        if not (isinstance(node, dict) and "property" in node):
            raise InvalidInputError("filter", "each condition starts with a queryable property")
        name = node["property"]
        if name not in self.columns:
            raise InvalidInputError("filter", f"{name} is not queryable")
        return self.columns[name]

    def literal(self, node: Any, json_type: str) -> str:
        if not isinstance(node, bool | int | float | str) or isinstance(node, bool):
            raise InvalidInputError("filter", f"unsupported value {json.dumps(node)[:80]}")
        if json_type == "string":
            # cql2 reads every number as a float: 9955010001 is a code, not "9955010001.0"
            written = str(int(node)) if isinstance(node, float) and node.is_integer() else str(node)
            return f"CAST({self.bind(written)} AS text)"
        try:
            number = float(node)
        except ValueError as exc:
            raise InvalidInputError("filter", f"{node!r} is not a number") from exc
        return f"CAST({self.bind(number)} AS double precision)"

    def geometry_literal(self, node: Any) -> str:
        if isinstance(node, dict) and "bbox" in node:
            box = node["bbox"]
            if len(box) != 4:
                raise InvalidInputError("filter", "a bbox of four numbers")
            values = ", ".join(self.bind(float(v)) for v in box)
            return f"ST_MakeEnvelope({values}, 4326)"
        if isinstance(node, dict) and "type" in node and "coordinates" in node:
            return f"ST_SetSRID(ST_GeomFromGeoJSON({self.bind(json.dumps(node))}), 4326)"
        raise InvalidInputError("filter", "s_intersects takes the geometry and a geometry")

    def condition(self, node: Any) -> str:
        if not isinstance(node, dict) or "op" not in node:
            raise InvalidInputError("filter", "a condition")
        op, args = node["op"], node.get("args", [])
        if op in ("and", "or"):
            return "(" + f" {op.upper()} ".join(self.condition(a) for a in args) + ")"
        if op == "not":
            return f"(NOT {self.condition(args[0])})"
        if op == "s_intersects":
            if args[0] != {"property": "geometry"}:
                raise InvalidInputError("filter", "s_intersects applies to the geometry")
            return f"ST_Intersects({self.geometry}, {self.geometry_literal(args[1])})"
        column, json_type = self.queryable(args[0] if args else None)
        if op in COMPARISONS:
            return f"({column} {COMPARISONS[op]} {self.literal(args[1], json_type)})"
        if op == "like":
            if json_type != "string" or not isinstance(args[1], str):
                raise InvalidInputError("filter", "LIKE compares text with a text pattern")
            return f"({column} LIKE {self.literal(args[1], json_type)})"
        if op == "in":
            values = ", ".join(self.literal(v, json_type) for v in args[1])
            return f"({column} IN ({values}))"
        if op == "between":
            low, high = self.literal(args[1], json_type), self.literal(args[2], json_type)
            return f"({column} BETWEEN {low} AND {high})"
        if op == "isNull":
            return f"({column} IS NULL)"
        raise InvalidInputError("filter", f"the operator {op} is not supported")


def filter_sql(
    expression: dict[str, Any], columns: Mapping[str, tuple[str, str]], geometry: str
) -> tuple[str, dict[str, Any]]:
    """A SQL condition and its parameters for a CQL2 JSON expression over the queryables
    ``columns`` (name -> (SQL expression, JSON type)) and the ``geometry`` column."""
    translation = _Sql(columns, geometry)
    return translation.condition(expression), translation.params
