"""Coverage maps drawn with folium: Thai labels, layer control, and every script and style
served by edumap itself (no CDN); the basemap is optional (settings)."""

from __future__ import annotations

import json
import math
from typing import Any

import folium
from folium.plugins import MarkerCluster
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis import coverage
from gis.map_elements import (
    MAP_SCRIPT,
    MapTexts,
    card_popup,
    properties_tooltip,
    text_properties,
    text_tooltip,
)
from gis.schools.norms import OVER_CAPACITY_SQL, norm_params, seats_sql
from gis.schools.resources import RESOURCES_SQL
from kernel.disclosure import suppress_small_count
from kernel.policy import named_coverage_area
from kernel.principal import Principal
from kernel.vocabulary import LEVEL_LABELS_TH, LEVELS, utm_srid_sql

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

# Tambons under the column name the area filters use for every table.
TAMBONS = "(SELECT t.*, t.code AS subdistrict_code FROM subdistrict t)"
RATE_COLOURS = [(0.95, "#1a9850"), (0.90, "#91cf60"), (0.85, "#fee08b"), (0.0, "#d73027")]
NO_DATA_COLOUR = "#cccccc"


def rate_colour(rate: float | None) -> str:
    """The class colour of a coverage rate; no children counted (None, or NaN from a frame)
    is grey."""
    if rate is None or math.isnan(rate):
        return NO_DATA_COLOUR
    return next(colour for floor, colour in RATE_COLOURS if rate >= floor)


def _utilisation_colour(value: float | None) -> str:
    if value is None:
        return "#888888"
    return "#d73027" if value > 1 else "#fc8d59" if value > 0.8 else "#1a9850"


def new_map(bounds: list[list[float]], tiles: str | None, attribution: str) -> folium.Map:
    """A map fitted to ``bounds``; ``tiles`` None draws no basemap (works offline)."""
    # Without a tile layer Leaflet knows no maximum zoom, and MarkerCluster refuses a map
    # without one ("Map has no maxZoom specified"): the named children's layers never drew.
    fmap = folium.Map(tiles=None, control_scale=True, prefer_canvas=True)
    fmap.options["max_zoom"] = 19
    if tiles:
        folium.TileLayer(tiles=tiles, attr=attribution, name="แผนที่ฐาน (basemap)").add_to(fmap)
    fmap.fit_bounds(bounds)
    return fmap


def _area_bounds(session: Session, where: str, params: dict[str, Any]) -> list[list[float]]:
    box = session.execute(
        text(
            f"SELECT ST_YMin(e), ST_XMin(e), ST_YMax(e), ST_XMax(e) FROM ("
            f"SELECT ST_Extent(s.geom) AS e FROM {TAMBONS} s WHERE {where}) x"
        ),
        params,
    ).one()
    return [[box[0], box[1]], [box[2], box[3]]]


def _choropleth(
    session: Session,
    round_year: int,
    where: str,
    params: dict[str, Any],
    rows: dict[str, dict[str, Any]],
    texts: MapTexts,
) -> folium.GeoJson:
    features = []
    for code, name, geometry in session.execute(
        text(
            f"SELECT s.code, s.name_th, ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology("
            f"ST_Transform(s.geom, {utm_srid_sql('s.geom')}), 60), 4326), 5) FROM {TAMBONS} s "
            f"WHERE {where}"
        ),
        params,
    ):
        figures = rows.get(code, {})
        rate = figures.get("coverage_rate")
        properties = text_properties(
            texts,
            {
                "name": f"ต.{name}",
                "rate": "-" if rate is None else f"{rate:.1%}",
                "children": figures.get("compulsory_age", 0),
                "out": figures.get("out_of_school", 0),
                "far": figures.get("beyond_distance", 0),
            },
        ) | {"colour": rate_colour(rate)}
        features.append(
            {"type": "Feature", "geometry": json.loads(geometry), "properties": properties}
        )
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=f"อัตราการเข้าเรียนภาคบังคับ ปีการศึกษา {round_year}",
        style_function=lambda f: {
            "fillColor": f["properties"]["colour"],
            "color": "#555",
            "weight": 0.6,
            "fillOpacity": 0.55,
        },
    )
    layer.add_child(
        properties_tooltip(
            texts,
            ["name", "rate", "children", "out", "far"],
            ["ตำบล", "อัตราการเข้าเรียน", "เด็กวัยเรียนภาคบังคับ", "เด็กนอกระบบ", "ไกลเกินเกณฑ์"],
        )
    )
    return layer


