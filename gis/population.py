"""DOPA registered population per tambon, joined to the loaded boundaries by code."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.loading import LoadError, LoadReport, record_load, sha256_of
from kernel.bulk import copy_rows

POPULATION_FIELDS = [
    "level",
    "geocode",
    "name_th",
    "reference_date",
    "total_total",
    "total_male",
    "total_female",
    "total_households",
]
TAMBON_LEVELS = {"Tambon", "Khwaeng"}
COUNT_FIELDS = {
    "total_total": "total",
    "total_male": "male",
    "total_female": "female",
    "total_households": "households",
}


def read_code_changes(path: Path | None) -> dict[str, str]:
    """DOPA code -> boundary code, for tambons recoded after the boundary layer was made."""
    if path is None or not path.exists():
        return {}
    table = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    return dict(
        zip(table["dopa_code"].str.strip(), table["boundary_code"].str.strip(), strict=True)
    )


def load_population(session: Session, path: Path, code_changes: Path | None = None) -> LoadReport:
    """Upsert tambon rows of a DOPA population table; report codes on either side unmatched."""
    report = LoadReport(kind="population", source=str(path), sha256=sha256_of(path))
    try:
        table = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise LoadError(path, f"cannot be read as CSV: {exc}") from exc
    missing = [name for name in POPULATION_FIELDS if name not in table.columns]
    if missing:
        raise LoadError(path, f"missing column(s) {', '.join(missing)}")
    aliases = read_code_changes(code_changes)

    rows = []
    for index, row in table.iterrows():
        if row["level"] not in TAMBON_LEVELS:
            continue
        line = int(str(index)) + 2  # line 1 is the header
        code = row["geocode"].strip()
        if not (len(code) == 6 and code.isdigit()):
            raise LoadError(
                path, f"expected a 6-digit tambon code, got {code!r}", row=line, field="geocode"
            )
        counts = []
        for field in COUNT_FIELDS:
            value = row[field].strip()
            if not value.isdigit():
                raise LoadError(
                    path, f"expected a whole number, got {value!r}", row=line, field=field
                )
            counts.append(int(value))
        try:
            reference_date = pd.Timestamp(row["reference_date"]).date()
        except ValueError as exc:
            raise LoadError(
                path, f"not a date: {row['reference_date']!r}", row=line, field="reference_date"
            ) from exc
        rows.append((aliases.get(code, code), code, row["name_th"], reference_date, *counts))

    conn = session.connection()
    conn.execute(
        text(
            "CREATE TEMP TABLE staging_population (code text, source_code text, name_th text, "
            "reference_date date, total int, male int, female int, households int) ON COMMIT DROP"
        )
    )
    copy_rows(
        conn,
        "staging_population",
        [
            "code",
            "source_code",
            "name_th",
            "reference_date",
            "total",
            "male",
            "female",
            "households",
        ],
        rows,
    )
    upserted = conn.execute(
        text(
            """
        INSERT INTO population AS t (subdistrict_code, reference_date, total, male, female,
                                     households, source_code, source)
        SELECT p.code, p.reference_date, p.total, p.male, p.female, p.households, p.source_code,
               :source
        FROM staging_population p JOIN subdistrict s ON s.code = p.code
        ON CONFLICT (subdistrict_code, reference_date) DO UPDATE SET total = EXCLUDED.total,
            male = EXCLUDED.male, female = EXCLUDED.female, households = EXCLUDED.households,
            source_code = EXCLUDED.source_code, source = EXCLUDED.source
        """
        ),
        {"source": Path(path).name},
    ).rowcount
    unmatched_dopa = conn.execute(
        text(
            "SELECT p.source_code, p.name_th FROM staging_population p "
            "LEFT JOIN subdistrict s ON s.code = p.code WHERE s.code IS NULL ORDER BY 1"
        )
    ).all()
    reference_dates = [
        r[0] for r in conn.execute(text("SELECT DISTINCT reference_date FROM staging_population"))
    ]
    unmatched_boundary = conn.execute(
        text(
            "SELECT s.code, s.name_th FROM subdistrict s WHERE NOT EXISTS ("
            "SELECT 1 FROM population p WHERE p.subdistrict_code = s.code "
            "AND p.reference_date = ANY(:dates)) ORDER BY 1"
        ),
        {"dates": reference_dates},
    ).all()
    report.counts = {
        "tambon_rows": len(rows),
        "joined": upserted,
        "only_in_population_file": len(unmatched_dopa),
        "loaded_tambons_without_population": len(unmatched_boundary),
    }
    renamed = [f"{dopa}->{boundary}" for dopa, boundary in aliases.items()]
    if renamed:
        report.notes.append(f"recoded tambons joined through code_changes: {', '.join(renamed)}")
    if unmatched_dopa:
        report.notes.append(
            "codes only in the population file (no boundary loaded): "
            + ", ".join(f"{c} {n}" for c, n in unmatched_dopa)
        )
    if unmatched_boundary:
        report.notes.append(
            "loaded tambons with no population row: "
            + ", ".join(f"{c} {n}" for c, n in unmatched_boundary)
        )
    conn.execute(text("DROP TABLE staging_population"))
    record_load(session, report)
    return report
