"""Base backups of the database and restores to a point in time.

A backup is ``pg_basebackup`` in plain format with the WAL it needs streamed beside it, so
every backup restores on its own. With continuous archiving on (``EDUMAP_WAL_ARCHIVE_DIR``)
a restore also replays the archive from the backup up to any later moment: yesterday's
backup plus today's archive gives back today's submissions up to just before a mistake.

A restore never deletes the cluster it replaces: that is moved aside
(``var/pgdata.before-restore-<time>``) and put back if the recovery fails.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy import make_url

from kernel import localdb
from kernel.config import Settings, normalise_database_url

MANIFEST = "edumap-backup.json"
STAMP = "%Y%m%dT%H%M%SZ"


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says what to do."""


@dataclass(frozen=True)
class Backup:
    path: Path
    started_at: dt.datetime
    finished_at: dt.datetime
    wal_archived: bool  # continuous archiving was on: restorable to later moments

    @property
    def data_dir(self) -> Path:
        return self.path / "data"


@dataclass(frozen=True)
class Restored:
    backup: Backup
    target_time: dt.datetime | None
    replaced_dir: Path  # the cluster as it was before the restore


def _server(settings: Settings) -> tuple[str, str | None]:
    """The libpq URL (no password) and the password of the database edumap uses."""
    url = make_url(settings.effective_database_url)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), url.password


def connect(settings: Settings) -> psycopg.Connection:
    """An autocommit connection to the database edumap uses (its password kept off the URL)."""
    url, password = _server(settings)
    return psycopg.connect(url, password=password, autocommit=True, connect_timeout=10)


def list_backups(settings: Settings) -> list[Backup]:
    """The backups under the backup folder, oldest first."""
    found = []
    for manifest in sorted(settings.effective_backup_dir.glob(f"*/{MANIFEST}")):
        facts = json.loads(manifest.read_text())
        found.append(
            Backup(
                path=manifest.parent,
                started_at=dt.datetime.fromisoformat(facts["started_at"]),
                finished_at=dt.datetime.fromisoformat(facts["finished_at"]),
                wal_archived=facts["wal_archived"],
            )
        )
    return sorted(found, key=lambda b: b.finished_at)


def make_backup(settings: Settings, keep: int | None = None) -> Backup:
    """A base backup of the whole server; with ``keep``, only that many newest backups stay,
    and the archived WAL older than the oldest of them goes too."""
    with connect(settings) as conn:
        started_at = conn.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
        archiving = conn.execute("SHOW archive_mode").fetchone()[0] != "off"  # type: ignore[index]
    if settings.wal_archive_dir is not None and not archiving:
        raise BackupError(
            "EDUMAP_WAL_ARCHIVE_DIR is set but the server is not archiving yet: restart it "
            "(`edumap db stop` then `edumap db start`) and back up again"
        )
    root = settings.effective_backup_dir
    root.mkdir(parents=True, exist_ok=True)
    localdb.make_dir_for_owner(settings, root, 0o700)
    localdb.ensure_owner_can_reach(settings, root)
    folder = root / started_at.astimezone(dt.UTC).strftime(STAMP)
    if folder.exists():
        raise BackupError(f"{folder} exists already: wait a second and back up again")
    localdb.make_dir_for_owner(settings, folder, 0o700)
    url, password = _server(settings)
    pg_basebackup = str(localdb.find_pg_bin_dir(settings) / "pg_basebackup")
    localdb.run_as_owner(
        settings,
        [
            pg_basebackup,
            "-d",
            url,
            "-D",
            str(folder / "data"),
            "--format=plain",
            "--wal-method=stream",  # the backup carries the WAL it needs: restorable alone
            "--checkpoint=fast",
            f"--label=edumap {folder.name}",
            "--no-password",
        ],
        password=password,
    )
    with connect(settings) as conn:
        finished_at = conn.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
    # The office's key of encrypted forms: without it, a restored server cannot read the
    # forms phones encrypted (EDUMAP_PII_KEY lives in .env: keep that safe too).
    key = settings.effective_form_key_file
    if key.exists():
        (folder / "keys").mkdir(mode=0o700)
        shutil.copy2(key, folder / "keys" / key.name)
    facts = {
        "started_at": started_at.isoformat(),
        "finished_at": finished_at.isoformat(),
        "wal_archived": archiving,
        "server": make_url(url).render_as_string(hide_password=True),
    }
    (folder / MANIFEST).write_text(json.dumps(facts, indent=2) + "\n")
    backup = Backup(folder, started_at, finished_at, archiving)
    if keep is not None:
        prune(settings, keep)
    return backup


