"""CQL2 to SQL: every value bound as a parameter, only queryables named, anything else refused."""

from __future__ import annotations

import pytest

from kernel.cql import filter_sql, parse_filter
from kernel.errors import InvalidInputError

COLUMNS = {"name_th": ("f.name_th", "string"), "pupils": ("f.pupils", "integer")}


def test_values_are_parameters_and_properties_their_sql() -> None:
    sql, params = filter_sql(
        parse_filter("name_th LIKE 'x''; DROP TABLE school; --%' AND pupils >= 10"),
        COLUMNS,
        "f.geom",
    )
    assert sql == (
        "((f.name_th LIKE CAST(:cql_0 AS text)) AND (f.pupils >= CAST(:cql_1 AS double precision)))"
    )
    assert params == {"cql_0": "x'; DROP TABLE school; --%", "cql_1": 10.0}


def test_spatial_and_json_filters() -> None:
    sql, params = filter_sql(
        parse_filter(
            '{"op": "s_intersects", "args": [{"property": "geometry"}, '
            '{"bbox": [100, 18, 101, 19]}]}',
            "cql2-json",
        ),
        COLUMNS,
        "f.geom",
    )
    assert sql == "ST_Intersects(f.geom, ST_MakeEnvelope(:cql_0, :cql_1, :cql_2, :cql_3, 4326))"
    assert list(params.values()) == [100.0, 18.0, 101.0, 19.0]


@pytest.mark.parametrize(
    ("expression", "language"),
    [
        ("secret = 1", "cql2-text"),  # not a queryable
        ("pupils + 1 > 2", "cql2-text"),  # arithmetic: not supported
        ("T_BEFORE(pupils, TIMESTAMP('2020-01-01T00:00:00Z'))", "cql2-text"),
        ("{not json", "cql2-json"),
        ("name_th = 'x'", "sql"),
    ],
)
def test_what_is_not_supported_is_refused(expression: str, language: str) -> None:
    with pytest.raises(InvalidInputError):
        filter_sql(parse_filter(expression, language), COLUMNS, "f.geom")