def _school_popup(school: dict[str, Any], texts: MapTexts) -> Any:
    """Capacity, next year's intake, ICT and buildings of a school, all as text."""
    ict = school["ict"]
    synthetic = " (สังเคราะห์)" if school["code_synthetic"] else ""
    return card_popup(
        texts,
        school["name_th"],
        [
            f"รหัส {school['code']}{synthetic}",
            f"นักเรียน {school['enrolled']} / ความจุ {school['capacity']} ที่นั่ง "
            f"(ว่าง {school['capacity'] - school['enrolled']})",
            f"ป.1 ปีหน้า: เด็กในเขตบริการ {school['p1_demand']} / ความจุ {school['p1_capacity']}",
            f"ICT: อุปกรณ์เพื่อการเรียน {ict['per_pupil']} เครื่องต่อนักเรียน 1 คน, "
            f"อินเทอร์เน็ต {ict['mbps']} Mbps, ชำรุด {ict['broken']} เครื่อง",
            f"อาคาร {school['buildings']} หลัง, สภาพเฉลี่ย {school['building_condition']} / 5",
        ],
        (f"/schools/{school['code']}", "หน้าโรงเรียน"),
    )


def _schools(
    session: Session, round_year: int, where: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    rows = (
        session.execute(
            text(
                f"""
        WITH latest AS (
            SELECT DISTINCT ON (school_id) school_id, academic_year FROM school_grade_year
            WHERE academic_year <= :round_year ORDER BY school_id, academic_year DESC
        ), years AS (
            SELECT gy.school_id,
                   sum(gy.enrolled_male + gy.enrolled_female) AS enrolled,
                   sum({seats_sql("gy.grade", "gy.classrooms")}) AS capacity,
                   sum(gy.classrooms) FILTER (WHERE gy.grade = 'P1') * :norm_primary
                       AS p1_capacity
            FROM school_grade_year gy JOIN latest l ON l.school_id = gy.school_id
                 AND l.academic_year = gy.academic_year
            GROUP BY 1
        ), p1_demand AS (
            SELECT school_id, count(*) AS children
            FROM child_coverage c, unnest(c.primary_area_school_ids) AS school_id
            WHERE c.round_year = :round_year AND c.due_prathom1_next_year
            GROUP BY 1
        )
        SELECT s.id, s.code, s.code_synthetic, s.name_th, ST_X(s.location) AS lon,
               ST_Y(s.location) AS lat, coalesce(y.enrolled, 0) AS enrolled,
               coalesce(y.capacity, 0) AS capacity, coalesce(y.p1_capacity, 0) AS p1_capacity,
               coalesce(pd.children, 0) AS p1_demand,
               {RESOURCES_SQL}
        FROM school s LEFT JOIN years y ON y.school_id = s.id
        LEFT JOIN p1_demand pd ON pd.school_id = s.id
        WHERE {where}
        ORDER BY s.code
        """
            ),
            params | {"round_year": round_year} | norm_params(),
        )
        .mappings()
        .all()
    )
    schools = []
    for r in rows:
        enrolled = int(r["enrolled"])
        schools.append(
            dict(r)
            | {
                "enrolled": enrolled,
                "capacity": int(r["capacity"]),
                "utilisation": enrolled / r["capacity"] if r["capacity"] else None,
                "ict": {
                    "per_pupil": round(r["learning_devices"] / enrolled, 2) if enrolled else "-",
                    "mbps": r["mbps"] or "-",
                    "broken": r["broken_devices"],
                },
            }
        )
    return schools


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
    """The coverage map as a whole HTML page; ``level`` narrows schools, service areas and
    children to one level (pre_primary, primary, lower_secondary, upper_secondary)."""
    tambon_where, params = coverage._area_filter("s", province, district, esao)
    rows = {
        r["subdistrict_code"]: r
        for r in coverage.subdistrict_coverage(
            session, round_year, province=province, district=district, esao=esao
        )
    }
    fmap = new_map(_area_bounds(session, tambon_where, params), tiles, attribution)
    texts = MapTexts()
    _choropleth(session, round_year, tambon_where, params, rows, texts).add_to(fmap)

    area_features = [
        {
            "type": "Feature",
            "geometry": json.loads(geometry),
            "properties": text_properties(texts, {"school": name}),
        }
        for name, geometry in session.execute(
            text(
                f"SELECT s.name_th, ST_AsGeoJSON(ST_SimplifyPreserveTopology(sa.geom, 0.0003), 5) "
                f"FROM service_area sa JOIN school s ON s.id = sa.school_id "
                f"WHERE sa.academic_year = :round_year AND sa.is_current AND sa.level = :sa_level "
                f"AND {tambon_where}"
            ),
            params | {"round_year": round_year, "sa_level": level or "primary"},
        )
    ]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": area_features},
        name=f"เขตบริการโรงเรียน ({LEVEL_LABELS_TH[level or 'primary']})",
        show=False,
        style_function=lambda _f: {"color": "#3366cc", "weight": 1, "fillOpacity": 0.05},
    ).add_child(properties_tooltip(texts, ["school"], ["โรงเรียน"])).add_to(fmap)

    schools_layer = folium.FeatureGroup(name="โรงเรียน (สีตามอัตราการใช้ที่นั่ง)")
    school_where, school_params = tambon_where, dict(params)
    if level:
        school_where += " AND s.grades && CAST(:level_grades AS varchar[])"
        school_params["level_grades"] = list(LEVELS[level])
    for school in _schools(session, round_year, school_where, school_params):
        folium.CircleMarker(
            location=[school["lat"], school["lon"]],
            radius=3 + min(12, school["enrolled"] ** 0.5 / 2),
            color="#333",
            weight=1,
            fill=True,
            fill_opacity=0.85,
            fill_color=_utilisation_colour(school["utilisation"]),
        ).add_child(_school_popup(school, texts)).add_child(
            text_tooltip(texts, school["name_th"])
        ).add_to(schools_layer)
    schools_layer.add_to(fmap)
    for layer in _unserved_layers(
        session, round_year, principal, province, district, esao, level, texts
    ):
        layer.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.get_root().html.add_child(folium.Element(LEGEND))  # type: ignore[attr-defined]
    return texts.into(fmap.get_root().render())


