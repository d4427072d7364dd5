"""Alembic environment: runs migrations online against edumap's configured database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from geoalchemy2 import alembic_helpers

import census.models
import census.register_models  # noqa: F401
import gis.ict.models
import gis.models
import gis.schools.models
import gis.service_areas.models  # noqa: F401
import kernel.accounts  # noqa: F401  (registers the tables on Base.metadata)
from kernel.config import get_settings
from kernel.db import Base

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    # PostGIS owns these tables; autogenerate must never try to drop them.
    if type_ == "table" and name in {"spatial_ref_sys", "topology", "layer"}:
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def run_migrations_online() -> None:
    url = config.attributes.get("database_url") or get_settings().effective_database_url
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
            process_revision_directives=alembic_helpers.writer,
            render_item=alembic_helpers.render_item,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("edumap migrations run online only: use `edumap db migrate`.")
run_migrations_online()
