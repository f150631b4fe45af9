#!/usr/bin/env bash
# Shared by the lab's netbox.sh and irrd.sh, which source it; not run on its own.
#
# Before sourcing, the script sets
#   LAB_PART     its name: "netbox" or "irrd". It prefixes the messages
#                ("[netbox-lab ...]") and names the script's lock ($CACHE/.netbox-lab.lock).
#   LAB_LOCK_FD  the descriptor that holds that lock: 7, 8 or 9. Every daemon started
#                here closes 7, 8 and 9, so that no lock outlives the script.
# and afterwards defines cmd_up, cmd_down, cmd_status and cmd_reset_db for main.
#
# PostgreSQL 15 (cluster "main", port 5432) and Redis (port 6379) on 127.0.0.1 are shared
# by the two parts and started the same way by both. netbox.sh's lock ($SERVICES_LOCK)
# guards starting them.

readonly CACHE=${ROUTESEC_CACHE:-/var/cache/routesec}
readonly STATE=${ROUTESEC_LAB_STATE:-/run/routesec-lab}
readonly LOG_DIR=$STATE/log
# shellcheck disable=SC2034 # used by irrd.sh
readonly SERVICES_LOCK=$CACHE/.netbox-lab.lock
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$LAB_DIR/../.." && pwd)
readonly LAB_DIR REPO

readonly HOST=127.0.0.1
readonly PG_VERSION=15
readonly PG_CLUSTER=main
readonly REDIS_PORT=6379

export DEBIAN_FRONTEND=noninteractive
SCRIPT_START=$SECONDS

# --------------------------------------------------------------------------- helpers

log() { printf '[%s-lab %s] %s\n' "$LAB_PART" "$(date +%H:%M:%S)" "$*" >&2; }

die() {
    printf '[%s-lab] ERROR: %s\n' "$LAB_PART" "$*" >&2
    exit 1
}

# die_with_log FILE MESSAGE: fail, showing the end of the relevant log.
die_with_log() {
    local file=$1
    shift
    printf '[%s-lab] ERROR: %s\n' "$LAB_PART" "$*" >&2
    if [[ -f $file ]]; then
        printf '[%s-lab] last lines of %s:\n' "$LAB_PART" "$file" >&2
        tail -n 40 "$file" | sed 's/^/    /' >&2
    fi
    exit 1
}

# run_logged FILE COMMAND...: run a simple command with its output appended to FILE.
run_logged() {
    local file=$1 rc=0
    shift
    printf '\n=== %s: %s\n' "$(date -Is)" "$*" >>"$file"
    "$@" >>"$file" 2>&1 </dev/null || rc=$?
    ((rc == 0)) || die_with_log "$file" "failed (exit $rc): $*"
}

elapsed() { echo "$((SECONDS - SCRIPT_START))s"; }

require_root() { ((EUID == 0)) || die "must run as root"; }

# lock_on FD FILE WHOM: open FILE on descriptor FD (7, 8 or 9) and wait for an exclusive
# lock on it; WHOM names the holder in the message if that takes too long.
lock_on() {
    local fd=$1 file=$2
    case $fd in
        7) exec 7>"$file" ;;
        8) exec 8>"$file" ;;
        9) exec 9>"$file" ;;
        *) die "lock_on: descriptor $fd is not one of 7, 8 and 9" ;;
    esac
    flock -w 1800 "$fd" || die "timed out waiting for $3 (lock $file)"
}

# Serialize concurrent invocations of the script (on $LAB_LOCK_FD).
take_lock() {
    mkdir -p "$CACHE" "$LOG_DIR"
    lock_on "$LAB_LOCK_FD" "$CACHE/.$LAB_PART-lab.lock" "another $LAB_PART.sh run"
}

