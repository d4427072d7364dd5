"""What `edumap demo` loads, in order: the reference data, schools, a synthetic census, and
synthetic register extracts of that census, matched.

Each step is one transaction and is skipped when its files are unchanged since it last ran
(see gis.datasets.run_steps), so a second `edumap demo` takes about a second.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from census.importer import import_census_file
from census.matching import match_round
from census.register_synth import build_registers, write_registers
from census.registers import Extract, import_register_file
from census.service import create_round
from census.synth import synthesize_rows, write_rows
from gis.coverage import refresh_coverage
from gis.datasets import BundledData, LoadStep, boundary_steps
from gis.loading import LoadError, LoadReport, record_load, sha256_of
from gis.offices import load_offices
from gis.population import load_population
from gis.schools import synth
from gis.schools.importer import load_school_list
from gis.schools.synth import census_enrolment, fill_synthetic_records
from gis.service_areas.propose import propose_service_areas
from gis.villages import load_villages
from kernel.config import Settings


def load_schools(
    session: Session, path: Path, province_code: str, academic_year: int, seed: int
) -> LoadReport:
    """The province's school list, then seeded synthetic records for one academic year."""
    report = load_school_list(session, path, province_code)
    _fill_school_records(session, report, province_code, academic_year, seed)
    return report


def _fill_school_records(
    session: Session, report: LoadReport, province_code: str, academic_year: int, seed: int
) -> None:
    """Synthetic enrolment, classrooms, personnel, ICT and assets; enrolment from the census
    round of the year when there is one."""
    enrolment = census_enrolment(session, province_code=province_code, round_year=academic_year)
    filled = fill_synthetic_records(
        session,
        province_code=province_code,
        academic_year=academic_year,
        seed=seed,
        enrolment=enrolment or None,
    )
    report.counts |= {f"synthetic_{k}": v for k, v in filled.items() if k != "schools"}
    report.notes.append(
        f"enrolment, classrooms, personnel, ICT and assets for {academic_year} are synthetic "
        f"(seed {seed})"
        + (f"; enrolment counted from census round {academic_year}" if enrolment else "")
    )


def calibrate_school_records(
    session: Session, data: BundledData, province_code: str, academic_year: int, seed: int
) -> LoadReport:
    """After the synthetic census: the schools' synthetic records again, their enrolment now
    the census children enrolled in each school and grade."""
    files = calibration_inputs(data, province_code)
    report = LoadReport(
        kind=f"schools:calibrated:{province_code}:{academic_year}",
        source=str(files[0]),
        sha256=sha256_of(*files),
    )
    _fill_school_records(session, report, province_code, academic_year, seed)
    record_load(session, report)
    return report


def calibration_inputs(data: BundledData, province_code: str) -> tuple[Path, ...]:
    # Everything the school list and the census steps read: a change to any reruns both.
    school_list = data.school_list(province_code)
    return (
        *((school_list,) if school_list else ()),
        data.root / "norms" / "class_size.toml",
        Path(synth.__file__),  # a change to the generator makes the records again
        *census_inputs(data),
    )


def reference_steps(
    data: BundledData, province_code: str, academic_year: int = 2569, seed: int = 2569
) -> list[LoadStep]:
    """Everything the demo needs, in dependency order."""
    steps = [
        *boundary_steps(data, province_code),
        LoadStep(
            "villages",
            (data.villages, data.muban_list),
            lambda s: load_villages(s, data.villages, data.muban_list),
        ),
        LoadStep(
            "population",
            (data.population,),
            lambda s: load_population(s, data.population, data.code_changes),
        ),
        LoadStep("offices", (data.offices,), lambda s: load_offices(s, data.offices)),
    ]
    school_list = data.school_list(province_code)
    if school_list is not None:
        steps.append(
            LoadStep(
                f"schools:list:{province_code}",
                (school_list,),
                lambda s: load_schools(s, school_list, province_code, academic_year, seed),
            )
        )
    return steps


# The household source of the demo's synthetic census, so a reload can replace it.
SYNTHETIC_SOURCE = "synthetic"


