"""`edumap backup` and `edumap restore` on a cluster of their own: yesterday's base backup
plus today's archived WAL give back today's submissions, up to just before a mistake."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from census.service import create_round, submit_household
from gis.datasets import BundledData, boundary_steps
from kernel import localdb, migrate
from kernel.backup import list_backups
from kernel.config import Settings, get_settings
from kernel.principal import Principal, Role
from tests.helpers.clusters import (
    edumap_on,
    free_port,
    libpq_url,
    migrate_and_load,
    scratch_cluster,
)
from tests.helpers.payloads import ROUND, small_household

ADMIN = Principal(user_id=None, username="backup-test", role=Role.admin)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """An office's cluster with WAL archiving on, migrated, with Nan's tambons and a round."""
    archive = tmp_path_factory.mktemp("wal-archive")
    with scratch_cluster(wal_archive_dir=archive) as settings:
        migrate_and_load(settings, boundary_steps(BundledData(get_settings().data_dir), "55"))
        engine = create_engine(settings.local_database_url())
        with Session(engine) as session, session.begin():
            create_round(session, academic_year=ROUND, province_code="55")
        engine.dispose()
        yield settings


def submit(settings: Settings, count: int) -> list[str]:
    """``count`` households submitted as the census API stores them; their UUIDs."""
    engine = create_engine(settings.local_database_url())
    uuids = []
    with Session(engine) as session, session.begin():
        for _ in range(count):
            body = small_household() | {"uuid": str(uuid.uuid4())}
            submit_household(session, get_settings(), ADMIN, body)
            uuids.append(body["uuid"])
    engine.dispose()
    return uuids


def stored(settings: Settings) -> tuple[set[str], int]:
    """The households' UUIDs and the number of children stored."""
    with psycopg.connect(libpq_url(settings)) as conn:
        households = {str(u) for (u,) in conn.execute("SELECT uuid FROM household")}
        children = conn.execute("SELECT count(*) FROM child").fetchone()
    assert children is not None
    return households, children[0]


def server_now(settings: Settings) -> dt.datetime:
    with psycopg.connect(libpq_url(settings)) as conn:
        row = conn.execute("SELECT now()").fetchone()
    assert row is not None
    moment: dt.datetime = row[0]
    return moment


def test_restore_to_a_point_in_time_gives_back_yesterday_and_todays_submissions(
    office: Settings,
) -> None:
    yesterday = set(submit(office, 2))
    made = edumap_on(office, "backup")
    assert made.returncode == 0, made.stderr
    assert "Backup" in made.stdout
    [backup] = list_backups(office)
    assert backup.wal_archived
    assert (backup.path / "data" / "backup_label").exists()

    today = set(submit(office, 3))
    before_the_mistake = server_now(office)
    with psycopg.connect(libpq_url(office)) as conn:  # someone empties the census by mistake
        conn.execute("DELETE FROM household")
    assert stored(office) == (set(), 0)

    # Thailand time, as an office writes it
    moment = before_the_mistake.astimezone(dt.timezone(dt.timedelta(hours=7)))
    restored = edumap_on(
        office, "restore", "--to-time", moment.replace(tzinfo=None).isoformat(), "--yes"
    )
    assert restored.returncode == 0, restored.stderr
    households, children = stored(office)
    assert households == yesterday | today
    assert children == 5  # one child each, none half-restored
    aside = list(office.var_dir.glob("pgdata.before-restore-*"))
    assert len(aside) == 1  # the replaced cluster is kept, not deleted

    # Yesterday's state: the backup's own moment.
    again = edumap_on(office, "restore", "--to-time", backup.finished_at.isoformat(), "--yes")
    assert again.returncode == 0, again.stderr
    assert stored(office) == (yesterday, 2)

    # And the server takes today's submissions again (a new timeline, archived as before).
    assert len(submit(office, 1)) == 1
    assert len(stored(office)[0]) == 3


def test_a_restore_that_cannot_be_done_says_why_and_leaves_the_database_as_it_was(
    office: Settings,
) -> None:
    before = stored(office)
    too_early = edumap_on(office, "restore", "--to-time", "2001-01-01T00:00", "--yes")
    assert too_early.returncode == 1
    assert "no backup finished before 2001-01-01" in too_early.stderr
    unknown = edumap_on(office, "restore", "--backup", "20990101T000000Z", "--yes")
    assert unknown.returncode == 1
    assert "no backup named '20990101T000000Z'" in unknown.stderr
    assert localdb.status(office).running
    assert stored(office) == before


def test_backups_are_listed_and_old_ones_pruned_with_the_wal_they_needed(
    office: Settings,
) -> None:
    assert office.wal_archive_dir is not None
    for _ in range(2):
        made = edumap_on(office, "backup", "--keep", "2")
        assert made.returncode == 0, made.stderr
    kept = list_backups(office)
    assert len(kept) == 2
    listed = edumap_on(office, "backup", "--list")
    assert [line.split()[0] for line in listed.stdout.splitlines()] == [b.path.name for b in kept]
    # Nothing older than the oldest kept backup's first segment stays in the archive.
    first_needed = (kept[0].path / "data" / "backup_label").read_text().split("(file ")[1][:24]
    segments = [p.name for p in office.wal_archive_dir.iterdir() if len(p.name) == 24]
    assert segments and min(segments)[8:] >= first_needed[8:]


def test_migrations_are_tried_on_a_copy_before_the_database(office: Settings) -> None:
    from alembic import command

    url = office.local_database_url()
    command.downgrade(migrate.alembic_config(url), "-1")  # the database one release behind
    behind = _revision(office)
    tried = edumap_on(office, "db", "try-migrate", "--port", str(free_port()))
    assert tried.returncode == 0, tried.stderr
    assert f"({behind} -> " in tried.stdout
    assert _revision(office) == behind  # the database itself is untouched
    assert not (office.var_dir / "upgrade-trial").exists()  # the copy is gone
    migrated = edumap_on(office, "db", "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert _revision(office) != behind


def _revision(settings: Settings) -> str:
    with psycopg.connect(libpq_url(settings)) as conn:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert row is not None
    return str(row[0])
