"""Coverage maps drawn with folium: Thai labels, layer control, and every script and style
served by edumap itself (no CDN); the basemap is optional (settings)."""

from __future__ import annotations

import json
import math
from typing import Any

import folium
from branca.element import MacroElement
from folium.plugins import MarkerCluster
from folium.template import Template
from sqlalchemy import text
from sqlalchemy.orm import Session

from census import surveys
from gis.features import CONNECTIVITY_LAYER, data_round_layer_id
from gis.geography import area_name_th
from gis.map_elements import MAP_SCRIPT, MapTexts, card_popup, text_tooltip, with_json_block
from gis.map_layers import Area, area_bounds
from kernel.areas import area_filter
from kernel.errors import PermissionDeniedError
from kernel.policy import named_coverage_area
from kernel.principal import Principal
from kernel.vocabulary import (
    CONNECTIVITY_LABELS_TH,
    DATA_ROUND_STATE_LABELS_TH,
    ENROLMENT_STATUS_LABELS_TH,
    LEVEL_LABELS_TH,
    SCHOOL_LOCATION_SOURCE_LABELS_TH,
    SERVICE_AREA_METHOD_LABELS_TH,
    UNSERVED_LABELS_TH,
    label_th,
)

STATIC = "/static/vendor"
# Folium's templates would fetch these from CDNs; the offices often have no internet.
folium.Map.default_js = [
    ("leaflet", f"{STATIC}/leaflet/leaflet.js"),
    ("jquery", f"{STATIC}/jquery/jquery.min.js"),
    ("edumap", MAP_SCRIPT),
]
folium.Map.default_css = [("leaflet_css", f"{STATIC}/leaflet/leaflet.css")]
MarkerCluster.default_js = [
    ("markerclusterjs", f"{STATIC}/leaflet.markercluster/leaflet.markercluster.js")
]
MarkerCluster.default_css = [
    ("markerclustercss", f"{STATIC}/leaflet.markercluster/MarkerCluster.css"),
    ("markerclusterdefaultcss", f"{STATIC}/leaflet.markercluster/MarkerCluster.Default.css"),
]

RATE_COLOURS = [(0.95, "#1a9850"), (0.90, "#91cf60"), (0.85, "#fee08b"), (0.0, "#d73027")]
NO_DATA_COLOUR = "#cccccc"


def rate_colour(rate: float | None) -> str:
    """The class colour of a coverage rate; no children counted (None, or NaN from a frame)
    is grey."""
    if rate is None or math.isnan(rate):
        return NO_DATA_COLOUR
    return next(colour for floor, colour in RATE_COLOURS if rate >= floor)


def new_map(bounds: list[list[float]], tiles: str | None, attribution: str) -> folium.Map:
    """A map fitted to ``bounds``; ``tiles`` None draws no basemap (works offline). Its scale
    bar is metric only."""
    # Without a tile layer Leaflet knows no maximum zoom, and MarkerCluster refuses a map
    # without one ("Map has no maxZoom specified"): the named children's layers never drew.
    fmap = folium.Map(tiles=None, control_scale=False, prefer_canvas=True)
    fmap.options["max_zoom"] = 19
    if tiles:
        folium.TileLayer(tiles=tiles, attr=attribution, name="แผนที่ฐาน (basemap)").add_to(fmap)
    fmap.add_child(MetricScale())
    fmap.fit_bounds(bounds)
    return fmap


