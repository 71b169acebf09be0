#!/usr/bin/env bash
# scripts/postgres.sh — a real, throw-away PostgreSQL (Debian's `postgresql` package) on 127.0.0.1
# for hoso's tests and local use: the catalog on PostgreSQL (README "Catalog on PostgreSQL").
#
#   scripts/postgres.sh start   initdb if needed, start in background, wait for pg_isready, make the
#                               `hoso` database, print its URL; idempotent (already up -> exit 0)
#   scripts/postgres.sh stop    fast shutdown, immediate after a deadline
#   scripts/postgres.sh status  "accepting connections", or "not running" (exit 3)
#   scripts/postgres.sh url     print the URL (postgresql://hoso@127.0.0.1:PORT/hoso)
#
# Environment (all optional):
#   HOSO_POSTGRES_PORT           TCP port on 127.0.0.1 (default: the one used last, else a free one from 54320)
#   HOSO_POSTGRES_DIR            state dir (<repo>/.postgres, git-ignored)
#   HOSO_POSTGRES_BIN            PostgreSQL's bin dir (default: the newest /usr/lib/postgresql/*/bin)
#   HOSO_POSTGRES_START_TIMEOUT  seconds to wait for pg_isready (60)
#   HOSO_POSTGRES_STOP_TIMEOUT   seconds before an immediate shutdown (30)
#   HOSO_POSTGRES_USER           OS user the server runs as when invoked as root (postgres if the
#                                Debian package made it, else hoso-postgres, created if missing)
#
# Layout under $HOSO_POSTGRES_DIR: data/ (the cluster), run/ (its socket), postgres.log, postgres.port,
# .lock (flock serialising start/stop).
#
# A test server, not a production one: the `hoso` role is a superuser that signs in without a password
# from 127.0.0.1 only (trust), and fsync is off (a crash of the machine may lose its last writes).
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
BASE="${HOSO_POSTGRES_DIR:-$REPO_ROOT/.postgres}"
DATA_DIR="$BASE/data"
RUN_DIR="$BASE/run"
LOG="$BASE/postgres.log"
PORTFILE="$BASE/postgres.port"
LOCKFILE="$BASE/.lock"
START_TIMEOUT="${HOSO_POSTGRES_START_TIMEOUT:-60}"
STOP_TIMEOUT="${HOSO_POSTGRES_STOP_TIMEOUT:-30}"
ROLE=hoso
DATABASE=hoso

log() { printf '[postgres.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

pick_bin() {
    if [[ -n "${HOSO_POSTGRES_BIN:-}" ]]; then
        [[ -x "$HOSO_POSTGRES_BIN/postgres" ]] || die "HOSO_POSTGRES_BIN=$HOSO_POSTGRES_BIN has no postgres"
        printf '%s\n' "$HOSO_POSTGRES_BIN"; return
    fi
    local newest
    newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
    [[ -n "$newest" && -x "$newest/postgres" ]] \
        || die "PostgreSQL is not installed (HOSO_OPENSEARCH=1 scripts/install-deps.sh installs Debian's postgresql)"
    printf '%s\n' "$newest"
}

# 0 when something accepts TCP connections on the port (bash /dev/tcp: no ss/nc needed).
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

port() {
    if [[ -n "${HOSO_POSTGRES_PORT:-}" ]]; then
        [[ "$HOSO_POSTGRES_PORT" =~ ^[0-9]+$ ]] || die "HOSO_POSTGRES_PORT must be a port number, got '$HOSO_POSTGRES_PORT'"
        printf '%s\n' "$HOSO_POSTGRES_PORT"
    elif [[ -s "$PORTFILE" ]]; then
        cat "$PORTFILE"
    else
        local p
        for ((p = 54320; p < 54400; p++)); do
            port_in_use "$p" || { printf '%s\n' "$p"; return; }
        done
        die "no free port in 54320-54399 on 127.0.0.1; set HOSO_POSTGRES_PORT"
    fi
}

url() { printf 'postgresql://%s@127.0.0.1:%s/%s\n' "$ROLE" "$(port)" "$DATABASE"; }

with_lock() {
    mkdir -p "$BASE"
    exec 9>>"$LOCKFILE"
    flock -w 120 9 || die "could not take $LOCKFILE within 120 s"
}

# PostgreSQL refuses to run as root: then the server runs as an unprivileged user owning $BASE.
# setpriv (util-linux) simply exec()s: no PAM session, environment kept.
RUN_USER="${HOSO_POSTGRES_USER:-}"
AS_RUN_USER=()
if (( EUID == 0 )); then
    if [[ -z "$RUN_USER" ]]; then
        if id -u postgres >/dev/null 2>&1; then RUN_USER=postgres; else RUN_USER=hoso-postgres; fi
    fi
    AS_RUN_USER=(setpriv --reuid="$RUN_USER" --regid="$RUN_USER" --init-groups --)
fi

ensure_run_user() {
    (( EUID == 0 )) || return 0
    if ! id -u "$RUN_USER" >/dev/null 2>&1; then
        log "creating system user '$RUN_USER' (PostgreSQL refuses to run as root)"
        useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$RUN_USER" \
            || die "useradd $RUN_USER failed"
    fi
    if [[ -n "$(find "$BASE" ! -user "$RUN_USER" ! -name .lock -print -quit)" ]]; then
        chown -R "$RUN_USER:" "$BASE"
    fi
    "${AS_RUN_USER[@]}" test -w "$BASE" \
        || die "user '$RUN_USER' cannot write $BASE (parent dirs not traversable?); set HOSO_POSTGRES_DIR to a directory it can reach"
}

ready() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -d postgres -U "$ROLE" -t 2; }