def _start_wal_file(backup: Backup) -> str:
    """The first WAL segment a backup needs (from its backup_label)."""
    for line in (backup.data_dir / "backup_label").read_text().splitlines():
        if line.startswith("START WAL LOCATION:"):
            return line.split("(file ")[1].rstrip(")")
    raise BackupError(f"{backup.path} has no backup_label: not a base backup")


def prune(settings: Settings, keep: int) -> list[Path]:
    """Remove all but the ``keep`` newest backups, and archived WAL that no kept backup needs;
    the removed backup folders."""
    if keep < 1:
        raise BackupError("keep at least one backup")
    backups = list_backups(settings)
    removed = [b.path for b in backups[:-keep]]
    for path in removed:
        localdb.run_as_owner(settings, ["rm", "-rf", str(path)])
    kept = backups[-keep:]
    if kept and settings.wal_archive_dir is not None and settings.wal_archive_dir.exists():
        cleanup = str(localdb.find_pg_bin_dir(settings) / "pg_archivecleanup")
        localdb.run_as_owner(
            settings, [cleanup, str(settings.wal_archive_dir), _start_wal_file(kept[0])]
        )
    return removed


def _archive_current_wal(settings: Settings, timeout_s: float = 60) -> None:
    """Close the WAL segment being written and wait until it is in the archive, so a restore
    can replay up to the last commit."""
    assert settings.wal_archive_dir is not None
    with connect(settings) as conn:
        row = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()
    segment = settings.wal_archive_dir / row[0]  # type: ignore[index]
    deadline = time.monotonic() + timeout_s
    while not segment.exists():
        if time.monotonic() > deadline:
            raise BackupError(
                f"WAL segment {segment.name} did not reach {settings.wal_archive_dir} within "
                f"{timeout_s:.0f} s: see the server log for the archiver's error"
            )
        time.sleep(0.2)


def choose_backup(settings: Settings, target_time: dt.datetime | None) -> Backup:
    """The newest backup, or the newest finished before ``target_time``."""
    backups = list_backups(settings)
    if not backups:
        raise BackupError(f"no backups in {settings.effective_backup_dir}: run `edumap backup`")
    if target_time is None:
        return backups[-1]
    before = [b for b in backups if b.finished_at <= target_time]
    if not before:
        raise BackupError(
            f"no backup finished before {target_time.isoformat()}; the oldest finished at "
            f"{backups[0].finished_at.isoformat()}"
        )
    return before[-1]


def restore(
    settings: Settings,
    backup: Backup | None = None,
    target_time: dt.datetime | None = None,
    timeout_s: float = 600,
) -> Restored:
    """Replace the local cluster by ``backup`` (default: the right one for ``target_time``),
    replaying archived WAL up to ``target_time`` (default: all of it). The replaced cluster
    is kept aside; a failed recovery puts it back."""
    if not settings.uses_local_cluster:
        raise BackupError(
            "EDUMAP_DATABASE_URL points at a server edumap does not run: restore it with that "
            "server's own tools (its data directory, pg_basebackup's copy and its WAL archive)"
        )
    if target_time is not None and target_time.tzinfo is None:
        raise BackupError("the restore time needs a time zone, e.g. 2026-12-02T17:30+07:00")
    chosen = backup or choose_backup(settings, target_time)
    archive = settings.wal_archive_dir
    if target_time is not None and (archive is None or not chosen.wal_archived):
        raise BackupError(
            "restoring to a point in time needs the WAL archive (EDUMAP_WAL_ARCHIVE_DIR, on "
            f"when {chosen.path.name} was made): without it, restore the backup as it was"
        )
    if localdb.status(settings).running:
        if archive is not None:
            _archive_current_wal(settings)
        localdb.stop(settings)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    replaced = settings.var_dir / f"pgdata.before-restore-{stamp}"
    settings.pgdata_dir.rename(replaced)
    try:
        localdb.make_dir_for_owner(settings, settings.pgdata_dir, 0o700)
        localdb.run_as_owner(
            settings, ["cp", "-a", f"{chosen.data_dir}/.", str(settings.pgdata_dir)]
        )
        recovery: dict[str, str] = {}
        if archive is not None and chosen.wal_archived:
            recovery = {
                "restore_command": f"cp {shlex.quote(str(archive))}/%f %p",
                "recovery_target_action": "promote",
            }
            if target_time is not None:
                recovery["recovery_target_time"] = target_time.isoformat()
            localdb.run_as_owner(settings, ["touch", str(settings.pgdata_dir / "recovery.signal")])
        localdb.write_conf_file(settings, localdb.RECOVERY_CONF, recovery)
        localdb.start(settings)
        _wait_until_promoted(settings, timeout_s)
        localdb.write_conf_file(settings, localdb.RECOVERY_CONF, {})
    except BaseException:
        localdb.stop(settings)
        localdb.run_as_owner(settings, ["rm", "-rf", str(settings.pgdata_dir)])
        replaced.rename(settings.pgdata_dir)
        localdb.start(settings)
        raise
    key = settings.effective_form_key_file
    saved_key = chosen.path / "keys" / key.name
    if saved_key.exists() and not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(saved_key, key)
    return Restored(chosen, target_time, replaced)


