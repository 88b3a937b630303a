#!/usr/bin/env bash
# A private PostgreSQL cluster for development and tests: data in .run/pg, 127.0.0.1:55432, trust auth,
# superuser role `newsmon`, database `newsmon_test` (tests create and drop their own databases beside it).
#
#   deploy/local/postgres.sh start | stop | status | url | restart | reset (stop + delete data)
#
# PostgreSQL comes from Debian's packages (installed with apt-get when missing and running as root).
# The server refuses to run as root, so as root it runs as the `postgres` system user (created if missing).
# Environment: PG_HOST (127.0.0.1), PG_PORT (55432), PG_DATA_DIR (.run/pg), PG_USER (newsmon),
# PG_DATABASE (newsmon_test), PG_BIN (directory of pg_ctl; default the newest /usr/lib/postgresql/*/bin).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
HOST="${PG_HOST:-127.0.0.1}"
PORT="${PG_PORT:-55432}"

# As root the server runs as `postgres`, which must be able to enter every parent of its data dir. A checkout
# under a private directory (mktemp -d is mode 700) does not allow that, so the cluster then lives in a
# per-checkout directory under /tmp, and .run/pg links to it.
can_enter_as_postgres() {
  local d="$1"
  while :; do
    [ -e "$d" ] && { (cd / && runuser -u postgres -- test -x "$d") 2>/dev/null || return 1; }
    [ "$d" = / ] && return 0
    d="$(dirname "$d")"
  done
}
if [ -n "${PG_DATA_DIR:-}" ]; then
  BASE="$PG_DATA_DIR"
elif [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 && ! can_enter_as_postgres "$ROOT/.run"; then
  BASE="/tmp/newsmon-pg-$(printf '%s' "$ROOT" | md5sum | cut -c1-10)"
else
  BASE="$ROOT/.run/pg"
fi
DATA="$BASE/data"
SOCK="$BASE/socket"   # our own socket dir: /var/run/postgresql may be absent or owned by another cluster
LOG="$BASE/postgres.log"
DB_USER="${PG_USER:-newsmon}"
DB_NAME="${PG_DATABASE:-newsmon_test}"
URL="postgresql+psycopg://${DB_USER}@${HOST}:${PORT}/${DB_NAME}"

say() { echo "postgres: $*"; }
die() { echo "postgres: $*" >&2; exit 1; }

find_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [ -n "$d" ] && [ -x "$d/pg_ctl" ] && echo "$d"
}

ensure_installed() {
  BIN="$(find_bin || true)"
  [ -n "$BIN" ] && return 0
  [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed: run 'sudo apt-get install -y postgresql' (or set PG_BIN)"
  say "PostgreSQL not found; installing Debian's package (apt-get install -y postgresql)"
  # Debian's postinst would create and start its own cluster on 5432; this project needs neither.
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends postgresql >/dev/null
  BIN="$(find_bin || true)"
  [ -n "$BIN" ] || die "apt-get installed postgresql but no /usr/lib/postgresql/*/bin/pg_ctl was found"
}

# As root, run PostgreSQL's programs as the postgres system user; otherwise as ourselves.
as_owner() {
  # from / : the caller's directory may be one that postgres cannot enter, and its tools warn about that
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

ensure_owner() {
  [ "$(id -u)" = 0 ] || return 0
  if ! id postgres >/dev/null 2>&1; then
    say "creating the 'postgres' system user (the server refuses to run as root)"
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  mkdir -p "$BASE"
  chown postgres: "$BASE"
  can_enter_as_postgres "$BASE" \
    || die "user postgres cannot reach $BASE through its parent directories; set PG_DATA_DIR elsewhere"
  if [ "$BASE" != "$ROOT/.run/pg" ] && [ -z "${PG_DATA_DIR:-}" ]; then
    mkdir -p "$ROOT/.run"; ln -sfn "$BASE" "$ROOT/.run/pg"
  fi
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

psql_ok() {  # can the role connect to the database over TCP, as the tests will?
  "$BIN/psql" "postgresql://${DB_USER}@${HOST}:${PORT}/${1:-$DB_NAME}" -XAtqc 'select 1' >/dev/null 2>&1
}

is_running() { [ -f "$DATA/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

init_cluster() {
  [ -f "$DATA/PG_VERSION" ] && return 0
  say "creating a cluster in $DATA (superuser $DB_USER, trust auth on loopback)"
  as_owner mkdir -p "$DATA" "$SOCK"
  as_owner "$BIN/initdb" -D "$DATA" --username="$DB_USER" --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
      >"$BASE/initdb.log" 2>&1 || { cat "$BASE/initdb.log" >&2; die "initdb failed (log above)"; }
  # Tests open many short-lived engines; fsync buys nothing for throwaway test data.
  as_owner tee -a "$DATA/postgresql.conf" >/dev/null <<EOF
# deploy/local/postgres.sh: a throwaway development and test cluster (host, port, socket: given at start)
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

start() {
  ensure_installed
  if is_running; then say "already running ($(cat "$BASE/url" 2>/dev/null))"; return 0; fi
  if port_open "$HOST" "$PORT"; then
    if psql_ok; then
      say "a server this checkout did not start already serves $URL; using it (stop it where it was started)"
      return 0
    fi
    die "$HOST:$PORT is taken by something that does not accept $DB_USER@$DB_NAME; free the port or set PG_PORT"
  fi
  ensure_owner
  init_cluster
  as_owner mkdir -p "$SOCK"
  local t0=$SECONDS
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t "${PG_START_TIMEOUT:-60}" \
      -o "-c listen_addresses=$HOST -p $PORT -c unix_socket_directories=$SOCK" start >/dev/null \
    || { tail -n 30 "$LOG" >&2; die "the server did not start (log above, full log $LOG)"; }
  if ! psql_ok; then
    if psql_ok postgres; then
      "$BIN/createdb" -h "$HOST" -p "$PORT" -U "$DB_USER" "$DB_NAME" || die "could not create database $DB_NAME"
    else
      tail -n 20 "$LOG" >&2; die "the server started but refuses $DB_USER on $HOST:$PORT (log $LOG)"
    fi
  fi
  echo "$URL" >"$BASE/url"
  say "ready in $((SECONDS - t0)) s: $URL (data $DATA, log $LOG)"
}

stop() {
  BIN="$(find_bin || true)"
  if [ -z "$BIN" ] || ! is_running; then say "not running"; return 0; fi
  as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
  say "stopped"
}

status() {
  BIN="$(find_bin || true)"
  [ -n "$BIN" ] || { say "not installed"; return 3; }
  if is_running; then
    if psql_ok; then say "running: $(cat "$BASE/url" 2>/dev/null)"; else say "process up but $URL refuses connections; log $LOG"; fi
  else
    say "stopped"; return 3
  fi
}

case "${1:-}" in
  start)   start ;;
  stop)    stop ;;
  restart) stop; start ;;
  reset)   stop; rm -rf "$BASE"; [ -L "$ROOT/.run/pg" ] && rm -f "$ROOT/.run/pg"; say "deleted $BASE" ;;
  status)  status ;;
  url)     echo "$URL" ;;
  *) echo "usage: $0 start|stop|restart|reset|status|url" >&2; exit 2 ;;
esac
