"""Exact counts of 1-4 children only for those who may read the office's named children:
everyone else (surveyors, schools, another office's planner) sees "<5"."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers.world import MATRIX_SCHOOL, Account


def _small_exact_counts(body: dict[str, Any], school: str | None = None) -> list[int]:
    found = []
    for row in body["schools"]:
        if school and row["code"] != school:
            continue
        values = [g["demand"] for g in row["grades"]]
        if "prathom1_next_year" in row:
            values += [row["prathom1_next_year"]["children"]]
        found += [v for v in values if isinstance(v, int) and 0 < v < 5]
    return found


def _schools(client: TestClient, headers: dict[str, str], esao: str) -> dict[str, Any]:
    response = client.get(
        "/api/v1/coverage/schools", params={"round": 2569, "esao": esao}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_admin_sees_exact_small_counts_of_every_office(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    assert _small_exact_counts(_schools(client, accounts["admin"].headers, "P5502"))


@pytest.mark.parametrize("role", ["anonymous", "surveyor", "school", "planner"])
def test_other_roles_see_no_exact_small_count_of_another_office(
    client: TestClient, accounts: dict[str, Account], role: str
) -> None:
    headers = {} if role == "anonymous" else accounts[role].headers
    body = _schools(client, headers, "P5502")
    assert _small_exact_counts(body) == []
    assert any(g["demand"] == "<5" for row in body["schools"] for g in row["grades"])


def test_a_planner_sees_exact_counts_of_the_own_office_and_a_school_its_own(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    own = _schools(client, accounts["planner"].headers, "P5501")
    assert _small_exact_counts(own)
    as_school = _schools(client, accounts["school"].headers, "P5501")
    others = [r["code"] for r in as_school["schools"] if r["code"] != MATRIX_SCHOOL]
    assert others and all(_small_exact_counts(as_school, code) == [] for code in others)
    assert _small_exact_counts(as_school, MATRIX_SCHOOL) == _small_exact_counts(own, MATRIX_SCHOOL)