def _wait_until_promoted(settings: Settings, timeout_s: float) -> None:
    """Wait for the end of recovery (replay up to the target, then promotion)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with connect(settings) as conn:
                row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
            if row is not None and not row[0]:
                return
        except psycopg.OperationalError:
            if not localdb.status(settings).running:
                raise BackupError(
                    "the server stopped during recovery (see var/log/postgresql.log): the "
                    "restore target may lie beyond the archived WAL"
                ) from None
        if time.monotonic() > deadline:
            raise BackupError(f"recovery did not finish within {timeout_s:.0f} s")
        time.sleep(0.3)


def make_standby(standby: Settings, primary_url: str, *, follow: bool = True) -> None:
    """A hot standby of the server at ``primary_url`` in ``standby``'s data directory:
    ``pg_basebackup --write-recovery-conf`` (streaming replication from the primary), then
    started on ``standby``'s port. Its databases, users and passwords are the primary's.
    With ``follow`` False the copy is a server of its own from the start (a new office from
    a copy of another, a scratch copy to try an upgrade on)."""
    primary = make_url(normalise_database_url(primary_url))
    plain = primary.set(drivername="postgresql", password=None, database="postgres")
    standby.var_dir.mkdir(parents=True, exist_ok=True)
    localdb.ensure_owner_can_reach(standby, standby.var_dir)
    localdb.make_dir_for_owner(standby, standby.pgdata_dir, 0o700)
    localdb.run_as_owner(
        standby,
        [
            str(localdb.find_pg_bin_dir(standby) / "pg_basebackup"),
            "-d",
            plain.render_as_string(hide_password=False),
            "-D",
            str(standby.pgdata_dir),
            *(["--write-recovery-conf"] if follow else []),
            "--wal-method=stream",
            "--checkpoint=fast",
            "--no-password",
        ],
        password=primary.password,
    )
    if primary.password is not None:
        standby.pg_password_file.write_text(primary.password + "\n")
        standby.pg_password_file.chmod(0o600)
    localdb.start(standby)


@dataclass(frozen=True)
class Trial:
    ok: bool
    seconds: float
    revision_before: str | None
    revision_after: str | None
    error: str | None
    kept: Path | None  # the copy, when kept for a look


def _revision(url: str) -> str | None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def try_migrations(settings: Settings, port: int, keep: bool = False) -> Trial:
    """Run the migrations on a copy of the database first: a scratch cluster copied from the
    running server (``pg_basebackup``, no WAL archiving, its own port), migrated, then stopped
    and removed (kept when it failed, or with ``keep``, under var/upgrade-trial)."""
    from kernel import migrate

    folder = settings.var_dir / "upgrade-trial"
    if folder.exists():
        raise BackupError(f"{folder} is there from an earlier trial: remove it first")
    copy = Settings(
        var_dir=folder,
        pg_port=port,
        database_url=None,
        pg_database=make_url(settings.effective_database_url).database or settings.pg_database,
        pg_user=make_url(settings.effective_database_url).username or settings.pg_user,
        wal_archive_dir=None,
        pg_server_settings={},
        environment=settings.environment,
        secret_key=settings.secret_key,
        pii_key=settings.pii_key,
    )
    make_standby(copy, settings.effective_database_url, follow=False)
    url = copy.local_database_url()
    before = _revision(url)
    started = time.monotonic()
    error = None
    try:
        migrate.upgrade(url)
    except Exception as exc:  # the migration's own error is the report
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.monotonic() - started
    after = _revision(url)
    localdb.stop(copy)
    kept = folder if (keep or error) else None
    if kept is None:
        shutil.rmtree(folder)
    return Trial(error is None, seconds, before, after, error, kept)
