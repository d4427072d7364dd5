"""The project-local PostGIS cluster: a data directory inside the checkout, on its own port.

``initdb`` refuses to run as root, so when edumap is invoked as root the cluster is owned and
run by an unprivileged system account (``EDUMAP_PG_OS_USER``, Debian's ``postgres`` by default).
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from kernel.config import Settings


class LocalClusterError(RuntimeError):
    """The local cluster could not be set up or started; the message says what to do."""


@dataclass(frozen=True)
class ClusterStatus:
    running: bool
    initialised: bool
    detail: str


def find_pg_bin_dir(settings: Settings) -> Path:
    """The newest PostgreSQL server whose installation has the PostGIS extension."""
    if settings.pg_bin_dir:
        return settings.pg_bin_dir
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
        reverse=True,
    )
    for pg_ctl in candidates:
        version = pg_ctl.parent.parent.name
        if Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
            return pg_ctl.parent
    raise LocalClusterError(
        "No PostgreSQL server with PostGIS found under /usr/lib/postgresql. "
        "Run the README's set-up command (it installs postgresql-15 and "
        "postgresql-15-postgis-3), or set EDUMAP_DATABASE_URL to an existing PostGIS server."
    )


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _owner(settings: Settings) -> pwd.struct_passwd | None:
    """The account that owns the cluster when we are root; None when we run it ourselves."""
    if not _running_as_root():
        return None
    try:
        return pwd.getpwnam(settings.pg_os_user)
    except KeyError as exc:
        raise LocalClusterError(
            f"Running as root, but the account {settings.pg_os_user!r} that should own the "
            "database cluster does not exist. Install Debian's postgresql package (it creates "
            "'postgres') or set EDUMAP_PG_OS_USER to an unprivileged account."
        ) from exc


def _as_owner(settings: Settings, argv: list[str]) -> list[str]:
    owner = _owner(settings)
    if owner is None:
        return argv
    return ["runuser", "-u", owner.pw_name, "--", *argv]


def run_as_owner(
    settings: Settings, argv: list[str], check: bool = True, password: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL program as the cluster's account; ``password`` goes to libpq in the
    environment (PGPASSWORD), never on a command line other users can read."""
    env = None if password is None else os.environ | {"PGPASSWORD": password}
    result = subprocess.run(
        _as_owner(settings, argv), capture_output=True, text=True, check=False, cwd="/", env=env
    )
    if check and result.returncode != 0:
        raise LocalClusterError(
            f"{Path(argv[0]).name} failed ({result.returncode}): "
            f"{(result.stderr or result.stdout).strip()}"
        )
    return result


def make_dir_for_owner(settings: Settings, path: Path, mode: int) -> None:
    path.mkdir(parents=True, exist_ok=True)
    owner = _owner(settings)
    if owner is not None:
        os.chown(path, owner.pw_uid, owner.pw_gid)
    path.chmod(mode)


def ensure_owner_can_reach(settings: Settings, path: Path) -> None:
    """Let the cluster's account traverse the folders above the checkout (e.g. /root)."""
    owner = _owner(settings)
    if owner is None:
        return
    for parent in reversed(path.resolve().parents):
        if run_as_owner(settings, ["test", "-x", str(parent)], check=False).returncode != 0:
            if shutil.which("setfacl"):
                subprocess.run(["setfacl", "-m", f"u:{owner.pw_name}:x", str(parent)], check=True)
            else:
                parent.chmod(parent.stat().st_mode | 0o001)
            print(f"edumap: allowed {owner.pw_name} to traverse {parent} (search permission only)")


def _server_options(settings: Settings) -> str:
    return (
        f"-p {settings.pg_port} -k {settings.pg_socket_dir} "
        "-c listen_addresses=127.0.0.1 -c max_connections=60"
    )


# The settings edumap manages live in their own file beside postgresql.conf, included by it:
# values with paths and spaces (an archive directory) need no shell quoting there, and
# postgresql.conf stays as initdb wrote it but for the one include line.
SERVER_CONF = "edumap-server.conf"
# Written only while a restore replays WAL (`kernel.backup`), removed once it is done.
RECOVERY_CONF = "edumap-recovery.conf"


