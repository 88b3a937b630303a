#!/usr/bin/env bash
# The newsmon demo: a worker in the background, the sample articles published, and what came out.
#
#   deploy/local/demo.sh          (or `make demo`, which starts Kafka first) run the demo
#   deploy/local/demo.sh stop     stop the demo worker (`make down` does this too)
#   deploy/local/demo.sh status
#   deploy/local/demo.sh urls     where the worker's metrics and Prometheus are, for these settings
#
# The worker's pid is in .run/worker.pid and its log in .run/worker.log; a running worker is reused.
# Environment: DEMO_SAMPLES (streams/samples/articles.jsonl), DEMO_FEEDS (a feeds.yaml: its sources are polled
# once with `newsmon feeds run --once` after the samples, e.g. streams/samples/feeds/feeds.yaml, whose
# sources are files shipped with newsmon), DEMO_TIMEOUT (seconds to wait for the
# articles to be stored, 180), NEWSMON_DATABASE_URL (default: SQLite in .run/demo.db),
# NEWSMON_WEB_PORT (6066), NEWSMON_KAFKA_BOOTSTRAP (127.0.0.1:KAFKA_PORT, 9092), PROMETHEUS_HOST (127.0.0.1) and
# PROMETHEUS_PORT (9090) as deploy/local/prometheus.sh uses them.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RUN="$ROOT/.run"
PIDFILE="$RUN/worker.pid"
LOG="$RUN/worker.log"
NEWSMON="$ROOT/.venv/bin/newsmon"
SAMPLES="${DEMO_SAMPLES:-$ROOT/streams/samples/articles.jsonl}"
TIMEOUT="${DEMO_TIMEOUT:-180}"

export NEWSMON_DATABASE_URL="${NEWSMON_DATABASE_URL:-sqlite:///$RUN/demo.db}"
export NEWSMON_KAFKA_BOOTSTRAP="${NEWSMON_KAFKA_BOOTSTRAP:-127.0.0.1:${KAFKA_PORT:-9092}}"
export NEWSMON_DATA_DIR="${NEWSMON_DATA_DIR:-$RUN/faust}"
WEB_PORT="${NEWSMON_WEB_PORT:-6066}"
METRICS_URL="http://127.0.0.1:$WEB_PORT/metrics"
PROMETHEUS_URL="http://${PROMETHEUS_HOST:-127.0.0.1}:${PROMETHEUS_PORT:-9090}"

say() { echo "demo: $*"; }
die() { echo "demo: $*" >&2; exit 1; }

is_running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

metrics_up() {
  python3 - "$METRICS_URL" <<'EOF' 2>/dev/null
import sys, urllib.request
try:
    sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=2).status == 200 else 1)
except Exception:
    sys.exit(1)
EOF
}

stored_articles() {  # the `articles` count of `newsmon db stats --json`, or -1 when it cannot be read
  "$NEWSMON" db stats --json 2>/dev/null | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["articles"]))' \
    2>/dev/null || echo -1
}

due_alerts() {  # asserted events whose alert the broker has not acknowledged yet (alerts follow the write), or -1
  "$NEWSMON" db stats --json 2>/dev/null \
    | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["alerts"]["due"]))' 2>/dev/null || echo -1
}

start_worker() {
  mkdir -p "$RUN"
  if is_running; then
    say "reusing the worker already running (pid $(cat "$PIDFILE"), log $LOG)"
  else
    say "starting newsmon worker (log $LOG; database $NEWSMON_DATABASE_URL; broker $NEWSMON_KAFKA_BOOTSTRAP)"
    # setsid: the worker keeps running after this script (and make) exit, until `make down`.
    setsid nohup "$NEWSMON" worker >"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
  fi
  local t0=$SECONDS
  until metrics_up; do
    is_running || { tail -n 40 "$LOG" >&2; die "the worker exited during startup (log above, full log $LOG)"; }
    [ $((SECONDS - t0)) -lt "$TIMEOUT" ] \
      || die "the worker did not serve $METRICS_URL within ${TIMEOUT}s; see $LOG"
    sleep 1
  done
  say "worker up: $METRICS_URL answers (after $((SECONDS - t0)) s)"
}

run_demo() {
  [ -x "$NEWSMON" ] || die "$NEWSMON not found: run 'make venv' first (or 'make demo')"
  [ -f "$SAMPLES" ] || die "no sample articles at $SAMPLES (set DEMO_SAMPLES)"
  local expected; expected=$(grep -c '[^[:space:]]' "$SAMPLES" || true)
  start_worker

  say "publishing $expected sample articles from ${SAMPLES#"$ROOT"/}"
  "$NEWSMON" publish "$SAMPLES"
  if [ -n "${DEMO_FEEDS:-}" ]; then
    [ -f "$DEMO_FEEDS" ] || die "DEMO_FEEDS=$DEMO_FEEDS: no such file"
    say "polling the sources of ${DEMO_FEEDS#"$ROOT"/} once (newsmon feeds run --once)"
    local polled
    polled=$(NEWSMON_FEEDS_METRICS_PORT=0 "$NEWSMON" feeds run --once -f "$DEMO_FEEDS" 2>>"$RUN/feeds.log") \
      || die "newsmon feeds run failed; see $RUN/feeds.log"
    echo "$polled"
    local fed; fed=$(echo "$polled" | sed -n 's/^.*: \([0-9][0-9]*\) new article(s) published$/\1/p' \
                     | awk '{s += $1} END {print s + 0}')
    expected=$((expected + fed))
  fi

  local t0=$SECONDS n=-1
  while :; do
    n=$(stored_articles)
    [ "$n" -ge "$expected" ] && break
    is_running || { tail -n 40 "$LOG" >&2; die "the worker stopped while processing (log above, full log $LOG)"; }
    if [ $((SECONDS - t0)) -ge "$TIMEOUT" ]; then
      die "only $n of $expected articles stored after ${TIMEOUT}s; see the worker's log $LOG (or raise DEMO_TIMEOUT)"
    fi
    sleep 2
  done
  say "all $expected articles stored after $((SECONDS - t0)) s"
  until [ "$(due_alerts)" = 0 ]; do  # the persist step sends the alerts just after the database write
    [ $((SECONDS - t0)) -lt "$TIMEOUT" ] || die "alerts still due after ${TIMEOUT}s; see the worker's log $LOG"
    sleep 1
  done

  echo
  echo "== Stored articles, entities, mentions and events (newsmon db stats)"
  "$NEWSMON" db stats
  echo
  echo "== Alerts the worker published (newsmon alerts --from-beginning --no-follow)"
  "$NEWSMON" alerts --from-beginning --no-follow
  echo
  urls
  echo "Worker:    pid $(cat "$PIDFILE"), log $LOG"
  echo "Stop everything with: make down"
}

urls() {
  echo "Metrics:   $METRICS_URL   (Prometheus: make up-prometheus, then $PROMETHEUS_URL)"
}

stop_worker() {
  if ! is_running; then rm -f "$PIDFILE"; say "worker not running"; return 0; fi
  local pid; pid="$(cat "$PIDFILE")"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.3; done
  if kill -0 "$pid" 2>/dev/null; then
    say "worker pid $pid ignored SIGTERM for 30 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
  say "worker stopped (pid $pid)"
}

case "${1:-run}" in
  run)    run_demo ;;
  stop)   stop_worker ;;
  urls)   urls ;;
  status) if is_running; then say "worker running (pid $(cat "$PIDFILE"), $METRICS_URL)"; else say "worker stopped"; exit 3; fi ;;
  *) echo "usage: $0 [run|stop|status|urls]" >&2; exit 2 ;;
esac
