"""Static maps for the printed coverage report: one per district, tambons coloured by the
compulsory-education coverage rate, schools sized by enrolment. Drawn with matplotlib in UTM
zone 47N (metres), so the scale bar is true; aggregate only, since the report is public."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on a server; set before anything draws

from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.patheffects import withStroke
from sqlalchemy import text
from sqlalchemy.orm import Session

import geopandas as gpd

from gis.maps import NO_DATA_COLOUR, RATE_COLOURS, rate_colour
from kernel.vocabulary import utm_srid_sql


def _metric_crs(districts_sql: str) -> str:
    """SQL for the UTM zone of the districts ``districts_sql`` selects (codes), so a map's
    tambons, outlines and schools share one metric CRS (47N for Nan, 48N in the east)."""
    return (
        f"(SELECT {utm_srid_sql('ST_Collect(d.geom)')} FROM district d "
        f"WHERE d.code IN ({districts_sql}))"
    )


SIMPLIFY_M = 30
RATE_LABELS_TH = ["ร้อยละ 95 ขึ้นไป", "90 ถึง 95", "85 ถึง 90", "ต่ำกว่า 85"]


# The metric CRS of a map of these districts (``:codes``), or of these schools' districts.
DISTRICTS_CRS = _metric_crs("SELECT unnest(CAST(:codes AS text[]))")
SCHOOL_DISTRICTS = "SELECT left(subdistrict_code, 4) FROM school WHERE code = ANY(:codes)"


def _frame(session: Session, sql: str, codes: Iterable[str]) -> gpd.GeoDataFrame:
    """Rows of ``sql`` (bound to ``:codes``) as a GeoDataFrame of its ``geom`` column."""
    return gpd.read_postgis(
        text(sql), session.connection(), geom_col="geom", params={"codes": list(codes)}
    )


def tambon_frame(session: Session, district_codes: Iterable[str]) -> gpd.GeoDataFrame:
    """The tambons of these districts in their UTM zone, simplified to ``SIMPLIFY_M`` metres."""
    return _frame(
        session,
        f"""
        SELECT t.code AS subdistrict_code, t.name_th, left(t.code, 4) AS district,
               ST_SimplifyPreserveTopology(ST_Transform(t.geom, {DISTRICTS_CRS}), {SIMPLIFY_M})
                   AS geom
        FROM subdistrict t WHERE left(t.code, 4) = ANY(:codes) ORDER BY t.code
        """,
        district_codes,
    )


def district_frame(session: Session, district_codes: Iterable[str]) -> gpd.GeoDataFrame:
    """District outlines in their UTM zone, simplified like the tambons."""
    return _frame(
        session,
        f"""
        SELECT d.code AS district,
               ST_SimplifyPreserveTopology(ST_Transform(d.geom, {DISTRICTS_CRS}), {SIMPLIFY_M})
                   AS geom
        FROM district d WHERE d.code = ANY(:codes) ORDER BY d.code
        """,
        district_codes,
    )


def school_frame(session: Session, school_codes: Iterable[str]) -> gpd.GeoDataFrame:
    """School points in their districts' UTM zone."""
    return _frame(
        session,
        f"""
        SELECT s.code, left(s.subdistrict_code, 4) AS district,
               ST_Transform(s.location, {_metric_crs(SCHOOL_DISTRICTS)}) AS geom
        FROM school s WHERE s.code = ANY(:codes) ORDER BY s.code
        """,
        school_codes,
    )


