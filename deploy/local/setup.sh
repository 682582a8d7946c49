#!/usr/bin/env bash
# Makes a local PostgreSQL with pgvector available and creates the gemba database.
# Idempotent: every step checks first and prints what it does. Safe to run again.
#
# Environment:
#   GEMBA_PG_VERSION   PostgreSQL major version to install when none is present (default 15)
#   GEMBA_DB_NAME      database to create (default gemba)
#   GEMBA_DB_USER      role that owns it (default: the invoking OS user, so peer auth works)
set -euo pipefail

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

DB_NAME=${GEMBA_DB_NAME:-gemba}
PG_VERSION=${GEMBA_PG_VERSION:-15}

alternatives() {
  cat >&2 <<'ALT'
[setup] This script can set up PostgreSQL + pgvector on Debian/Ubuntu as root (or with sudo).
[setup] Alternatives:
[setup]   macOS (Homebrew):  brew install postgresql@16 pgvector && brew services start postgresql@16 && createdb gemba
[setup]   Docker Compose:    docker compose -f deploy/compose.yaml up -d postgres
[setup]                      export GEMBA_DATABASE_URL=postgres://gemba:gemba@127.0.0.1:5432/gemba?sslmode=disable
[setup]   Existing server:   export GEMBA_DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/gemba  (needs the pgvector extension)
ALT
}

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo"
  fi
fi

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    if command -v runuser >/dev/null 2>&1; then runuser -u postgres -- "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
  else
    $SUDO -u postgres "$@"
  fi
}

if [ "$(uname -s)" != "Linux" ] || ! command -v apt-get >/dev/null 2>&1; then
  if command -v pg_isready >/dev/null 2>&1 && pg_isready -q; then
    say "not a Debian/Ubuntu system, but a PostgreSQL server answers; creating database $DB_NAME if needed"
    createdb "$DB_NAME" 2>/dev/null || true
    psql -d "$DB_NAME" -c 'CREATE EXTENSION IF NOT EXISTS vector' || { alternatives; die "pgvector is not available on this server"; }
    exit 0
  fi
  alternatives
  die "unsupported system for automatic setup"
fi
if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; then
  alternatives
  die "need root or passwordless sudo to install PostgreSQL"
fi

APT_UPDATED=0
apt_update() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    say "apt-get update"
    $SUDO apt-get update -qq
    APT_UPDATED=1
  fi
}
apt_install() {
  apt_update
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  APT_INSTALLED=1
}
APT_INSTALLED=0

# 1. PostgreSQL server.
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  say "PostgreSQL server not found: installing"
  apt_install postgresql postgresql-contrib
else
  say "PostgreSQL server present"
fi
PGV=$(ls -1 /usr/lib/postgresql | sort -n | tail -1)
say "using PostgreSQL $PGV"

# 2. Cluster exists and runs.
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1}' | grep -qx "$PGV"; then
  say "creating cluster $PGV/main"
  $SUDO pg_createcluster "$PGV" main
fi
CLUSTER=$(pg_lsclusters -h | awk -v v="$PGV" '$1==v {print $2; exit}')
PORT=$(pg_lsclusters -h | awk -v v="$PGV" '$1==v {print $3; exit}')
if pg_lsclusters -h | awk -v v="$PGV" -v c="$CLUSTER" '$1==v && $2==c {print $4}' | grep -q online; then
  say "cluster $PGV/$CLUSTER is running on port $PORT"
else
  say "starting cluster $PGV/$CLUSTER (port $PORT)"
  $SUDO pg_ctlcluster "$PGV" "$CLUSTER" start
fi
for _ in $(seq 1 30); do pg_isready -q -p "$PORT" -h /var/run/postgresql && break; sleep 0.5; done
pg_isready -q -p "$PORT" -h /var/run/postgresql || die "cluster did not become ready; see /var/log/postgresql/"

# 3. pgvector.
SHAREDIR=$(/usr/lib/postgresql/"$PGV"/bin/pg_config --sharedir 2>/dev/null || echo /usr/share/postgresql/"$PGV")
if [ -f "$SHAREDIR/extension/vector.control" ]; then
  say "pgvector already installed"
