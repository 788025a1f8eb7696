#!/usr/bin/env bash
# Throwaway PostgreSQL server for the test suite.
#
#   scripts/pg-test-server.sh start   # (re)creates the server, prints its URL
#   scripts/pg-test-server.sh stop    # stops it and removes its directory
#   scripts/pg-test-server.sh url     # prints the URL of the running server
#
# Everything lives in ${ECONOPS_PG_DIR:-/tmp/econops-test-pg}:
#   data/    the cluster (owned by the `postgres` user when run as root)
#   socket/  the unix socket directory
#   log      the server log
#   url      postgres://econops@127.0.0.1:PORT/postgres
#
# The server is tuned for speed, not durability (fsync=off, ...), listens only
# on 127.0.0.1 and trusts every loopback connection: never use it for real data.
set -euo pipefail

PG_DIR="${ECONOPS_PG_DIR:-/tmp/econops-test-pg}"
DATA_DIR="$PG_DIR/data"
SOCK_DIR="$PG_DIR/socket"
LOG_FILE="$PG_DIR/log"
URL_FILE="$PG_DIR/url"
MARKER="$PG_DIR/.econops-test-pg"
FIRST_PORT="${ECONOPS_PG_FIRST_PORT:-55432}"
PORT_TRIES=50

log() { printf 'pg-test-server: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

# Refuse to wipe anything that does not look like ours.
check_dir_is_ours() {
    case "$PG_DIR" in
    "" | "/" | "/tmp" | "/tmp/" | "$HOME" | "$HOME/")
        die "refusing to use ECONOPS_PG_DIR='$PG_DIR'"
        ;;
    esac
    if [[ -e "$PG_DIR" && ! -f "$MARKER" ]]; then
        if [[ ! -d "$PG_DIR" ]] || [[ -n "$(ls -A "$PG_DIR" 2>/dev/null)" ]]; then
            die "$PG_DIR exists and was not created by this script; refusing to wipe it"
        fi
    fi
}

# Directory holding initdb/pg_ctl/postgres/psql/pg_isready, or empty.
find_bindir() {
    local p
    if p="$(command -v initdb 2>/dev/null)"; then
        p="$(readlink -f "$p")"
        p="$(dirname "$p")"
        if [[ -x "$p/pg_ctl" && -x "$p/postgres" ]]; then
            echo "$p"
            return 0
        fi
    fi
    # Debian keeps the server binaries out of PATH; take the newest version.
    local d
    for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]]; then
            echo "$d"
            return 0
        fi
    done
    return 0
}

ensure_postgres_installed() {
    BINDIR="$(find_bindir)"
    if [[ -z "$BINDIR" ]]; then
        [[ "$(id -u)" == 0 ]] || die "initdb not found and not root: install PostgreSQL (apt-get install postgresql)"
        log "initdb not found: installing the Debian package postgresql"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >&2
        apt-get install -y -q postgresql >&2
        BINDIR="$(find_bindir)"
        [[ -n "$BINDIR" ]] || die "initdb still not found after installing postgresql"
    fi
    # psql and pg_isready come with the client package, normally beside initdb.
    PSQL="$BINDIR/psql"
    PG_ISREADY="$BINDIR/pg_isready"
    [[ -x "$PSQL" ]] || PSQL="$(command -v psql)" || die "psql not found"
    [[ -x "$PG_ISREADY" ]] || PG_ISREADY="$(command -v pg_isready)" || die "pg_isready not found"
}

# PostgreSQL refuses to run as root: run its commands as `postgres` then.
RUN_AS=()
setup_run_as() {
    if [[ "$(id -u)" == 0 ]]; then
        if ! id -u postgres >/dev/null 2>&1; then
            log "creating system user postgres"
            useradd --system --user-group --home-dir /var/lib/postgresql \
                --no-create-home --shell /bin/bash postgres
        fi
        RUN_AS=(runuser -u postgres --)
    fi
}

