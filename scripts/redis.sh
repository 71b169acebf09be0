#!/usr/bin/env bash
# scripts/redis.sh — a throw-away Redis (Debian's redis-server) on 127.0.0.1: the broker of hoso's
# tests and of a one-machine try of `hoso worker`. Its queue survives `restart`; `stop` then `start`
# after removing HOSO_REDIS_DIR begins empty.
#
#   scripts/redis.sh start     start in the background, wait until it answers PING, print the URL;
#                              idempotent (already answering -> exit 0)
#   scripts/redis.sh stop      SHUTDOWN (the append-only file is kept), SIGKILL after a deadline
#   scripts/redis.sh restart   stop, then start on the same port (a broker restart, for fault tests)
#   scripts/redis.sh url       print redis://127.0.0.1:PORT/0
#
# Environment (all optional):
#   HOSO_REDIS_PORT           TCP port                       (6390: not the system Redis's 6379)
#   HOSO_REDIS_DIR            state dir (pid file, log)      (<repo>/.redis)
#   HOSO_REDIS_START_TIMEOUT  seconds to wait for PING       (20)
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
BASE="${HOSO_REDIS_DIR:-$REPO_ROOT/.redis}"
PORT="${HOSO_REDIS_PORT:-6390}"
START_TIMEOUT="${HOSO_REDIS_START_TIMEOUT:-20}"
PIDFILE="$BASE/redis.pid"
URL="redis://127.0.0.1:$PORT/0"

log() { printf '[redis.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ "$PORT" =~ ^[0-9]+$ ]] && (( PORT >= 1 && PORT <= 65535 )) || die "HOSO_REDIS_PORT must be a TCP port number, got '$PORT'"

answers() { redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG; }

do_start() {
    command -v redis-server >/dev/null || die "redis-server is missing: run scripts/install-deps.sh with HOSO_OPENSEARCH=1 (Debian's redis-server)"
    if answers; then
        log "already answering on 127.0.0.1:$PORT"
        echo "$URL"
        return 0
    fi
    mkdir -p "$BASE"
    # Loopback only. The queue survives a restart (append-only file, as a broker in production must:
    # a job lost with the broker would leave its batch waiting); no snapshots.
    redis-server --bind 127.0.0.1 --port "$PORT" --daemonize yes --pidfile "$PIDFILE" \
        --logfile "$BASE/redis.log" --dir "$BASE" --save "" --appendonly yes --appendfsync everysec >/dev/null
    local deadline=$(( SECONDS + START_TIMEOUT ))
    until answers; do
        (( SECONDS < deadline )) || { tail -n 20 "$BASE/redis.log" >&2 || true; die "Redis did not answer on 127.0.0.1:$PORT within ${START_TIMEOUT}s"; }
        sleep 0.1
    done
    log "running on 127.0.0.1:$PORT"
    echo "$URL"
}

do_stop() {
    local pid=""
    [[ -s "$PIDFILE" ]] && pid="$(<"$PIDFILE")"
    redis-cli -h 127.0.0.1 -p "$PORT" shutdown >/dev/null 2>&1 || true
    if [[ "$pid" =~ ^[0-9]+$ ]]; then
        local deadline=$(( SECONDS + 10 ))
        while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"
    log "stopped"
}

case "${1:-}" in
    start)   do_start ;;
    stop)    do_stop ;;
    restart) do_stop; do_start ;;
    url)     echo "$URL" ;;
    *) echo "usage: $0 {start|stop|restart|url}" >&2; exit 2 ;;
esac