# alive PID: the process exists and is not a zombie (an orphaned process is reaped by
# init, which may take its time).
alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# pid_from FILE PATTERN: print the pid in FILE if that process runs and its command
# line matches PATTERN.
pid_from() {
    local pid
    [[ -f $1 ]] || return 1
    read -r pid <"$1" || return 1
    [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2" || return 1
    echo "$pid"
}

# stop_pid PID NAME: SIGTERM, wait up to 20 s, then SIGKILL its process group.
stop_pid() {
    local pid=$1 i
    log "stopping $2 (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        alive "$pid" || break
        sleep 0.2
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
}

# stop_strays LISTER WHAT: SIGTERM the pids the function LISTER prints (one a line), wait
# up to 10 s for them, then SIGKILL what is left. WHAT describes them in the message.
stop_strays() {
    local list=$1 strays i
    strays=$("$list")
    [[ -z $strays ]] && return 0
    log "stopping $2: $(echo "$strays" | tr '\n' ' ')"
    # shellcheck disable=SC2086 # one pid per word
    kill -TERM $strays 2>/dev/null || true
    for ((i = 0; i < 20; i++)); do
        [[ -z $("$list") ]] && return 0
        sleep 0.5
    done
    strays=$("$list")
    # shellcheck disable=SC2086
    [[ -z $strays ]] || kill -KILL $strays 2>/dev/null || true
}

# The host's Debian mirror: the first enabled apt source for the host's own suite.
host_debian_mirror() {
    if [[ -n ${ROUTESEC_DEBIAN_MIRROR:-} ]]; then
        echo "$ROUTESEC_DEBIAN_MIRROR"
        return
    fi
    local codename mirror file files=()
    # shellcheck disable=SC1091
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        if [[ -f $file ]]; then files+=("$file"); fi
    done
    mirror=$(awk -v suite="$codename" '
        function flush() {
            if (!found && types ~ /(^| )deb( |$)/ && enabled != "no" \
                && (" " suites " ") ~ (" " suite " ") && uris != "") {
                split(uris, u, " "); print u[1]; found = 1
            }
            types = uris = suites = enabled = ""
        }
        function value() { sub(/^[^:]*:[ \t]*/, ""); return $0 }
        FNR == 1 { flush() }
        FILENAME ~ /\.sources$/ {
            if ($0 ~ /^[ \t]*$/) { flush(); next }
            key = tolower($1)
            if (key == "types:") types = value()
            else if (key == "uris:") uris = value()
            else if (key == "suites:") suites = value()
            else if (key == "enabled:") enabled = tolower(value())
            next
        }
        !found && /^[ \t]*deb[ \t]/ {
            line = $0; gsub(/\[[^]]*\]/, "", line); n = split(line, f, /[ \t]+/)
            i = (f[1] == "") ? 2 : 1
            if (f[i + 2] == suite) { print f[i + 1]; found = 1 }
        }
        END { flush() }' "${files[@]}" /dev/null | head -n 1) || mirror=
    echo "${mirror:-http://deb.debian.org/debian}"
}

port_in_use() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# ------------------------------------------------------------------- host services

# missing_service_packages: the absent host packages PostgreSQL and Redis need, one a line.
missing_service_packages() {
    [[ -x /usr/lib/postgresql/$PG_VERSION/bin/postgres ]] || echo "postgresql-$PG_VERSION"
    [[ -x /usr/lib/postgresql/$PG_VERSION/bin/pg_restore ]] || echo "postgresql-client-$PG_VERSION"
    command -v redis-server >/dev/null || echo redis-server
    command -v redis-cli >/dev/null || echo redis-tools
}

# install_host_packages [PACKAGE...]: install these host packages (nothing when none).
install_host_packages() {
    (($#)) || return 0
    log "installing host packages: $*"
    run_logged "$LOG_DIR/apt-host.log" bash "$REPO/scripts/ensure-packages.sh" "$@"
}

# pg_cluster_field N: column N of this cluster's pg_lsclusters line (empty if none).
pg_cluster_field() {
    pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" -v n="$1" \
        '$1 == v && $2 == c { print $n }'
}

pg_ready() { pg_isready -q -h "$HOST" -p 5432; }

redis_ping() { [[ $(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

# Callers hold $SERVICES_LOCK.
start_postgres() {
    if [[ -z $(pg_cluster_field 1) ]]; then
        log "creating PostgreSQL $PG_VERSION cluster $PG_CLUSTER"
        run_logged "$LOG_DIR/postgresql.log" pg_createcluster "$PG_VERSION" "$PG_CLUSTER"
    fi
    local port
    port=$(pg_cluster_field 3)
    [[ $port == 5432 ]] || die "PostgreSQL $PG_VERSION/$PG_CLUSTER is configured for port $port, not 5432"
    if [[ $(pg_cluster_field 4) != online ]]; then
        log "starting PostgreSQL $PG_VERSION ($HOST:5432)"
        run_logged "$LOG_DIR/postgresql.log" setsid -w \
            pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$PG_CLUSTER" start \
            -- -o "-c listen_addresses=$HOST" 7>&- 8>&- 9>&-
    fi
    local i
    for ((i = 0; i < 60; i++)); do
        pg_ready && return 0
        sleep 0.5
    done
    die_with_log "/var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log" \
        "PostgreSQL does not accept connections on $HOST:5432"
}

# Callers hold $SERVICES_LOCK.
start_redis() {
    redis_ping && return 0
    log "starting Redis ($HOST:$REDIS_PORT)"
    run_logged "$LOG_DIR/redis.log" redis-server --daemonize yes --bind "$HOST" \
        --port "$REDIS_PORT" --save "" --appendonly no --dir "$STATE" \
        --logfile "$LOG_DIR/redis.log" --pidfile "$STATE/redis.pid" 7>&- 8>&- 9>&-
    local i
    for ((i = 0; i < 40; i++)); do
        redis_ping && return 0
        sleep 0.25
    done
    die_with_log "$LOG_DIR/redis.log" "Redis does not answer on $HOST:$REDIS_PORT"
}

# flush_redis DB...: empty these Redis databases.
flush_redis() {
    local db
    for db in "$@"; do
        redis-cli -h "$HOST" -p "$REDIS_PORT" -n "$db" flushdb >/dev/null
    done
}

# ------------------------------------------------------------------------ database

psql_admin() {
    runuser -u postgres -- env PGOPTIONS="-c client_min_messages=warning" \
        psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"
}

# db_comment DB: the comment on database DB (empty if none, or no such database).
db_comment() {
    psql_admin -tAc "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$1'"
}

drop_db() { psql_admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"; }

# create_db DB OWNER: a new, empty database DB (dropped first if it exists).
create_db() {
    drop_db "$1"
    psql_admin -c "CREATE DATABASE $1 OWNER $2"
}

# ensure_db_role USER PASSWORD: the login role USER, created with PASSWORD if absent.
ensure_db_role() {
    psql_admin -c "DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$1') THEN
            CREATE ROLE $1 LOGIN PASSWORD '$2';
        END IF; END \$\$;"
}

# dump_db DB FILE: pg_dump DB to FILE (custom format), replacing FILE only when done.
dump_db() {
    runuser -u postgres -- pg_dump -Fc -d "$1" >"$2.tmp"
    mv -f "$2.tmp" "$2"
}

# restore_template DB OWNER DUMP LOGFILE: DB made anew from DUMP (pg_restore's output
# appended to LOGFILE). The caller tags DB with a comment once it is complete.
restore_template() {
    local db=$1 dump=$3 logfile=$4 rc=0
    log "loading $dump into the template database $db"
    create_db "$db" "$2"
    runuser -u postgres -- pg_restore --exit-on-error -d "$db" <"$dump" \
        >>"$logfile" 2>&1 || rc=$?
    ((rc == 0)) || die_with_log "$logfile" "pg_restore of $dump failed"
}

# clone_db TEMPLATE STAGING DB OWNER [PSQL-ARGS...]: replace DB with a clone of TEMPLATE.
# The clone is built as STAGING and then swapped in (PSQL-ARGS run in the same psql), so
# that the service never sees a half-restored database.
clone_db() {
    local template=$1 staging=$2 db=$3 owner=$4
    shift 4
    drop_db "$staging"
    psql_admin -c "CREATE DATABASE $staging TEMPLATE $template OWNER $owner"
    psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" \
        -c "ALTER DATABASE $staging RENAME TO $db" "$@"
}

# ------------------------------------------------------------------------ commands

# main COMMAND: the script's cmd_up, cmd_down, cmd_status or cmd_reset_db.
main() {
    cd /
    case ${1:-} in
        up) cmd_up ;;
        down) cmd_down ;;
        status) cmd_status ;;
        reset-db) cmd_reset_db ;;
        *)
            echo "usage: $0 up|down|status|reset-db" >&2
            exit 2
            ;;
    esac
}
