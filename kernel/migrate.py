"""Schema migrations (Alembic), run from code so the CLI and the tests share one path."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from kernel.config import PROJECT_ROOT


def alembic_config(database_url: str | None = None) -> Config:
    """Alembic's config for this checkout; ``database_url`` overrides the settings."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    """Bring the database schema up to ``revision``."""
    command.upgrade(alembic_config(database_url), revision)
