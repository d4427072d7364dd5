"""Every router's access rules in one list (the access-matrix test and the OpenAPI document
read it): a module of its own, above the routers, so that no import waits inside a function."""

from __future__ import annotations

from app.api import (
    admin,
    auth,
    census,
    coverage,
    geography,
    health,
    map_layers,
    reports,
    schools,
)
from app.api.access import AccessRule
from app.web import maps, pages

ROUTER_MODULES = (
    health,
    auth,
    admin,
    geography,
    schools,
    census,
    coverage,
    map_layers,
    reports,
    pages,
    maps,
)


def all_rules() -> list[AccessRule]:
    """The rules of every router module."""
    return [rule for module in ROUTER_MODULES for rule in module.ACCESS_RULES]