as_server() { (cd "$BASE" && "${AS_RUN_USER[@]}" "$@"); }

do_start() {
    with_lock
    BIN="$(pick_bin)"
    PORT="$(port)"
    mkdir -p "$RUN_DIR"
    ensure_run_user
    local pid=""
    if [[ -s "$DATA_DIR/postmaster.pid" ]] && as_server "$BIN/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1; then
        local running; running="$(sed -n 4p "$DATA_DIR/postmaster.pid")"
        [[ "$running" == "$PORT" ]] \
            || die "this PostgreSQL ($BASE) already runs on port $running; stop it first or use HOSO_POSTGRES_PORT=$running"
        log "already running"
    else
        if port_in_use "$PORT" && [[ -z "${HOSO_POSTGRES_PORT:-}" ]]; then
            log "port $PORT (used last time) is taken now; looking for a free one"
            rm -f "$PORTFILE"
            PORT="$(port)"
        fi
        if port_in_use "$PORT"; then
            die "port $PORT on 127.0.0.1 is already in use by another process; pick another, e.g. HOSO_POSTGRES_PORT=$((PORT + 1)) $0 start"
        fi
        if [[ ! -s "$DATA_DIR/PG_VERSION" ]]; then
            log "initdb $DATA_DIR"
            rm -rf "$DATA_DIR"; mkdir -p "$DATA_DIR"; chmod 700 "$DATA_DIR"
            (( EUID == 0 )) && chown "$RUN_USER:" "$DATA_DIR"
            # C collation: text sorts by code point, as SQLite's catalog does.
            as_server "$BIN/initdb" -D "$DATA_DIR" -U "$ROLE" --auth=trust --encoding=UTF8 --locale=C >"$BASE/initdb.log" 2>&1 \
                || { tail -n 20 "$BASE/initdb.log" >&2; die "initdb failed (log: $BASE/initdb.log)"; }
        fi
        [[ -f "$LOG" ]] && mv -f "$LOG" "$LOG.1"
        log "starting PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
        # Loopback only; the socket in $BASE (Debian's /var/run/postgresql may not exist or be writable).
        # setsid: a test runner killing its process group does not take the server with it; the
        # flock fd is closed so that the server does not hold the lock for its whole life.
        (
            exec 9>&-
            cd "$BASE"
            exec setsid "${AS_RUN_USER[@]}" "$BIN/postgres" -D "$DATA_DIR" -c listen_addresses=127.0.0.1 \
                -c port="$PORT" -c unix_socket_directories="$RUN_DIR" \
                -c fsync=off -c synchronous_commit=off -c full_page_writes=off </dev/null >>"$LOG" 2>&1
        ) &
        pid=$!
        echo "$PORT" >"$PORTFILE"
    fi
    local deadline=$((SECONDS + START_TIMEOUT))
    until ready; do
        if (( SECONDS >= deadline )); then
            log "not accepting connections within ${START_TIMEOUT}s; stopping it"
            tail -n 30 "$LOG" >&2 || true
            as_server "$BIN/pg_ctl" -D "$DATA_DIR" -m immediate stop >/dev/null 2>&1 || true
            exit 1
        fi
        if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
            log "PostgreSQL exited during startup"
            tail -n 30 "$LOG" >&2 || true
            exit 1
        fi
        sleep 0.2
    done
    if [[ -z "$("$BIN/psql" -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" ]]; then
        "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U "$ROLE" "$DATABASE" || die "createdb $DATABASE failed"
    fi
    url
}

do_stop() {
    with_lock
    BIN="$(pick_bin)"
    if [[ ! -s "$DATA_DIR/postmaster.pid" ]]; then
        log "not running"; return 0
    fi
    log "stopping"
    as_server "$BIN/pg_ctl" -D "$DATA_DIR" -m fast -t "$STOP_TIMEOUT" stop >/dev/null 2>&1 || {
        log "not stopped within ${STOP_TIMEOUT}s; immediate shutdown"
        as_server "$BIN/pg_ctl" -D "$DATA_DIR" -m immediate stop >/dev/null 2>&1 || true
    }
    log "stopped"
}

do_status() {
    BIN="$(pick_bin)"
    PORT="$(port)"
    if ready; then echo "accepting connections on $(url)"; else echo "not running"; exit 3; fi
}

case "${1:-}" in
    start) do_start ;;
    stop) do_stop ;;
    status) do_status ;;
    url) url ;;
    *) echo "usage: $0 {start|stop|status|url}" >&2; exit 2 ;;
esac