else
  apt_update
  if apt-cache show "postgresql-$PGV-pgvector" >/dev/null 2>&1; then
    apt_install "postgresql-$PGV-pgvector"
  else
    say "no binary package postgresql-$PGV-pgvector: building Debian's pgvector source package"
    apt_install "postgresql-server-dev-$PGV" build-essential dpkg-dev
    if ! apt-cache showsrc pgvector 2>/dev/null | grep -q '^Package: pgvector'; then
      # Add a deb-src entry for the newer suite on the same mirror this machine already uses.
      URI=""
      if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
        URI=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -1)
      fi
      if [ -z "$URI" ] && [ -f /etc/apt/sources.list ]; then
        URI=$(grep -E '^deb ' /etc/apt/sources.list | grep -v security | awk '{print $2}' | head -1)
      fi
      [ -n "$URI" ] || die "cannot find the machine's Debian mirror to fetch pgvector's source"
      say "adding deb-src for trixie on the machine's own mirror"
      printf 'Types: deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$URI" \
        | $SUDO tee /etc/apt/sources.list.d/gemba-pgvector-src.sources >/dev/null
      APT_UPDATED=0
      apt_update
    fi
    BUILD=$(mktemp -d)
    (cd "$BUILD" && apt-get source -qq pgvector >/dev/null 2>&1 || apt-get source pgvector)
    cd "$BUILD"/pgvector-*/
    say "make && make install (pgvector $(basename "$PWD"))"
    make -s PG_CONFIG=/usr/lib/postgresql/"$PGV"/bin/pg_config >/dev/null
    $SUDO make -s install PG_CONFIG=/usr/lib/postgresql/"$PGV"/bin/pg_config >/dev/null
    cd /; rm -rf "$BUILD"
    say "pgvector installed"
  fi
fi

# 3b. Installing the build dependencies can upgrade the server package under a
# running cluster (postgresql-server-dev-N pulls the matching postgresql-N):
# the old postmaster then fails to load the new libraries ("could not load
# library plpgsql.so: undefined symbol"). Restart it on the new binaries.
if [ "$APT_INSTALLED" -eq 1 ]; then
  say "packages were installed: restarting cluster $PGV/$CLUSTER on the installed binaries"
  $SUDO pg_ctlcluster "$PGV" "$CLUSTER" restart
  for _ in $(seq 1 30); do pg_isready -q -p "$PORT" -h /var/run/postgresql && break; sleep 0.5; done
  pg_isready -q -p "$PORT" -h /var/run/postgresql || die "cluster did not become ready after the restart; see /var/log/postgresql/"
fi

# 4. Role and database.
# The invoking OS user gets a superuser role so that peer authentication over the
# local socket works with no password (postgres:///gemba).
DB_USER=${GEMBA_DB_USER:-$(id -un)}
if [ "$DB_USER" != "postgres" ]; then
  if ! as_postgres psql -p "$PORT" -tAc "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'" | grep -q 1; then
    say "creating role $DB_USER"
    as_postgres psql -p "$PORT" -qc "CREATE ROLE \"$DB_USER\" LOGIN SUPERUSER"
  fi
fi
if as_postgres psql -p "$PORT" -tAc "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'" | grep -q 1; then
  say "database $DB_NAME exists"
else
  say "creating database $DB_NAME"
  as_postgres createdb -p "$PORT" -O "$DB_USER" "$DB_NAME"
fi
as_postgres psql -p "$PORT" -d "$DB_NAME" -qc 'CREATE EXTENSION IF NOT EXISTS vector' >/dev/null
say "extension vector $(as_postgres psql -p "$PORT" -d "$DB_NAME" -tAc "SELECT extversion FROM pg_extension WHERE extname='vector'") ready in $DB_NAME"
say "done: connect with GEMBA_DATABASE_URL=postgres:///$DB_NAME (local socket, port $PORT, user $DB_USER)"
