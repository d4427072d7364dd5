"""Every router module (the app includes them from here) and their access rules in one list
(the access-matrix test and the OpenAPI document read it): a module of its own, above the
routers, so that no import waits inside a function."""

from __future__ import annotations

from app.api import (
    admin,
    auth,
    census,
    coverage,
    data_rounds,
    follow_up,
    forms,
    geography,
    health,
    ict,
    map_layers,
    national,
    odk,
    ogc,
    reports,
    schools,
)
from app.api.access import AccessRule
from app.web import data_rounds as data_round_pages
from app.web import feedback, manual, maps, pages, phone, portal, verification
from app.web import ict as ict_pages

# In the order the app includes them (the first route that matches a request answers it).
ROUTER_MODULES = (
    pages,
    maps,
    health,
    auth,
    admin,
    geography,
    census,
    follow_up,
    coverage,
    map_layers,
    reports,
    national,
    schools,
    data_rounds,
    ict,
    odk,
    forms,
    ogc,
    phone,
    verification,
    data_round_pages,
    ict_pages,
    feedback,
    portal,
    manual,
)


def all_rules() -> list[AccessRule]:
    """The rules of every router module."""
    return [rule for module in ROUTER_MODULES for rule in module.ACCESS_RULES]
