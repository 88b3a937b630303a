#!/usr/bin/env bash
# Prometheus for a local newsmon worker: 127.0.0.1:9090 (PROMETHEUS_PORT), data in .run/prometheus.
#
#   deploy/local/prometheus.sh start [CONFIG] | stop | status | restart [CONFIG] | check [CONFIG] | install | config
#
# CONFIG (or PROMETHEUS_CONFIG) is used as it is. Without one, the config is written to
# .run/prometheus/prometheus.yml (`config` writes it and prints its path) from deploy/prometheus/prometheus.yml,
# with the scrape targets this machine's settings give: the worker at NEWSMON_WEB_HOST:NEWSMON_WEB_PORT
# (127.0.0.1:6066; PROMETHEUS_WORKER_TARGETS=host:port,host:port for several workers) and Prometheus itself
# at PROMETHEUS_HOST:PROMETHEUS_PORT, and the rule files by absolute path.
# Prometheus and promtool come from Debian's `prometheus` package, installed when missing (as root).
# Environment: PROMETHEUS_HOST (127.0.0.1), PROMETHEUS_PORT (9090), PROMETHEUS_DATA_DIR (.run/prometheus),
# PROMETHEUS_RETENTION (2d), PROMETHEUS_START_TIMEOUT (60).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
HOST="${PROMETHEUS_HOST:-127.0.0.1}"
PORT="${PROMETHEUS_PORT:-9090}"
DATA="${PROMETHEUS_DATA_DIR:-$ROOT/.run/prometheus}"
PIDFILE="$DATA/prometheus.pid"
LOG="$DATA/prometheus.log"
CONFIG_GIVEN="${2:-${PROMETHEUS_CONFIG:-}}"
TEMPLATE="$ROOT/deploy/prometheus/prometheus.yml"
CONFIG="${CONFIG_GIVEN:-$DATA/prometheus.yml}"
WEB_HOST="${NEWSMON_WEB_HOST:-127.0.0.1}"
case "$WEB_HOST" in 0.0.0.0|::|"") WEB_HOST=127.0.0.1 ;; esac  # a worker bound to every address is scraped on loopback
WORKER_TARGETS="${PROMETHEUS_WORKER_TARGETS:-$WEB_HOST:${NEWSMON_WEB_PORT:-6066}}"
FEEDS_HOST="${NEWSMON_FEEDS_METRICS_HOST:-127.0.0.1}"
case "$FEEDS_HOST" in 0.0.0.0|::|"") FEEDS_HOST=127.0.0.1 ;; esac
FEEDS_TARGET="$FEEDS_HOST:${NEWSMON_FEEDS_METRICS_PORT:-6067}"

say() { echo "prometheus: $*"; }
die() { echo "prometheus: $*" >&2; exit 1; }

ensure_installed() {
  command -v prometheus >/dev/null && command -v promtool >/dev/null && return 0
  [ "$(id -u)" = 0 ] || die "prometheus/promtool not installed: run 'sudo apt-get install -y prometheus'"
  say "installing Debian's prometheus package (prometheus + promtool)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends prometheus >/dev/null
  command -v prometheus >/dev/null && command -v promtool >/dev/null \
    || die "apt-get install prometheus did not provide both prometheus and promtool"
}

