"""Engine, sessions and the declarative base shared by every model."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, MetaData, create_engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from kernel.config import get_settings

# Stable constraint names, so Alembic autogenerate and hand-written migrations agree.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for all edumap tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str | None = None) -> Engine:
    """A pooled engine for ``url`` (default: the configured database).

    The pool keeps as many connections as requests a worker serves at once (FastAPI runs sync
    routes on a pool of threads): with SQLAlchemy's default of 5, sixteen clients made every
    request past the fifth open and close a PostgreSQL connection of its own (a backend
    process each), the largest cost of a submission under load.

    JIT compilation is off for its connections: the planner's cost guesses for the spatial
    joins at national size pass the JIT thresholds, and compiling (0.5-0.6 s) cost more than
    an office's map layer or report query ran (the school layer 0.86 s, 0.6 s of it JIT)."""
    settings = get_settings()
    return create_engine(
        url or settings.effective_database_url,
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        connect_args={"options": "-c jit=off"},
    )


@functools.cache
def get_engine() -> Engine:
    """The process-wide engine."""
    return make_engine()


@functools.cache
def _session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits everything at the end or rolls everything back on error."""
    session = _session_factory(engine or get_engine())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
