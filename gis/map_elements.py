"""folium elements whose texts reach the page as data, never as code.

Two traps, both found with hostile names:

- folium's Tooltip and Popup paste their text into JavaScript template strings (``${...}`` and
  backticks run in the browser) and its GeoJsonTooltip sets feature properties as HTML;
- folium (through branca) renders every element's script a second time as a Jinja template,
  so a name holding ``{{ ... }}`` would be *evaluated on the server* (``{{7*7}}`` became 49).

So no text from the data goes through folium at all. Each map keeps its texts in a
``MapTexts`` table; folium's scripts carry only the table's integer indices, and the table is
written into the finished page (after folium's rendering) as one JSON block, serialised with
``<``, ``>``, ``&`` and ``'`` escaped. ``/static/js/edumap-map.js`` reads it and sets every
text as text (``textContent``), never as HTML.
"""

from __future__ import annotations

from typing import Any

from branca.element import MacroElement
from folium.template import Template
from jinja2.utils import htmlsafe_json_dumps

MAP_SCRIPT = "/static/js/edumap-map.js"
TEXTS_ELEMENT_ID = "edumap-texts"


class MapTexts:
    """The texts of one map page, each stored once and referred to by its index."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._index: dict[str, int] = {}

    def ref(self, value: object) -> int:
        """The index of ``value`` (as text) in the table."""
        text = "" if value is None else str(value)
        if text not in self._index:
            self._index[text] = len(self.values)
            self.values.append(text)
        return self._index[text]

    def into(self, page: str) -> str:
        """The rendered page with the table in its head, where the map's script finds it."""
        return with_json_block(page, TEXTS_ELEMENT_ID, self.values)


def with_json_block(page: str, element_id: str, value: Any) -> str:
    """A rendered page with ``value`` as a JSON data block in its head (inert: a script of type
    application/json never runs; ``<``, ``>``, ``&`` and ``'`` are escaped so no text can
    close it)."""
    block = (
        f'<script type="application/json" id="{element_id}">{htmlsafe_json_dumps(value)}</script>'
    )
    head_end = page.index("</head>")
    return page[:head_end] + block + page[head_end:]


class _Bound(MacroElement):
    """Binds a tooltip or popup, built in the browser by ``edumap.*``, to its parent. The
    builder holds integers and punctuation only: nothing folium could evaluate."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.{{ this.method }}(
                {{ this.builder }}, {{ this.options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, method: str, builder: str, options: dict[str, Any]) -> None:
        super().__init__()
        self._name = "EdumapBinding"
        self.method = method
        self.builder = builder
        self.options = options


def _literal(value: Any) -> str:
    return str(htmlsafe_json_dumps(value))


def text_tooltip(texts: MapTexts, text: str, *, sticky: bool = True) -> MacroElement:
    """A tooltip showing ``text`` as typed."""
    return _Bound("bindTooltip", f"edumap.text({texts.ref(text)})", {"sticky": sticky})


def card_popup(
    texts: MapTexts,
    title: str,
    lines: list[str],
    link: tuple[str, str] | None = None,
    *,
    max_width: int = 320,
) -> MacroElement:
    """A popup: a bold title, lines of text and an optional same-site link (href, text)."""
    spec: dict[str, Any] = {"title": texts.ref(title), "lines": [texts.ref(x) for x in lines]}
    if link:
        spec["link"] = {"href": texts.ref(link[0]), "text": texts.ref(link[1])}
    return _Bound("bindPopup", f"edumap.card({_literal(spec)})", {"maxWidth": max_width})


def text_properties(texts: MapTexts, properties: dict[str, Any]) -> dict[str, int]:
    """GeoJSON feature properties as indices into the table (what folium gets to see)."""
    return {key: texts.ref(value) for key, value in properties.items()}


def properties_tooltip(texts: MapTexts, fields: list[str], labels: list[str]) -> MacroElement:
    """A GeoJSON layer's tooltip: each feature's ``fields`` (``text_properties``) under
    ``labels``."""
    builder = (
        f"function (layer) {{ return edumap.table(layer.feature.properties, "
        f"{_literal(fields)}, {_literal([texts.ref(label) for label in labels])}); }}"
    )
    return _Bound("bindTooltip", builder, {"sticky": True})