# The template's targets are the defaults (127.0.0.1:6066, 127.0.0.1:6067 and 127.0.0.1:9090); each must be there once.
write_config() {
  mkdir -p "$DATA"
  python3 - "$TEMPLATE" "$CONFIG" "$WORKER_TARGETS" "$HOST:$PORT" "$(dirname "$TEMPLATE")" "$FEEDS_TARGET" <<'EOF' \
    || die "could not write $CONFIG from $TEMPLATE (above)"
import re, sys
template, out, workers, prometheus, base, feeds = sys.argv[1:]
text = open(template).read()
quoted = ", ".join(f'"{t.strip()}"' for t in workers.split(",") if t.strip())
for old, new in (('["127.0.0.1:6066"]', f"[{quoted}]"), ('["127.0.0.1:9090"]', f'["{prometheus}"]'),
                 ('["127.0.0.1:6067"]', f'["{feeds}"]')):
    if text.count(old) != 1:
        sys.exit(f"{template} no longer has the target {old} exactly once")
    text = text.replace(old, new)
text, n = re.subn(r"^(\s*- )(rules/\S+)$", lambda m: f"{m.group(1)}{base}/{m.group(2)}", text, flags=re.M)
if n == 0:
    sys.exit(f"{template} lists no rules/ file")
header = (f"# Written by deploy/local/prometheus.sh from {template} on every start: edit that file, or set\n"
          "# NEWSMON_WEB_PORT / PROMETHEUS_WORKER_TARGETS / NEWSMON_FEEDS_METRICS_PORT / PROMETHEUS_PORT, not this one.\n")
open(out, "w").write(header + text)
EOF
}

resolve_config() {
  if [ -n "$CONFIG_GIVEN" ]; then
    [ -f "$CONFIG" ] || die "config $CONFIG does not exist"
    return 0
  fi
  [ -f "$TEMPLATE" ] || die "$TEMPLATE is missing: restore it (git checkout deploy/prometheus) or pass a CONFIG"
  write_config
}

is_running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

ready() {  # Prometheus answers 200 on /-/ready once the TSDB is open and rules are loaded
  python3 - "http://$HOST:$PORT/-/ready" <<'EOF' 2>/dev/null
import sys, urllib.request
try:
    sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=2).status == 200 else 1)
except Exception:
    sys.exit(1)
EOF
}

check() {
  ensure_installed
  resolve_config
  promtool check config "$CONFIG" >"$DATA/check.log" 2>&1 \
    || { cat "$DATA/check.log" >&2; die "promtool rejects $CONFIG (above)"; }
}

start() {
  mkdir -p "$DATA"
  if is_running; then say "already running (pid $(cat "$PIDFILE"), http://$HOST:$PORT)"; return 0; fi
  if port_open "$HOST" "$PORT"; then
    die "$HOST:$PORT is taken by another process; stop it or set PROMETHEUS_PORT"
  fi
  check
  local t0=$SECONDS
  setsid nohup prometheus --config.file="$CONFIG" --storage.tsdb.path="$DATA/data" \
      --storage.tsdb.retention.time="${PROMETHEUS_RETENTION:-2d}" \
      --web.listen-address="$HOST:$PORT" --web.enable-lifecycle >"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  until ready; do
    is_running || { tail -n 30 "$LOG" >&2; die "prometheus exited during startup (log above, full log $LOG)"; }
    [ $((SECONDS - t0)) -lt "${PROMETHEUS_START_TIMEOUT:-60}" ] \
      || { tail -n 30 "$LOG" >&2; die "not ready after ${PROMETHEUS_START_TIMEOUT:-60}s (log $LOG)"; }
    sleep 0.3
  done
  say "ready on http://$HOST:$PORT in $((SECONDS - t0)) s (config $CONFIG, pid $(cat "$PIDFILE"), log $LOG)"
}

stop() {
  if ! is_running; then rm -f "$PIDFILE"; say "not running"; return 0; fi
  local pid; pid="$(cat "$PIDFILE")"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
  say "stopped (pid $pid)"
}

status() {
  if is_running && ready; then say "running (pid $(cat "$PIDFILE"), http://$HOST:$PORT)"
  elif is_running; then say "process up (pid $(cat "$PIDFILE")) but not ready; log $LOG"
  else say "stopped"; return 3; fi
}

case "${1:-}" in
  start)   start ;;
  stop)    stop ;;
  restart) stop; start ;;
  status)  status ;;
  check)   mkdir -p "$DATA"; check; say "config $CONFIG is valid" ;;
  config)  resolve_config; echo "$CONFIG" ;;
  install) ensure_installed; say "$(prometheus --version 2>&1 | head -n 1); promtool at $(command -v promtool)" ;;
  *) echo "usage: $0 start [CONFIG]|stop|status|restart [CONFIG]|check [CONFIG]|install|config" >&2; exit 2 ;;
esac
