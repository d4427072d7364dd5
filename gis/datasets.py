"""The reference data bundled under ``data/`` and the order in which it loads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from gis.boundaries import (
    DISTRICT,
    PROVINCE,
    RESOLUTION_FULL,
    RESOLUTION_SIMPLIFIED,
    SUBDISTRICT,
    load_admin_layer,
)
from gis.loading import LoadReport, last_load_sha256, sha256_of


@dataclass(frozen=True)
class BundledData:
    """Paths of the files shipped in ``data/`` (see data/SOURCES.md)."""

    root: Path

    @property
    def provinces(self) -> Path:
        return self.root / "boundaries" / "tha_adm1_province.zip"

    @property
    def districts(self) -> Path:
        return self.root / "boundaries" / "tha_admbnda_adm2.zip"

    @property
    def subdistricts_simplified(self) -> Path:
        return self.root / "boundaries" / "tha_admbnda_adm3_rtsd_20220121.zip"

    def subdistricts_full(self, province_code: str) -> Path | None:
        """The full-resolution tambon file of a province, if bundled."""
        matches = sorted((self.root / "boundaries").glob(f"TH{province_code}_*.zip"))
        return matches[0] if matches else None

    @property
    def code_changes(self) -> Path:
        return self.root / "boundaries" / "code_changes.csv"

    @property
    def villages(self) -> Path:
        return self.root / "villages" / "TH_VILLAGE2012.zip"

    @property
    def muban_list(self) -> Path:
        return self.root / "villages" / "muban_list_TH10_TH50_TH55.csv"

    @property
    def population(self) -> Path:
        return self.root / "population" / "dopa2021_registered_population_by_unit.csv"

    @property
    def offices(self) -> Path:
        return self.root / "service_area_offices.csv"

    def school_list(self, province_code: str) -> Path | None:
        """The province's school list (names, tambon, level), if bundled."""
        matches = sorted((self.root / "schools").glob(f"TH{province_code}_*_schools*.csv"))
        return matches[0] if matches else None

    @property
    def schools_all_provinces(self) -> Path:
        return self.root / "schools" / "schools_all_provinces.zip"


@dataclass(frozen=True)
class LoadStep:
    """One all-or-nothing load: its kind in load_log, its files and the function."""

    kind: str
    files: tuple[Path, ...]
    run: Callable[[Session], LoadReport]


def boundary_steps(data: BundledData, province_code: str) -> list[LoadStep]:
    """National provinces, districts and tambons, then the province's full-resolution tambons."""
    steps = [
        LoadStep(
            "boundaries:province",
            (data.provinces,),
            lambda s: load_admin_layer(s, data.provinces, PROVINCE),
        ),
        LoadStep(
            "boundaries:district",
            (data.districts,),
            lambda s: load_admin_layer(s, data.districts, DISTRICT),
        ),
        LoadStep(
            "boundaries:subdistrict",
            (data.subdistricts_simplified,),
            lambda s: load_admin_layer(
                s, data.subdistricts_simplified, SUBDISTRICT, resolution=RESOLUTION_SIMPLIFIED
            ),
        ),
    ]
    full = data.subdistricts_full(province_code)
    if full is not None:
        steps.append(
            LoadStep(
                "boundaries:subdistrict",
                (full,),
                lambda s: load_admin_layer(s, full, SUBDISTRICT, resolution=RESOLUTION_FULL),
            )
        )
    return steps


def run_steps(
    steps: list[LoadStep],
    session_factory: Callable[[], AbstractContextManager[Session]],
    *,
    force: bool = False,
) -> Iterator[LoadReport]:
    """Run each step in its own transaction, skipping files loaded unchanged before.

    A step's checksum covers its files; when an earlier step changed anything, later steps run
    again, since they depend on it (villages on boundaries, say).
    """
    upstream_changed = force
    for step in steps:
        with session_factory() as session:
            checksum = sha256_of(*step.files)
            if (
                not upstream_changed
                and last_load_sha256(session, step.kind, str(step.files[0])) == checksum
            ):
                yield LoadReport(
                    kind=step.kind, source=str(step.files[0]), sha256=checksum, skipped=True
                )
                continue
            upstream_changed = True
            yield step.run(session)