UNSERVED = {
    # flag: (Thai layer name, condition on c = child_coverage)
    "out_of_school": ("เด็กนอกระบบ", "c.out_of_school"),
    "beyond_distance": (
        "เด็กที่บ้านไกลโรงเรียนเกินเกณฑ์",
        "c.beyond_distance AND (c.compulsory_age OR c.stage = 'pre_primary')",
    ),
    "over_capacity_area": ("เด็กในเขตบริการที่ที่นั่งเต็ม", "c.over_capacity"),
}


def _unserved_layers(
    session: Session,
    round_year: int,
    principal: Principal,
    province: str | None,
    district: str | None,
    esao: str | None,
    level: str | None,
    texts: MapTexts,
) -> list[folium.FeatureGroup]:
    """A layer per way of not being served. Named, clustered points for roles allowed personal
    data; counts per village (under 5 hidden) for everyone else, never closer than the village."""
    area = named_coverage_area(principal, province, district, esao)
    named = area is not None
    if area is not None:
        province, district, esao = area
    layers = []
    for flag, (label, condition) in UNSERVED.items():
        layer = folium.FeatureGroup(
            name=f"{label} ({'รายคน' if named else 'รวมรายหมู่บ้าน'})",
            show=flag != "over_capacity_area",
        )
        layers.append(layer)
        if named:
            cluster = MarkerCluster().add_to(layer)
            for child in coverage.children_coverage(
                session,
                round_year,
                flag=flag,
                province=province,
                district=district,
                esao=esao,
                limit=5000,
            ):
                if level and child["stage"] != level:
                    continue
                marker = folium.CircleMarker(
                    location=[child["lat"], child["lon"]], radius=4, color="#b2182b", fill=True
                )
                marker.add_child(text_tooltip(texts, f"{label}: {child['first_name']}"))
                marker.add_to(cluster)
            continue
        where, params = coverage._area_filter("c", province, district, esao)
        if level:
            where += " AND c.stage = :level"
            params["level"] = level
        for name, lon, lat, count in session.execute(
            text(
                f"""
            WITH over AS ({OVER_CAPACITY_SQL}), flagged AS (
                SELECT c.*, coalesce(c.area_school_ids && o.school_ids, false) AS over_capacity
                FROM child_coverage c LEFT JOIN over o ON o.grade = c.expected_grade
                WHERE c.round_year = :round_year AND {where}
            )
            SELECT v.name_th, ST_X(v.geom), ST_Y(v.geom), count(*)
            FROM flagged c JOIN household h ON h.id = c.household_id
            JOIN village v ON v.id = h.village_id
            WHERE {condition}
            GROUP BY v.id
            """
            ),
            params | coverage.coverage_params(round_year),
        ):
            shown = suppress_small_count(int(count))
            folium.CircleMarker(
                location=[lat, lon], radius=6, color="#b2182b", fill=True
            ).add_child(text_tooltip(texts, f"{name}: {label} {shown} คน")).add_to(layer)
    return layers


LEGEND = """
<div style="position: fixed; bottom: 24px; left: 12px; z-index: 9999; background: #fff;
  padding: 8px 10px; border-radius: 6px; font: 13px Tahoma, sans-serif;
  box-shadow: 0 1px 4px #0004">
  <b>อัตราการเข้าเรียนภาคบังคับ</b><br>
  <span style="background:#1a9850">&nbsp;&nbsp;&nbsp;</span> 95% ขึ้นไป
  <span style="background:#91cf60">&nbsp;&nbsp;&nbsp;</span> 90-95%
  <span style="background:#fee08b">&nbsp;&nbsp;&nbsp;</span> 85-90%
  <span style="background:#d73027">&nbsp;&nbsp;&nbsp;</span> ต่ำกว่า 85%<br>
  <b>โรงเรียน</b> สีเขียว ที่นั่งเหลือ · ส้ม ใกล้เต็ม · แดง เกินความจุ
</div>
"""


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
    labels = {
        "pre_primary": "อนุบาล",
        "primary": "ประถมศึกษา",
        "lower_secondary": "มัธยมศึกษาตอนต้น",
        "upper_secondary": "มัธยมศึกษาตอนปลาย",
    }
    for level, method, version, geometry, *_ in areas:
        layer_name = f"เขตบริการ{labels[level]} ({method}, ฉบับ {version})"
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
        card_popup(texts, name, [f"ตำแหน่ง: {source} (±{accuracy:.0f} ม.)"], max_width=300)
    ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return texts.into(fmap.get_root().render())