def conf_value(value: str) -> str:
    """A postgresql.conf string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def server_settings(settings: Settings) -> dict[str, str]:
    """What edumap sets on the local server beyond the command line: WAL archiving through
    PostgreSQL's own ``basic_archive`` module (it copies each segment under a temporary name
    and renames it, so a crash never leaves half a segment in the archive), and the office's
    extra settings."""
    chosen: dict[str, str] = {}
    if settings.wal_archive_dir is not None:
        chosen |= {
            "archive_mode": "on",
            "archive_library": "basic_archive",
            "basic_archive.archive_directory": str(settings.wal_archive_dir),
            # A quiet office still closes a segment every 5 minutes: what it did is archived.
            "archive_timeout": "300",
        }
    return chosen | settings.pg_server_settings


def write_conf_file(settings: Settings, name: str, values: dict[str, str]) -> None:
    """Write ``name`` in the data directory and make postgresql.conf include it."""
    lines = [f"# Written by edumap ({name}); edit the settings, not this file.\n"]
    lines += [f"{key} = {conf_value(value)}\n" for key, value in values.items()]
    _write_owned(settings, settings.pgdata_dir / name, "".join(lines))
    main_conf = settings.pgdata_dir / "postgresql.conf"
    include = f"include_if_exists = {conf_value(name)}\n"
    if include not in main_conf.read_text():
        _write_owned(settings, main_conf, main_conf.read_text() + include)


def _write_owned(settings: Settings, path: Path, content: str) -> None:
    path.write_text(content)
    owner = _owner(settings)
    if owner is not None:
        os.chown(path, owner.pw_uid, owner.pw_gid)
    path.chmod(0o600)


def status(settings: Settings) -> ClusterStatus:
    """Whether the local cluster exists and is running."""
    initialised = (settings.pgdata_dir / "PG_VERSION").exists()
    if not initialised:
        return ClusterStatus(False, False, f"no cluster at {settings.pgdata_dir}")
    pg_ctl = str(find_pg_bin_dir(settings) / "pg_ctl")
    result = run_as_owner(settings, [pg_ctl, "-D", str(settings.pgdata_dir), "status"], check=False)
    running = result.returncode == 0
    detail = (result.stdout or result.stderr).strip().splitlines()[0] if result.stdout else ""
    return ClusterStatus(running, True, detail or ("running" if running else "stopped"))


def initialise(settings: Settings) -> None:
    """Create the cluster with a generated password, if it does not exist yet."""
    if (settings.pgdata_dir / "PG_VERSION").exists():
        return
    bin_dir = find_pg_bin_dir(settings)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    ensure_owner_can_reach(settings, settings.var_dir)
    make_dir_for_owner(settings, settings.pgdata_dir, 0o700)
    make_dir_for_owner(settings, settings.pg_socket_dir, 0o755)
    make_dir_for_owner(settings, settings.var_dir / "log", 0o755)

    password = secrets.token_urlsafe(24)
    pwfile = settings.pg_socket_dir / "initdb-password"
    pwfile.write_text(password + "\n")
    owner = _owner(settings)
    if owner is not None:
        os.chown(pwfile, owner.pw_uid, owner.pw_gid)
    pwfile.chmod(0o600)
    try:
        run_as_owner(
            settings,
            [
                str(bin_dir / "initdb"),
                "-D",
                str(settings.pgdata_dir),
                "-U",
                settings.pg_user,
                f"--pwfile={pwfile}",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
        )
    finally:
        pwfile.unlink(missing_ok=True)
    settings.pg_password_file.write_text(password + "\n")
    settings.pg_password_file.chmod(0o600)


def start(settings: Settings, timeout_s: int = 60) -> ClusterStatus:
    """Initialise if needed, start the server, and create the application database."""
    initialise(settings)
    current = status(settings)
    if not current.running:
        pg_ctl = str(find_pg_bin_dir(settings) / "pg_ctl")
        make_dir_for_owner(settings, settings.pg_socket_dir, 0o755)
        make_dir_for_owner(settings, settings.var_dir / "log", 0o755)  # a standby's first start
        if settings.wal_archive_dir is not None:
            make_dir_for_owner(settings, settings.wal_archive_dir, 0o700)
            ensure_owner_can_reach(settings, settings.wal_archive_dir)
        write_conf_file(settings, SERVER_CONF, server_settings(settings))
        log_file = settings.var_dir / "log" / "postgresql.log"
        try:
            run_as_owner(
                settings,
                [
                    pg_ctl,
                    "-D",
                    str(settings.pgdata_dir),
                    "-l",
                    str(log_file),
                    "-o",
                    _server_options(settings),
                    "-w",
                    "-t",
                    str(timeout_s),
                    "start",
                ],
            )
        except LocalClusterError as exc:
            tail = (
                log_file.read_text(errors="replace").splitlines()[-5:] if log_file.exists() else []
            )
            raise LocalClusterError(
                f"{exc}\nLast lines of {log_file}:\n"
                + "\n".join(tail)
                + f"\n(Is port {settings.pg_port} taken? Set EDUMAP_PG_PORT to another.)"
            ) from exc
    ensure_database(settings, settings.pg_database)
    return status(settings)


def stop(settings: Settings) -> ClusterStatus:
    """Stop the server (fast shutdown: open sessions are rolled back)."""
    current = status(settings)
    if current.running:
        pg_ctl = str(find_pg_bin_dir(settings) / "pg_ctl")
        run_as_owner(settings, [pg_ctl, "-D", str(settings.pgdata_dir), "-m", "fast", "-w", "stop"])
    return status(settings)


def _libpq_url(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


def ensure_database(settings: Settings, name: str, server_url: str | None = None) -> bool:
    """Create database ``name`` on the server if missing; True when it was created."""
    maintenance = _libpq_url(server_url or settings.local_database_url("postgres"))
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = psycopg.connect(maintenance, autocommit=True, connect_timeout=5)
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return False
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                sql.Identifier(name)
            )
        )
        return True


def copy_database(server_url: str, source: str, target: str) -> None:
    """Replace database ``target`` with a copy of ``source`` (a file-level copy, seconds for
    the demo); nobody may be connected to ``source`` meanwhile."""
    with psycopg.connect(_libpq_url(server_url), autocommit=True, connect_timeout=10) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target))
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(target), sql.Identifier(source)
            )
        )


def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name`` if it is there, disconnecting its users."""
    with psycopg.connect(_libpq_url(server_url), autocommit=True, connect_timeout=10) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