def load_synthetic_census(
    session: Session,
    settings: Settings,
    data: BundledData,
    province_code: str,
    academic_year: int,
    seed: int,
    scale: float = 1.0,
) -> LoadReport:
    """Open the round and load a seeded synthetic census through the file importer."""
    files = census_inputs(data)
    report = LoadReport(
        kind=f"census:synthetic:{province_code}:{academic_year}",
        source=str(files[0]),
        sha256=sha256_of(*files),
    )
    create_round(session, academic_year=academic_year, province_code=province_code)
    # A new synthetic census replaces the previous one of the round (a changed generator or
    # rules make other households); what surveyors or offices entered is never touched.
    replaced = len(
        session.execute(
            text(
                "DELETE FROM household WHERE round_year = :y AND source = :source "
                "AND subdistrict_code LIKE :prefix RETURNING id"
            ),
            {"y": academic_year, "source": SYNTHETIC_SOURCE, "prefix": f"{province_code}%"},
        ).all()
    )
    rows = list(
        synthesize_rows(
            session,
            province_code=province_code,
            round_year=academic_year,
            seed=seed,
            data_dir=data.root,
            scale=scale,
        )
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"synthetic_census_{province_code}_{academic_year}.csv"
        write_rows(rows, path)
        imported = import_census_file(
            session, settings, path, academic_year, source=SYNTHETIC_SOURCE
        )
    if not imported.stored:
        first = imported.errors[0] if imported.errors else None
        raise LoadError(path, f"synthetic census rejected: {first}")
    refresh_coverage(session, academic_year)  # the first coverage request need not wait
    report.counts = {
        "households": imported.households_new,
        "children": imported.children_new,
        "children_already_stored": imported.children_already_stored,
        "synthetic_households_replaced": replaced,
    }
    report.notes.append(f"synthetic census (seed {seed}): names, IDs and households are invented")
    record_load(session, report)
    return report


def census_inputs(data: BundledData) -> tuple[Path, ...]:
    return (
        data.root / "norms" / "census_rules.toml",
        data.root / "demography" / "dopa2017_age_0_18.csv",
    )


def propose_demo_service_areas(
    session: Session, data: BundledData, province_code: str, academic_year: int
) -> LoadReport:
    """Give every school of the province a proposed service area for the year."""
    files = service_area_inputs(data)
    report = LoadReport(
        kind=f"service_areas:proposed:{province_code}:{academic_year}",
        source=str(files[0]),
        sha256=sha256_of(*files),
    )
    report.counts = propose_service_areas(
        session, province_code=province_code, academic_year=academic_year
    )
    record_load(session, report)
    return report


def service_area_inputs(data: BundledData) -> tuple[Path, ...]:
    school_list = data.school_list("55")
    return (data.root / "norms" / "service_areas.toml", *((school_list,) if school_list else ()))


# The faults planted in the demo's register extracts (census.register_synth), a few dozen of
# each in Nan's 84,000 children: enough to show on every list and map, as in a real office.
DEMO_REGISTER_FAULTS = {
    "mistyped_id": 40,
    "moved_in": 25,
    "counted_twice": 20,
    "birth_date_differs": 15,
    "grade_two_below": 30,
    "g_code": 25,
    "name_variant": 30,
    "moved_away": 30,
}


def load_synthetic_registers(
    session: Session,
    settings: Settings,
    data: BundledData,
    province_code: str,
    academic_year: int,
    seed: int,
) -> LoadReport:
    """The civil-registration and school-records extracts of the synthetic census (labelled
    synthetic, faults planted), imported as an office imports them and matched; the report
    keeps what matching found beside what the generator planted (they must be equal)."""
    files = census_inputs(data)
    report = LoadReport(
        kind=f"registers:synthetic:{province_code}:{academic_year}",
        source=str(files[0]),
        sha256=sha256_of(*files),
    )
    rows = synthesize_rows(
        session,
        province_code=province_code,
        round_year=academic_year,
        seed=seed,
        data_dir=data.root,
    )
    world = build_registers(
        session, rows, round_year=academic_year, seed=seed, faults=DEMO_REGISTER_FAULTS
    )
    year = academic_year - 543
    with tempfile.TemporaryDirectory() as folder:
        paths = write_registers(world, Path(folder), seed=seed)
        # A changed generator makes other files: the previous synthetic extracts go.
        session.execute(
            text(
                "DELETE FROM register_extract WHERE round_year = :y AND source_name = ANY(:names)"
            ),
            {"y": academic_year, "names": [paths["civil"].name, paths["school"].name]},
        )
        for path, extract in (
            (paths["civil"], Extract(academic_year, "civil", "dopa", dt.date(year, 6, 1))),
            (paths["school"], Extract(academic_year, "school", "obec", dt.date(year, 6, 10))),
        ):
            imported = import_register_file(session, settings, path, extract)
            if not imported.stored:
                first = imported.errors[0] if imported.errors else None
                raise LoadError(path, f"synthetic register extract rejected: {first}")
            report.counts[f"{extract.kind}_records"] = imported.children_new
    matched = match_round(session, academic_year)
    report.counts |= {f"planted_{name}": count for name, count in world.planted.items()}
    report.counts |= {f"expected_{k}": world.expected.get(k, 0) for k in matched}
    report.counts |= {f"matched_{k}": v for k, v in matched.items()}
    report.notes.append(
        f"synthetic register extracts (seed {seed}): names and IDs are invented; matched "
        + (
            "as planted"
            if all(world.expected.get(k, 0) == v for k, v in matched.items())
            else "NOT as planted: see matched_* against expected_*"
        )
    )
    record_load(session, report)
    return report


def demo_steps(settings: Settings, data: BundledData | None = None) -> list[LoadStep]:
    """Reference data, the demo province's schools, its synthetic census round and the
    synthetic register extracts of it."""
    data = data or BundledData(settings.data_dir)
    province, year, seed = settings.demo_province, settings.demo_academic_year, settings.demo_seed
    steps = reference_steps(data, province, year, seed)
    steps.append(
        LoadStep(
            f"service_areas:proposed:{province}:{year}",
            service_area_inputs(data),
            lambda s: propose_demo_service_areas(s, data, province, year),
        )
    )
    steps.append(
        LoadStep(
            f"census:synthetic:{province}:{year}",
            census_inputs(data),
            lambda s: load_synthetic_census(s, settings, data, province, year, seed),
        )
    )
    steps.append(
        LoadStep(
            f"schools:calibrated:{province}:{year}",
            calibration_inputs(data, province),
            lambda s: calibrate_school_records(s, data, province, year, seed),
        )
    )
    steps.append(
        LoadStep(
            f"registers:synthetic:{province}:{year}",
            census_inputs(data),
            lambda s: load_synthetic_registers(s, settings, data, province, year, seed),
        )
    )
    return steps
