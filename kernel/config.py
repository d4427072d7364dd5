"""Settings, read once from the environment (prefix ``EDUMAP_``) and an optional ``.env`` file."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Development-only values; startup refuses them in any other environment.
DEVELOPMENT_SECRET_KEY = "edumap-development-secret-key-do-not-use-in-production"
DEVELOPMENT_PII_KEY = "ZWR1bWFwLWRldmVsb3BtZW50LXBpaS1rZXktMzJieXQ="  # 32 bytes, base64
DATA_DIR = PROJECT_ROOT / "data"


def normalise_database_url(url: str) -> str:
    """Make any PostgreSQL URL use SQLAlchemy's psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as ``EDUMAP_<FIELD>``."""

    model_config = SettingsConfigDict(
        env_prefix="EDUMAP_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "test", "production"] = "development"

    # An existing PostGIS server. When unset, edumap runs its own cluster inside the checkout.
    database_url: str | None = None
    # A hot standby of that server (streaming replication): maps, reports, the public API, OGC
    # and tiles read there; writes, reads of one's own writes and named (audited) reads stay
    # on the primary. Unset: everything on the primary.
    read_database_url: str | None = None

    # The project-local cluster (used only when database_url is unset).
    var_dir: Path = PROJECT_ROOT / "var"
    pg_port: int = Field(default=5433, ge=1024, le=65535)
    pg_database: str = "edumap"
    pg_user: str = "edumap"
    pg_bin_dir: Path | None = None
    # initdb refuses to run as root; this system account owns the cluster when invoked as root.
    pg_os_user: str = "postgres"
    # Extra server settings of the local cluster (JSON object), e.g. {"wal_level": "logical"}
    # for an office that publishes to a national instance; applied at the next start.
    pg_server_settings: dict[str, str] = {}
    # Where the local cluster archives its WAL (continuous archiving, for `edumap restore` to a
    # point in time); unset: no archiving, and a restore returns to a backup's own moment.
    wal_archive_dir: Path | None = None
    backup_dir: Path | None = None  # `edumap backup`'s base backups; default <var_dir>/backups

    data_dir: Path = DATA_DIR
    demo_province: str = "55"
    # Academic year (Buddhist Era) and seed of the demo's synthetic records.
    demo_academic_year: int = Field(default=2569, ge=2500, le=2700)
    demo_seed: int = 2569
    # This server is the training database (`edumap demo --training`): every page says so.
    training: bool = False

    # Connections each server process keeps open (and as many again under bursts); two
    # workers at the default stay well inside PostgreSQL's default of 100.
    db_pool_size: int = Field(default=16, ge=1, le=200)

    api_max_features: int = Field(default=20_000, ge=1)

    # Basemap tiles for the maps: unset means none (the maps work offline); e.g.
    # "https://tile.openstreetmap.org/{z}/{x}/{y}.png" or an office's own tile server.
    map_tiles: str | None = None
    map_attribution: str = "&copy; OpenStreetMap contributors"

    # Signing key for access, refresh and session tokens and CSRF tokens.
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET_KEY)
    # Key (base64, 32 bytes) that encrypts national IDs at rest and keys their lookup hash.
    pii_key: SecretStr = SecretStr(DEVELOPMENT_PII_KEY)
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=7, ge=1, le=90)
    session_hours: int = Field(default=10, ge=1, le=72)
    # None: secure cookies everywhere except development (plain http on a laptop).
    cookie_secure: bool | None = None
    # Failures of one account from one address before that address waits (then 1 minute,
    # doubling per failure, at most the window); other addresses still log in.
    login_max_failures_per_user: int = Field(default=5, ge=1)
    login_max_failures_per_ip: int = Field(default=20, ge=1)
    # Failures of one account from all addresses before addresses it never logged in from wait.
    login_max_failures_per_account: int = Field(default=50, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    # CORS is closed unless origins are listed (JSON list in the environment).
    cors_origins: list[str] = []
    # Reverse proxies (addresses or networks, JSON list) whose X-Forwarded-For is believed;
    # from any other peer the header is ignored, so nobody can write another address into the
    # audit log or the login throttle.
    trusted_proxies: list[str] = []
    # Compress data responses (GeoJSON, JSON, tiles, scripts) when the client accepts gzip;
    # off behind a reverse proxy that compresses, or to measure without it.
    compress_responses: bool = True
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    # Every zip member edumap decompresses (zipped shapefiles, XLSX parts): its expanded size
    # and its expansion ratio (members under 1 MiB may compress better).
    archive_member_max_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    archive_max_ratio: float = Field(default=100.0, ge=2)
    # A household's GPS point farther than this outside its tambon (beyond the point's stated
    # accuracy) is refused unless confirmed; a confirmed or offline one is stored and flagged.
    # Columns an imported CSV/XLSX may have (a file of a million columns is refused).
    import_max_columns: int = Field(default=500, ge=10)
    household_max_outside_m: float = Field(default=2_000.0, ge=0)
    # A service area with more than this share of its area outside its office's districts is
    # refused; smaller crossings are the quality report's warning.
    service_area_max_outside_share: float = Field(default=0.2, ge=0, le=1)
    # The public coverage report costs seconds of CPU (a PDF of a province about 8 s): the same
    # report of unchanged data is served from var/cache for this long (0: never cached).
    # How often each server process looks for census, school or service-area changes and
    # refreshes the stored coverage (off the request path); 0 turns the refresher off.
    coverage_refresh_seconds: float = Field(default=1.0, ge=0)
    # A whole-round coverage pass over a large round is shared between this many database
    # connections (one per core suits: the pass is CPU-bound in PostgreSQL).
    coverage_workers: int = Field(default=2, ge=1)
    # PDPA: register extracts and named matching results are removed (aggregates kept) this
    # many days after their census round closes, by `edumap retention apply`.
    register_retention_days: int = Field(default=365, ge=0)
    # HTTPS for `edumap serve --https`: the office's certificate and key (PEM); when neither
    # file exists a self-signed pair is written there for a trial (default: var/tls/).
    # The office's private key for encrypted forms (XLSForm ``public_key``): PEM, default
    # <var_dir>/keys/form-key.pem, written by ``edumap forms key``.
    form_key_file: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    report_cache_seconds: int = Field(default=600, ge=0)
    report_cache_dir: Path | None = None  # default: <var_dir>/cache/reports
    manual_dir: Path | None = None  # the built manual /manual serves; default: <var_dir>/manual

    @field_validator("database_url", "read_database_url")
    @classmethod
    def _normalise_url(cls, value: str | None) -> str | None:
        return normalise_database_url(value) if value else None

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.environment == "development":
            return self
        defaults = []
        if self.secret_key.get_secret_value() == DEVELOPMENT_SECRET_KEY:
            defaults.append("EDUMAP_SECRET_KEY")
        if self.pii_key.get_secret_value() == DEVELOPMENT_PII_KEY:
            defaults.append("EDUMAP_PII_KEY")
        if defaults:
            raise ValueError(
                f"{' and '.join(defaults)} still have the development default; in "
                f"{self.environment} set them to new random values: `edumap secrets` prints a "
                "fresh pair"
            )
        return self

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.environment != "development"

    @property
    def uses_local_cluster(self) -> bool:
        return self.database_url is None

    @property
    def effective_form_key_file(self) -> Path:
        return self.form_key_file or self.var_dir / "keys" / "form-key.pem"

    @property
    def pgdata_dir(self) -> Path:
        return self.var_dir / "pgdata"

    @property
    def pg_socket_dir(self) -> Path:
        return self.var_dir / "run"

    @property
    def effective_backup_dir(self) -> Path:
        return self.backup_dir or self.var_dir / "backups"

    @property
    def pg_password_file(self) -> Path:
        return self.var_dir / "pg-password"

    def local_database_url(self, database: str | None = None) -> str:
        """URL of the project-local cluster; its password is generated at initdb."""
        password = ""
        if self.pg_password_file.exists():
            password = ":" + quote(self.pg_password_file.read_text().strip(), safe="")
        return (
            f"postgresql+psycopg://{self.pg_user}{password}@127.0.0.1:{self.pg_port}/"
            f"{database or self.pg_database}"
        )

    @property
    def effective_database_url(self) -> str:
        return self.database_url or self.local_database_url()


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, created on first use."""
    return Settings()