as_pg() {
    if ((${#RUN_AS[@]})); then
        "${RUN_AS[@]}" "$@"
    else
        "$@"
    fi
}

# Stops a server left in $DATA_DIR, if any. Never fails.
stop_server() {
    [[ -f "$DATA_DIR/postmaster.pid" ]] || return 0
    local bindir pid
    bindir="$(find_bindir)"
    if [[ -n "$bindir" ]]; then
        setup_run_as
        as_pg "$bindir/pg_ctl" stop -D "$DATA_DIR" -m immediate -w -t 30 >/dev/null 2>&1 || true
    fi
    if [[ -f "$DATA_DIR/postmaster.pid" ]]; then
        pid="$(head -n 1 "$DATA_DIR/postmaster.pid" 2>/dev/null || true)"
        if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
            kill -QUIT "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
}

port_is_busy() {
    # Something accepts connections on it?
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

cmd_start() {
    check_dir_is_ours
    ensure_postgres_installed
    setup_run_as

    if [[ -d "$PG_DIR" ]]; then
        log "removing previous server in $PG_DIR"
        stop_server
        rm -rf "$PG_DIR"
    fi
    mkdir -p "$PG_DIR"
    touch "$MARKER"
    mkdir -p "$DATA_DIR" "$SOCK_DIR"
    chmod 0755 "$PG_DIR" "$SOCK_DIR"
    chmod 0700 "$DATA_DIR"
    if ((${#RUN_AS[@]})); then
        chown postgres:postgres "$PG_DIR" "$DATA_DIR" "$SOCK_DIR"
        as_pg test -w "$DATA_DIR" ||
            die "user postgres cannot write $DATA_DIR (is a parent directory private?); set ECONOPS_PG_DIR elsewhere"
    fi

    log "initdb with $BINDIR/initdb"
    if ! as_pg "$BINDIR/initdb" -D "$DATA_DIR" -U postgres --auth=trust \
        --encoding=UTF8 --locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1; then
        cat "$PG_DIR/initdb.log" >&2
        die "initdb failed"
    fi

    cat >"$DATA_DIR/pg_hba.conf" <<'EOF'
# Throwaway test server: trust everything on loopback.
local   all all               trust
host    all all 127.0.0.1/32  trust
host    all all ::1/128       trust
EOF
    cat >>"$DATA_DIR/postgresql.conf" <<EOF

# --- econops test server (scripts/pg-test-server.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCK_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
logging_collector = off
EOF
    if ((${#RUN_AS[@]})); then
        chown postgres:postgres "$DATA_DIR/pg_hba.conf" "$DATA_DIR/postgresql.conf"
        touch "$LOG_FILE"
        chown postgres:postgres "$LOG_FILE"
    fi

    local port="$FIRST_PORT" started=""
    for _ in $(seq 1 "$PORT_TRIES"); do
        if port_is_busy "$port"; then
            port=$((port + 1))
            continue
        fi
        log "starting postgres on 127.0.0.1:$port"
        : >"$LOG_FILE"
        if as_pg "$BINDIR/pg_ctl" start -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 \
            -o "-p $port" >/dev/null 2>&1; then
            started=1
            break
        fi
        # Lost a race for the port, or something else: look at the log.
        if grep -qi 'could not bind\|address already in use' "$LOG_FILE" 2>/dev/null; then
            log "port $port is taken, trying the next one"
            stop_server
            port=$((port + 1))
            continue
        fi
        tail -n 30 "$LOG_FILE" >&2 || true
        die "postgres did not start (log: $LOG_FILE)"
    done
    [[ -n "$started" ]] || die "no free port found in $FIRST_PORT..$((FIRST_PORT + PORT_TRIES - 1))"

    local ready=""
    for _ in $(seq 1 120); do
        if "$PG_ISREADY" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; then
            ready=1
            break
        fi
        sleep 0.5
    done
    [[ -n "$ready" ]] || {
        tail -n 30 "$LOG_FILE" >&2 || true
        die "postgres is not ready after 60 s (log: $LOG_FILE)"
    }

    "$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -c "CREATE ROLE econops WITH LOGIN SUPERUSER" >&2 ||
        die "could not create role econops"

    local url="postgres://econops@127.0.0.1:$port/postgres"
    echo "$url" >"$URL_FILE"
    chmod 0644 "$URL_FILE"
    log "ready: $url"
    echo "$url"
}

cmd_stop() {
    if [[ ! -e "$PG_DIR" ]]; then
        log "not running ($PG_DIR does not exist)"
        return 0
    fi
    if [[ ! -f "$MARKER" ]]; then
        log "warning: $PG_DIR was not created by this script; leaving it alone"
        return 0
    fi
    stop_server
    rm -rf "$PG_DIR" || log "warning: could not remove $PG_DIR"
    log "stopped and removed $PG_DIR"
}

cmd_url() {
    [[ -f "$URL_FILE" ]] || die "not running ($URL_FILE missing)"
    cat "$URL_FILE"
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
url) cmd_url ;;
*)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
