"""The OGC API's own definition (its landing page's ``service-desc``): the ``/ogc`` paths of the
app's OpenAPI document, in OpenAPI 3.0, the version OGC API - Features Part 1 names (the app's
document is FastAPI's 3.1)."""

from __future__ import annotations

from typing import Any

OGC_PREFIX = "/ogc"


def as_oas30(node: Any) -> Any:
    """A schema fragment in OpenAPI 3.0's dialect: ``anyOf [X, null]`` as ``nullable``,
    ``const`` as a one-value ``enum``, a schema's ``examples`` list as one ``example``."""
    if isinstance(node, list):
        return [as_oas30(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: as_oas30(value) for key, value in node.items()}
    options = converted.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        converted.pop("anyOf")
        converted |= rest[0] if len(rest) == 1 else {"anyOf": rest}
        converted["nullable"] = True
    if "const" in converted:
        converted["enum"] = [converted.pop("const")]
    if isinstance(converted.get("examples"), list) and "type" in converted:
        converted["example"] = converted.pop("examples")[0]
    return converted


def ogc_openapi(full: dict[str, Any], server_url: str) -> dict[str, Any]:
    """The ``/ogc`` part of the app's document ``full``, as OpenAPI 3.0 served at
    ``server_url``."""
    paths = {
        path.removeprefix(OGC_PREFIX) or "/": as_oas30(operations)
        for path, operations in full["paths"].items()
        if path == OGC_PREFIX or path.startswith(OGC_PREFIX + "/")
    }
    components = full.get("components", {})
    return {
        "openapi": "3.0.3",
        "info": {"title": "edumap OGC API - Features", "version": full["info"]["version"]},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": as_oas30(components.get("schemas", {})),
            "securitySchemes": components.get("securitySchemes", {}),
        },
    }
