#!/usr/bin/env bash
# Set-up shared by scripts/run and scripts/test: install what is missing (Debian packages, the
# locked Python dependencies in .venv), start the project-local PostGIS cluster, migrate.
# Idempotent: a second run only checks. Sourced, not executed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PG_MAJOR="${EDUMAP_PG_MAJOR:-15}"

say() { printf '\033[1medumap:\033[0m %s\n' "$*"; }
die() { printf '\033[1;31medumap:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo "$@"
  elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then sudo "$@"
  else
    die "need to install Debian packages ($*) but this user is not root and cannot use sudo.
       Ask an administrator to run:  apt-get install ${MISSING_PACKAGES:-}
       or set EDUMAP_DATABASE_URL to an existing PostGIS server."
  fi
}

package_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

APT_UPDATED=0
apt_install() {
  MISSING_PACKAGES="$*"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand (this set-up supports Debian and Ubuntu)."
  if [ "$APT_UPDATED" = 0 ]; then
    say "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    APT_UPDATED=1
  fi
  say "installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
}

# PostgreSQL 15 is Debian 12's; a release that ships another major version gets that one.
choose_pg_major() {
  if package_installed "postgresql-$PG_MAJOR-postgis-3"; then return; fi
  if [ "$APT_UPDATED" = 0 ] && ! apt-cache show "postgresql-$PG_MAJOR" >/dev/null 2>&1; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null; APT_UPDATED=1
  fi
  if ! apt-cache show "postgresql-$PG_MAJOR" >/dev/null 2>&1; then
    local distro_major
    distro_major="$(apt-cache depends postgresql 2>/dev/null | sed -n 's/.*Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -n1)"
    [ -n "$distro_major" ] || die "no postgresql-$PG_MAJOR package in this system's apt sources"
    say "postgresql-$PG_MAJOR is not packaged here; using this release's PostgreSQL $distro_major"
    PG_MAJOR="$distro_major"
  fi
}

# Libraries WeasyPrint (the PDF reports) loads at run time: Pango for Thai shaping and line
# breaking, HarfBuzz's subsetter and fontconfig for the embedded fonts.
REPORT_LIBRARIES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libfontconfig1)

install_system_packages() {
  local wanted=() extra=("${REPORT_LIBRARIES[@]}" "$@")
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || wanted+=(python3-venv)
  command -v python3 >/dev/null 2>&1 || wanted+=(python3 python3-venv)
  if [ -z "${EDUMAP_DATABASE_URL:-}" ]; then
    choose_pg_major
    for p in "postgresql-$PG_MAJOR" "postgresql-$PG_MAJOR-postgis-3"; do
      package_installed "$p" || wanted+=("$p")
    done
  fi
  for p in "${extra[@]}"; do package_installed "$p" || wanted+=("$p"); done
  if [ "${#wanted[@]}" -gt 0 ]; then apt_install "${wanted[@]}"; fi
}

# Reinstall only when the lock file or the project metadata changed.
install_python_dependencies() {
  local stamp="$VENV/.edumap-installed" want
  want="$(cat "$ROOT/requirements.lock" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$VENV/bin/edumap" ]; then return; fi
  [ -x "$VENV/bin/python" ] || { say "creating $VENV"; python3 -m venv "$VENV"; }
  say "installing Python dependencies from requirements.lock"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes -r "$ROOT/requirements.lock"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e "$ROOT"
  echo "$want" > "$stamp"
}

# ODK Web Forms, the browser tests' second form client: the npm packages pinned by
# tests/webforms/package-lock.json, installed with the machine's Node.js and npm (Debian's
# nodejs and npm when missing); again only when the lock file changed.
WEB_FORMS="$ROOT/tests/webforms"
install_web_forms() {
  local stamp="$WEB_FORMS/node_modules/.edumap-installed" want
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  want="$(sha256sum "$WEB_FORMS/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  say "installing ODK Web Forms from tests/webforms/package-lock.json"
  (cd "$WEB_FORMS" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
}

# ogctests, the OGC's own test suite for OGC API - Features Part 1, in a virtual environment of
# its own (it pins older pytest and httpx than edumap's), from tests/ogctests.lock (hashes).
OGCTESTS_VENV="$ROOT/.venv-ogctests"
install_ogctests() {
  local stamp="$OGCTESTS_VENV/.edumap-installed" want
  want="$(sha256sum "$ROOT/tests/ogctests.lock" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  say "installing ogctests from tests/ogctests.lock"
  [ -x "$OGCTESTS_VENV/bin/python" ] || python3 -m venv "$OGCTESTS_VENV"
  "$OGCTESTS_VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes \
    -r "$ROOT/tests/ogctests.lock"
  echo "$want" > "$stamp"
}

start_database() {
  cd "$ROOT"
  "$VENV/bin/edumap" db start
  "$VENV/bin/edumap" db migrate
}