class MetricScale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only (folium's shows miles too)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.control.scale({imperial: false, maxWidth: 160}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


# Named points are drawn from this zoom on (a few villages in view); below it, counts per village.
NAMED_MIN_ZOOM = 13
MAP_CONFIG_ELEMENT_ID = "edumap-map-config"
COVERAGE_MAP_CSS = [
    ("markerclustercss", f"{STATIC}/leaflet.markercluster/MarkerCluster.css"),
    ("markerclusterdefaultcss", f"{STATIC}/leaflet.markercluster/MarkerCluster.Default.css"),
    ("edumap_map_css", "/static/css/map.css"),
]
COVERAGE_MAP_JS = [
    ("markerclusterjs", f"{STATIC}/leaflet.markercluster/leaflet.markercluster.js"),
    ("edumap_coverage_map", "/static/js/coverage-map.js"),
]


DATA_ROUNDS_SHOWN = 2


def latest_data_rounds(session: Session, area: Area) -> list[dict[str, Any]]:
    """The latest data rounds asking a school of the area (its layer id and title)."""
    where, params = area_filter("s", area.province, area.district, area.esao)
    rows = session.execute(
        text(
            f"""
        SELECT r.id, r.title_th FROM data_round r
        WHERE EXISTS (SELECT 1 FROM data_round_school rs JOIN school s ON s.id = rs.school_id
                      WHERE rs.round_id = r.id AND {where})
        ORDER BY r.created_at DESC, r.id DESC LIMIT {DATA_ROUNDS_SHOWN}
        """
        ),
        params,
    ).all()
    return [{"layer": data_round_layer_id(round_id), "title_th": title} for round_id, title in rows]


def coverage_map(
    session: Session,
    *,
    round_year: int,
    principal: Principal,
    province: str | None = None,
    district: str | None = None,
    esao: str | None = None,
    tiles: str | None = None,
    attribution: str = "",
    level: str | None = None,
) -> str:
    """The coverage map page: the map, fitted to the area, and what its script needs to fetch
    the layers (``gis.map_layers`` through ``/api/v1/map-layers/...``). The page holds no
    layer's data, so it stays small however large the office; named children are fetched only
    by roles allowed them, for the view, when zoomed in (each fetch audited)."""
    area = Area(province=province, district=district, esao=esao, level=level)
    try:
        named = named_coverage_area(principal, province, district, esao) is not None
    except PermissionDeniedError:  # another office's map: its public layers only
        named = False
    fmap = new_map(area_bounds(session, area), tiles, attribution)
    # After Leaflet, which folium's own list loads first.
    fmap.default_js = [*folium.Map.default_js, *COVERAGE_MAP_JS]
    fmap.default_css = [*folium.Map.default_css, *COVERAGE_MAP_CSS]
    root = fmap.get_root()
    name = area_name_th(session, province=province, district=district, esao=esao)
    config = {
        "map": fmap.get_name(),
        "round": round_year,
        "area": {
            key: value
            for key, value in (
                ("province", province),
                ("district", district),
                ("esao", esao),
                ("level", level),
            )
            if value
        },
        "title_th": f"แผนที่ความครอบคลุม {name} ปีการศึกษา {round_year}",
        "level_th": LEVEL_LABELS_TH[level] if level else None,
        "named": named,
        "named_min_zoom": NAMED_MIN_ZOOM,
        "rate_colours": [[floor, colour] for floor, colour in RATE_COLOURS],
        "no_data_colour": NO_DATA_COLOUR,
        "unserved": [
            {"flag": flag, "label_th": label, "shown": flag == "out_of_school"}
            for flag, label in UNSERVED_LABELS_TH.items()
        ],
        "statuses_th": ENROLMENT_STATUS_LABELS_TH,
        # the registers matched, with what visits found (``map_layers.register_villages``)
        "registers": {
            "label_th": "นอกระบบตามทะเบียนราษฎร (ไม่พบข้อมูลนักเรียนหรือยืนยันจากการลงพื้นที่)",
            "shown": False,
        },
        # the office's own forms this person may see counted (``/api/v1/forms/{id}/map``)
        "forms": surveys.mapped_forms(session, principal),
        # the latest data rounds asking the area's schools: who has sent (the OGC API layer)
        "data_rounds": latest_data_rounds(session, area),
        "data_round_states_th": DATA_ROUND_STATE_LABELS_TH,
        # every school's internet link against the norm (the OGC API's public layer)
        "connectivity": {"layer": CONNECTIVITY_LAYER, "labels_th": CONNECTIVITY_LABELS_TH},
    }
    return with_json_block(root.render(), MAP_CONFIG_ELEMENT_ID, config)


def school_map(
    session: Session,
    school_code: str,
    *,
    round_year: int | None,
    tiles: str | None,
    attribution: str,
) -> str:
    """One school, its current service areas (a layer per level) and the villages in them."""
    row = session.execute(
        text(
            "SELECT id, name_th, ST_X(location), ST_Y(location), location_source, "
            "location_accuracy_m FROM school WHERE code = :c"
        ),
        {"c": school_code},
    ).one()
    school_id, name, lon, lat, source, accuracy = row
    areas = session.execute(
        text(
            """
        SELECT sa.level, sa.method, sa.version, ST_AsGeoJSON(sa.geom, 6),
               ST_YMin(sa.geom), ST_XMin(sa.geom), ST_YMax(sa.geom), ST_XMax(sa.geom)
        FROM service_area sa WHERE sa.school_id = :s AND sa.is_current
          AND (CAST(:y AS int) IS NULL OR sa.academic_year = :y)
        ORDER BY sa.level
        """
        ),
        {"s": school_id, "y": round_year},
    ).all()
    bounds = [[lat - 0.02, lon - 0.02], [lat + 0.02, lon + 0.02]]
    for area in areas:
        bounds = [
            [min(bounds[0][0], area[4]), min(bounds[0][1], area[5])],
            [max(bounds[1][0], area[6]), max(bounds[1][1], area[7])],
        ]
    fmap = new_map(bounds, tiles, attribution)
    texts = MapTexts()
    for level, method, version, geometry, *_ in areas:
        layer_name = (
            f"เขตบริการ{LEVEL_LABELS_TH[level]} "
            f"({label_th(SERVICE_AREA_METHOD_LABELS_TH, method)} ฉบับที่ {version})"
        )
        style = {"color": "#3366cc", "weight": 2, "fillOpacity": 0.08}
        folium.GeoJson(
            json.loads(geometry), name=layer_name, style_function=lambda _f, style=style: style
        ).add_to(fmap)
    villages = folium.FeatureGroup(name="หมู่บ้าน")
    for village, vlon, vlat in session.execute(
        text(
            "SELECT DISTINCT v.name_th, ST_X(v.geom), ST_Y(v.geom) FROM village v "
            "JOIN service_area_part p ON ST_Intersects(p.geom, v.geom) "
            "JOIN service_area sa ON sa.id = p.service_area_id "
            "WHERE sa.school_id = :s AND sa.is_current"
        ),
        {"s": school_id},
    ):
        folium.CircleMarker([vlat, vlon], radius=3, color="#555").add_child(
            text_tooltip(texts, village)
        ).add_to(villages)
    villages.add_to(fmap)
    folium.Marker([lat, lon]).add_child(text_tooltip(texts, name)).add_child(
        card_popup(
            texts,
            name,
            [
                f"ที่ตั้ง: {label_th(SCHOOL_LOCATION_SOURCE_LABELS_TH, source)} "
                f"(คลาดเคลื่อนได้ไม่เกิน {accuracy or 0:.0f} เมตร)"
            ],
            max_width=300,
        )
    ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return texts.into(fmap.get_root().render())