def scale_bar(ax: Any, font: FontProperties) -> None:
    """A bar of a round number of kilometres in the lower left corner."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length_m = next(k for k in (50_000, 20_000, 10_000, 5_000, 2_000, 1_000) if k < (x1 - x0) / 3)
    left, bottom = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04
    ax.plot([left, left + length_m], [bottom, bottom], color="black", linewidth=2.5)
    ax.text(
        left + length_m / 2,
        bottom + (y1 - y0) * 0.015,
        f"{length_m // 1000} กม.",
        ha="center",
        va="bottom",
        fontproperties=font,
        fontsize=7,
    )


def _with_legend(figure: Figure, ax: Any, handles: list[Any], title: str, font_path: Path) -> str:
    """The map with its legend to the right, as SVG."""
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        prop=FontProperties(fname=font_path, size=7),
        title=title,
        title_fontproperties=FontProperties(fname=font_path, size=7.5, weight="bold"),
        framealpha=0.9,
    )
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", pad_inches=0.05)
    return buffer.getvalue()


def district_map_svg(
    outline: gpd.GeoDataFrame,
    tambons: gpd.GeoDataFrame,
    schools: gpd.GeoDataFrame,
    enrolment: dict[str, int],
    font_path: Path,
) -> str:
    """One district's map as SVG: ``tambons`` carries a ``coverage_rate`` column (None where no
    child was counted), ``enrolment`` sizes the school points; the legend sits to the right."""
    font = FontProperties(fname=font_path)
    figure = Figure(figsize=(6.6, 4.6))
    ax = figure.add_axes((0, 0, 0.7, 1))
    colours = [rate_colour(rate) for rate in tambons["coverage_rate"]]
    tambons.plot(ax=ax, color=colours, edgecolor="#555555", linewidth=0.5)
    outline.boundary.plot(ax=ax, color="black", linewidth=1.2)
    for name, point in zip(tambons["name_th"], tambons.representative_point(), strict=True):
        ax.annotate(
            name,
            (point.x, point.y),
            ha="center",
            va="center",
            fontproperties=font,
            fontsize=6.5,
            color="#111111",
            path_effects=[withStroke(linewidth=2, foreground="white")],
        )
    if not schools.empty:
        sizes = [6 + (enrolment.get(code, 0) ** 0.5) * 1.6 for code in schools["code"]]
        schools.plot(ax=ax, markersize=sizes, color="white", edgecolor="black", linewidth=0.6)
    ax.set_axis_off()
    ax.set_aspect("equal")
    scale_bar(ax, font)
    return _with_legend(
        figure,
        ax,
        [
            *(
                Patch(facecolor=colour, edgecolor="#555555", label=label)
                for (_, colour), label in zip(RATE_COLOURS, RATE_LABELS_TH, strict=True)
            ),
            Patch(facecolor=NO_DATA_COLOUR, edgecolor="#555555", label="ไม่มีข้อมูล"),
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markerfacecolor="white",
                markeredgecolor="black",
                label="โรงเรียน (ขนาดตามจำนวนนักเรียน)",
            ),
        ],
        "อัตราการเข้าเรียนภาคบังคับ",
        font_path,
    )


def _per_district(
    district_codes: list[str],
    outlines: gpd.GeoDataFrame,
    tambons: gpd.GeoDataFrame,
    schools: gpd.GeoDataFrame,
    draw: Callable[[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame], str],
) -> dict[str, str]:
    """``draw`` (outline, tambons, schools) for each district, by code."""
    return {
        code: draw(
            outlines[outlines["district"] == code],
            tambons[tambons["district"] == code],
            schools[schools["district"] == code],
        )
        for code in district_codes
    }


def district_maps(session: Session, report: dict[str, Any], font_path: Path) -> dict[str, str]:
    """An SVG map per district of a coverage report (figures.coverage_report), by code."""
    district_codes = [row["district"] for row in report["districts"]]
    if not district_codes:
        return {}
    tambons = tambon_frame(session, district_codes)
    rates = {row["subdistrict_code"]: row["coverage_rate"] for row in report["subdistricts"]}
    tambons["coverage_rate"] = [rates.get(code) for code in tambons["subdistrict_code"]]
    enrolment = {school["code"]: school["enrolled"] for school in report["schools"]}
    return _per_district(
        district_codes,
        district_frame(session, district_codes),
        tambons,
        school_frame(session, [school["code"] for school in report["schools"]]),
        lambda outline, in_tambons, in_schools: district_map_svg(
            outline, in_tambons, in_schools, enrolment, font_path
        ),
    )


LINK_COLOURS = {"no_link": "#d73027", "slow": "#fdae61", "healthy": "#1a9850"}


def connectivity_map_svg(
    outline: gpd.GeoDataFrame,
    tambons: gpd.GeoDataFrame,
    schools: gpd.GeoDataFrame,
    status: dict[str, str],
    labels_th: dict[str, str],
    font_path: Path,
) -> str:
    """One district's schools coloured by their internet link against the norm."""
    font = FontProperties(fname=font_path)
    figure = Figure(figsize=(6.6, 4.6))
    ax = figure.add_axes((0, 0, 0.7, 1))
    tambons.plot(ax=ax, color="#f2f2f2", edgecolor="#999999", linewidth=0.4)
    outline.boundary.plot(ax=ax, color="black", linewidth=1.2)
    if not schools.empty:
        colours = [LINK_COLOURS.get(status.get(code, ""), "#969696") for code in schools["code"]]
        schools.plot(ax=ax, markersize=22, color=colours, edgecolor="black", linewidth=0.4)
    ax.set_axis_off()
    ax.set_aspect("equal")
    scale_bar(ax, font)
    return _with_legend(
        figure,
        ax,
        [
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markerfacecolor=colour,
                markeredgecolor="black",
                label=labels_th[key],
            )
            for key, colour in LINK_COLOURS.items()
        ],
        "อินเทอร์เน็ตของโรงเรียน",
        font_path,
    )


def connectivity_maps(
    session: Session,
    district_codes: list[str],
    status: dict[str, str],
    labels_th: dict[str, str],
    font_path: Path,
) -> dict[str, str]:
    """An SVG map per district of its schools' links (``status`` by school code)."""
    if not district_codes:
        return {}
    return _per_district(
        district_codes,
        district_frame(session, district_codes),
        tambon_frame(session, district_codes),
        school_frame(session, list(status)),
        lambda outline, tambons, schools: connectivity_map_svg(
            outline, tambons, schools, status, labels_th, font_path
        ),
    )
