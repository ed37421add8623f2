#!/usr/bin/env bash
# Start or stop a throw-away PostgreSQL 15 + pgvector on 127.0.0.1 for tests, benchmarks and
# `claimbot migrate` trials. The recipe is the one docs/deploy.md ("PostgreSQL without Docker") gives:
# Debian 12 ships PostgreSQL 15 but no pgvector, so pgvector 0.8.0 is built once from Debian 13's
# source package through a private apt config (the system apt sources are not changed).
#
#   scripts/pg.sh start      install what is missing, initdb, start; prints DATABASE_URL=...
#   scripts/pg.sh stop       stop the server by its pid (fast shutdown) and wait for it to exit
#   scripts/pg.sh url        print the DATABASE_URL of the running server
#   scripts/pg.sh status     exit 0 when the server is running
#
# Run as root (as CI is); the server itself runs as the unprivileged `postgres` user and listens on
# loopback only, with trust authentication, so it must never be used for real data.
# Settings: PGPORT (default 54329), CLAIMBOT_PG_DIR (default /tmp/claimbot-pg-$PGPORT).
set -euo pipefail
PGPORT=${PGPORT:-54329}
DIR=${CLAIMBOT_PG_DIR:-/tmp/claimbot-pg-$PGPORT}
DATA="$DIR/data"
URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/postgres"

die() { echo "pg.sh: $*" >&2; exit 1; }

server_pid() {
  # The postmaster writes its pid on the first line of postmaster.pid while it runs.
  [ -f "$DATA/postmaster.pid" ] || return 1
  local pid
  pid=$(head -1 "$DATA/postmaster.pid")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

install_packages() {
  if ! command -v pg_config >/dev/null || [ ! -x "$(pg_config --bindir)/initdb" ] \
      || [ ! -d "$(pg_config --includedir-server 2>/dev/null)" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q postgresql-15 postgresql-server-dev-15 >/dev/null
  fi
  if [ ! -f "$(pg_config --sharedir)/extension/vector.control" ]; then
    # pgvector is compiled: a compiler and make (a slim image has neither).
    if ! command -v make >/dev/null || ! command -v gcc >/dev/null; then
      apt-get update -q >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q build-essential >/dev/null
    fi
    local work mirror
    work=$(mktemp -d)
    mirror=$(apt-get indextargets --format '$(REPO_URI)' | grep -v -- '-security' | head -1)
    mkdir -p "$work/apt/lists/partial" "$work/src"
    echo "deb-src $mirror trixie main" > "$work/apt/sources.list"
    local apto=(-o Dir::Etc::SourceList="$work/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
                -o Dir::State::Lists="$work/apt/lists")
    apt-get "${apto[@]}" update -q >/dev/null
    (cd "$work/src" && apt-get "${apto[@]}" source --download-only pgvector >/dev/null 2>&1 \
       && tar xzf pgvector_*.orig.tar.gz)
    make -C "$work"/src/pgvector-*/ -j2 OPTFLAGS="" >/dev/null   # OPTFLAGS="" drops -march=native
    make -C "$work"/src/pgvector-*/ install >/dev/null
    rm -rf "$work"
  fi
}

start() {
  [ "$(id -u)" = 0 ] || die "run as root: the server is started as the postgres user with runuser"
  if pid=$(server_pid); then
    echo "PG_PID=$pid DATABASE_URL=$URL"
    return 0
  fi
  install_packages
  local bin
  bin=$(pg_config --bindir)
  mkdir -p "$DIR"
  chmod 755 "$DIR"                       # the postgres user must be able to enter it
  chown postgres:postgres "$DIR"
  if [ ! -f "$DATA/PG_VERSION" ]; then
    runuser -u postgres -- "$bin/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
  fi
  # fsync=off: test data only, and it makes the suite's many small transactions much cheaper.
  runuser -u postgres -- "$bin/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -c port=$PGPORT -c unix_socket_directories=$DIR -c fsync=off -c max_connections=200" \
    >/dev/null || { tail -20 "$DIR/server.log" >&2; die "the server did not start"; }
  psql -h 127.0.0.1 -p "$PGPORT" -U postgres -qc "create extension if not exists vector" >/dev/null
  echo "PG_PID=$(server_pid) DATABASE_URL=$URL"
}

stop() {
  local pid
  if ! pid=$(server_pid); then
    echo "pg.sh: no server running in $DATA"
    return 0
  fi
  kill -INT "$pid"                       # SIGINT = fast shutdown: abort sessions, then exit cleanly
  while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  echo "pg.sh: stopped $pid"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) server_pid >/dev/null || die "not running"; echo "$URL" ;;
  status) server_pid >/dev/null ;;
  *) die "usage: scripts/pg.sh start|stop|url|status" ;;
esac
