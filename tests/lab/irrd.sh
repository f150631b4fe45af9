#!/usr/bin/env bash
# IRRd for the routesec local lab: a real IRRd 4.5 (whois 127.0.0.1:8043, HTTP
# 127.0.0.1:8080) holding real RIPE data plus the lab's own authoritative source.
#
# Usage: bash tests/lab/irrd.sh up|down|status|reset-db
#
#   up        Install what is missing (host packages, a venv with irrd, an unprivileged
#             user to run it), start PostgreSQL 15 and Redis on loopback if they are not
#             running (shared with the NetBox lab), make sure the database "irrd" holds
#             the loaded data (restored from the cached dump; the dump is built when it is
#             absent, about a minute), start IRRd and wait until whois answers. Writes
#             $STATE/irrd.env. Idempotent.
#   down      Stop IRRd and its mail sink (PostgreSQL and Redis keep running).
#   status    Say whether whois answers; exit 0 if it does, 3 if not.
#   reset-db  Put the database back in its loaded state (a clone of a template database)
#             and flush IRRd's Redis database; restarts IRRd if it was running. Seconds.
#
# Sources (in this order by default):
#   ROUTESEC-LAB  the lab's objects (irrd/lab-objects.rpsl), authoritative: accepts
#                 submissions on http://127.0.0.1:8080/v1/submit/ with the password of
#                 MAINT-ROUTESEC-LAB, "routesec-lab-secret" (lab only)
#   RIPE          2024-01 RIPE as-set and filter-set dumps
#   RIPE-NONAUTH  2024-01 RIPE-NONAUTH route, route6 and aut-num dumps
# The RIPE files are read at run time from $REPO/../shared/data/irr (or
# $ROUTESEC_IRR_DATA); they are never copied into the repository.
#
# Environment:
#   ROUTESEC_CACHE      cache dir (venv, loaded dump); /var/cache/routesec
#   ROUTESEC_LAB_STATE  runtime state (pid files, config, logs, irrd.env); /run/routesec-lab
#   ROUTESEC_IRR_DATA   directory of the RIPE dumps; $REPO/../shared/data/irr
#
# How it runs: IRRd lives in a venv made from the host's Debian Python (/usr/bin/python3,
# readable by every user) and runs as the unprivileged user routesec-irrd, started
# directly as that user (setpriv), in the foreground in its own process group. It uses
# PostgreSQL database "irrd" (role irrd) and Redis database 2 on 127.0.0.1; NetBox's
# databases (netbox*, Redis 0 and 1) are never touched, and PostgreSQL and Redis are
# never stopped. Nothing runs in, or mounts anything in, NetBox's trixie root.
#
# Must run as root (status excepted). Everything is non-interactive and loopback only.
set -euo pipefail
# The daemons started here must not hold the caller's open files (a lock a test runner took, say).
for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    ((fd > 2 && fd != 255)) && { eval "exec $fd>&-" 2>/dev/null || true; }
done

readonly IRRD_VERSION=4.5.4
# Bump when the way the dump is built changes, so that cached dumps are rebuilt.
readonly LOADER_REVISION=1
readonly PYTHON=/usr/bin/python3

# For lib.sh: the messages' prefix and this script's lock ($CACHE/.irrd-lab.lock on fd 8).
# shellcheck disable=SC2034
LAB_PART=irrd LAB_LOCK_FD=8
# lib.sh: CACHE, STATE, LOG_DIR, REPO, HOST, PG_*, REDIS_PORT and the shared helpers.
# shellcheck source=tests/lab/lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ASSETS=$(cd "$LAB_DIR/irrd" && pwd)
readonly ASSETS
DATA_DIR=${ROUTESEC_IRR_DATA:-$REPO/../shared/data/irr}

readonly VENV=$CACHE/irrd/venv
readonly RUN_DIR=$STATE/irrd # owned by the IRRd user: config, IRRd's pid file, keyring
readonly CONFIG=$RUN_DIR/irrd.yaml
readonly PID_FILE=$STATE/irrd.pid
readonly SINK_PID_FILE=$STATE/irrd-mail-sink.pid
readonly ENV_FILE=$STATE/irrd.env
readonly IRRD_LOG=$LOG_DIR/irrd.log       # IRRd's own log
readonly IRRD_OUT=$LOG_DIR/irrd-out.log   # stdout/stderr of IRRd and the mail sink
readonly BUILD_LOG=$LOG_DIR/irrd-build.log
readonly MAILBOX=$LOG_DIR/irrd-mail.log   # every mail IRRd sent

readonly LAB_USER=routesec-irrd
readonly WHOIS_PORT=8043
readonly HTTP_PORT=8080
readonly SMTP_PORT=8025
readonly SOURCES=ROUTESEC-LAB,RIPE,RIPE-NONAUTH
readonly LAB_MNTNER=MAINT-ROUTESEC-LAB
# The lab maintainer's password; its BCRYPT-PW hash is in irrd/lab-objects.rpsl.
readonly LAB_PASSWORD=routesec-lab-secret
# A second maintainer standing for another holder (tests: objects routesec must leave alone).
readonly OTHER_MNTNER=MAINT-ROUTESEC-OTHER
readonly OTHER_PASSWORD=routesec-other-secret

readonly DB_NAME=irrd
readonly DB_BUILD=irrd_build
readonly DB_RESTORE=irrd_restore
readonly DB_PRISTINE=irrd_pristine
readonly DB_USER=irrd
readonly DB_PASSWORD=irrd
readonly REDIS_DB=2 # NetBox uses 0 and 1

# The RIPE dumps, by source.
readonly RIPE_FILES=(2024-01_ripe.db.as-set.gz 2024-01_ripe.db.filter-set.gz)
readonly NONAUTH_FILES=(2024-01_ripe-nonauth.db.route.gz 2024-01_ripe-nonauth.db.route6.gz
    2024-01_ripe-nonauth.db.aut-num.gz)
readonly LAB_OBJECTS=$ASSETS/lab-objects.rpsl

# ------------------------------------------------------------------- host services
# PostgreSQL and Redis are shared with the NetBox lab and started the way netbox.sh
# starts them (lib.sh). When one of them must be started, netbox.sh's lock is held
# meanwhile so that the two scripts never start the same server at once.

ensure_host_packages() {
    local missing=()
    mapfile -t missing < <(missing_service_packages)
    [[ -x $PYTHON ]] || missing+=(python3)
    "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
    [[ -f $("$PYTHON" -c 'import sysconfig; print(sysconfig.get_config_h_filename())' 2>/dev/null) ]] ||
        missing+=(python3-dev) # Python.h, for the one dependency built from source
    command -v gcc >/dev/null || missing+=(gcc libc6-dev)
    command -v setpriv >/dev/null || missing+=(util-linux)
    command -v curl >/dev/null || missing+=(curl)
    install_host_packages "${missing[@]}"
}

ensure_services() {
    pg_ready && redis_ping && return 0
    lock_on 7 "$SERVICES_LOCK" netbox.sh
    start_postgres
    start_redis
    exec 7>&-
}

# ------------------------------------------------------------------ IRRd install

# The unprivileged user IRRd runs as (no login, no home).
ensure_user() {
    id -u "$LAB_USER" >/dev/null 2>&1 && return 0
    log "creating the system user $LAB_USER"
    run_logged "$BUILD_LOG" useradd --system --user-group --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin "$LAB_USER"
}

# as_lab_user COMMAND...: run a command as the IRRd user with a clean environment.
as_lab_user() {
    setpriv --reuid="$LAB_USER" --regid="$LAB_USER" --init-groups \
        /usr/bin/env -i "PATH=$VENV/bin:/usr/bin:/bin" HOME="$RUN_DIR" LANG=C.UTF-8 \
        LC_ALL=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 "$@"
}

# as_root_clean COMMAND...: run a command as root without the caller's environment (an
# IRRD_* variable would override IRRd's configuration).
as_root_clean() {
    /usr/bin/env -i "PATH=$VENV/bin:/usr/bin:/bin" HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 "$@"
}

ensure_venv() {
    local marker=$VENV/.routesec-irrd.ok want
    want="irrd==$IRRD_VERSION $("$PYTHON" -c 'import sys; print(sys.version.split()[0])')"
    [[ $(cat "$marker" 2>/dev/null) == "$want" ]] && return 0
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        die "IRRd $IRRD_VERSION needs Python 3.11 or newer; $PYTHON is $("$PYTHON" -V 2>&1)"
    local started=$SECONDS
    log "creating the venv $VENV with irrd==$IRRD_VERSION (about 40 s)"
    rm -rf --one-file-system "$VENV"
    mkdir -p "$(dirname "$VENV")"
    run_logged "$BUILD_LOG" "$PYTHON" -m venv "$VENV"
    # pip's settings (index, certificates, timeout) are the host's.
    run_logged "$BUILD_LOG" "$VENV/bin/pip" install --no-cache-dir --disable-pip-version-check \
        "irrd==$IRRD_VERSION"
    chmod -R a+rX "$VENV"
    echo "$want" >"$marker"
    log "venv ready in $((SECONDS - started))s"
}

# render_config DB_NAME LOGFILE OUTPUT: the IRRd configuration for one database.
render_config() {
    sed -e "s|@DATABASE_URL@|postgresql://$DB_USER:$DB_PASSWORD@$HOST:5432/$1|" \
        -e "s|@REDIS_URL@|redis://$HOST:$REDIS_PORT/$REDIS_DB|" \
        -e "s|@PIDDIR@|$RUN_DIR|" \
        -e "s|@GNUPG_KEYRING@|$RUN_DIR/gnupg|" \
        -e "s|@LOGFILE@|$2|" \
        -e "s|@SMTP@|$HOST:$SMTP_PORT|" \
        -e "s|@WHOIS_PORT@|$WHOIS_PORT|g" \
        -e "s|@HTTP_PORT@|$HTTP_PORT|g" \
        "$ASSETS/irrd.yaml.in" >"$3.tmp"
    chmod 0644 "$3.tmp"
    mv -f "$3.tmp" "$3"
}

# The run directory, the configuration and the log files IRRd writes as its user.
prepare_run_dir() {
    install -d -m 0755 -o "$LAB_USER" -g "$LAB_USER" "$RUN_DIR"
    install -d -m 0700 -o "$LAB_USER" -g "$LAB_USER" "$RUN_DIR/gnupg"
    install -m 0644 "$ASSETS/mail_sink.py" "$RUN_DIR/mail_sink.py"
    render_config "$DB_NAME" "$IRRD_LOG" "$CONFIG"
    local file
    for file in "$IRRD_LOG" "$IRRD_OUT" "$MAILBOX"; do
        touch "$file"
        chown "$LAB_USER:$LAB_USER" "$file"
    done
    as_lab_user test -x "$VENV/bin/irrd" -a -r "$CONFIG" -a -w "$IRRD_LOG" ||
        die "user $LAB_USER cannot use $VENV or $RUN_DIR: is a parent directory closed to other users?"
}

# ------------------------------------------------------------------------ database

# The cached dump is named after everything that goes into it: IRRd's version, the
# loader's revision, the lab objects and the RIPE files.
inputs_id() {
    local file
    {
        echo "irrd $IRRD_VERSION loader $LOADER_REVISION"
        sha256sum "$LAB_OBJECTS" | cut -c1-64
        for file in "${RIPE_FILES[@]}" "${NONAUTH_FILES[@]}"; do
            echo "$file $(sha256sum "$DATA_DIR/$file" | cut -c1-64)"
        done
    } | sha256sum | cut -c1-16
}

check_data() {
    local file
    for file in "${RIPE_FILES[@]}" "${NONAUTH_FILES[@]}"; do
        [[ -r $DATA_DIR/$file ]] || die "missing RIPE dump $DATA_DIR/$file (set ROUTESEC_IRR_DATA?)"
    done
}

# load_source SOURCE FILE: irrd_load_database into the build database.
load_source() {
    local started=$SECONDS rc=0
    as_root_clean "$VENV/bin/irrd_load_database" --config "$RUN_DIR/irrd-build.yaml" \
        --source "$1" "$2" >>"$BUILD_LOG.$1" 2>&1 </dev/null || rc=$?
    cat "$BUILD_LOG.$1" >>"$BUILD_LOG"
    rm -f "$BUILD_LOG.$1"
    ((rc == 0)) || die_with_log "$BUILD_LOG" "loading $1 failed (exit $rc)"
    log "loaded $1 in $((SECONDS - started))s"
}

# build_dump ID DUMP: an empty IRRd database, migrated, loaded with the three sources,
# dumped to DUMP and kept as the template database.
build_dump() {
    local id=$1 dump=$2 started=$SECONDS tmp pid_ripe pid_nonauth rc=0
    log "no cached dump: loading the RIPE data into a new IRRd database (about a minute)"
    create_db "$DB_BUILD" "$DB_USER"
    psql_admin -d "$DB_BUILD" -c 'CREATE EXTENSION IF NOT EXISTS pgcrypto'
    render_config "$DB_BUILD" "$BUILD_LOG" "$RUN_DIR/irrd-build.yaml"
    run_logged "$BUILD_LOG" as_root_clean "$VENV/bin/irrd_database_upgrade" \
        --config "$RUN_DIR/irrd-build.yaml"

    tmp=$(mktemp -d "$CACHE/irrd-load.XXXXXX")
    # shellcheck disable=SC2064 # expand now: tmp is local
    trap "rm -rf '$tmp'" EXIT
    (cd "$DATA_DIR" && zcat -- "${RIPE_FILES[@]}") >"$tmp/ripe.db"
    (cd "$DATA_DIR" && zcat -- "${NONAUTH_FILES[@]}") >"$tmp/ripe-nonauth.db"
    # The two big sources load in parallel (one per core); each is its own transaction.
    load_source RIPE "$tmp/ripe.db" &
    pid_ripe=$!
    load_source RIPE-NONAUTH "$tmp/ripe-nonauth.db" &
    pid_nonauth=$!
    wait "$pid_ripe" || rc=$?
    wait "$pid_nonauth" || rc=$?
    ((rc == 0)) || die_with_log "$BUILD_LOG" "loading the RIPE data failed"
    load_source ROUTESEC-LAB "$LAB_OBJECTS"
    rm -rf "$tmp"
    trap - EXIT

    psql_admin -d "$DB_BUILD" -c 'VACUUM ANALYZE'
    dump_db "$DB_BUILD" "$dump"
    # The build database becomes the template: no need to restore what was just dumped.
    drop_db "$DB_PRISTINE"
    psql_admin -c "ALTER DATABASE $DB_BUILD RENAME TO $DB_PRISTINE" \
        -c "COMMENT ON DATABASE $DB_PRISTINE IS '$id'"
    log "loaded and dumped to $dump in $((SECONDS - started))s"
}

# The template database holds the restored dump, tagged with the inputs' id, so that a
# reset is a file-level clone instead of a pg_restore.
ensure_pristine() {
    local id=$1 dump=$2 started=$SECONDS
    [[ $(db_comment "$DB_PRISTINE") == "$id" ]] && return 0
    restore_template "$DB_PRISTINE" "$DB_USER" "$dump" "$BUILD_LOG"
    psql_admin -d "$DB_PRISTINE" -c 'ANALYZE'
    psql_admin -c "COMMENT ON DATABASE $DB_PRISTINE IS '$id'"
    log "template database ready in $((SECONDS - started))s"
}

# restore_db ID: replace the IRRd database with a clone of the template, built under
# another name and swapped in. IRRd must not be running.
restore_db() {
    clone_db "$DB_PRISTINE" "$DB_RESTORE" "$DB_NAME" "$DB_USER" \
        -c "COMMENT ON DATABASE $DB_NAME IS '$1'"
    flush_redis "$REDIS_DB"
}

# Make the dump, the template database and the IRRd database current.
ensure_database() {
    local id dump
    check_data
    id=$(inputs_id)
    dump=$CACHE/irrd-$IRRD_VERSION-loaded-$id.dump
    ensure_db_role "$DB_USER" "$DB_PASSWORD"
    if [[ ! -s $dump ]]; then
        build_dump "$id" "$dump"
        local old
        for old in "$CACHE"/irrd-*-loaded-*.dump; do
            if [[ $old != "$dump" && -f $old ]]; then rm -f "$old"; fi
        done
    fi
    ensure_pristine "$id" "$dump"
    if [[ $(db_comment "$DB_NAME") != "$id" ]]; then
        log "creating the database $DB_NAME from the template"
        stop_irrd
        restore_db "$id"
    fi
}

# -------------------------------------------------------------------------- IRRd

# whois QUERY: IRRd's answer to one query (the connection closes after it).
whois() {
    # shellcheck disable=SC2016 # expanded by the inner shell
    timeout 10 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "%s\n" "$3" >&3 && cat <&3' \
        _ "$HOST" "$WHOIS_PORT" "$1" 2>/dev/null
}

# IRRd answers: its version, the lab as-set and (from the preloaded store) a lab route.
irrd_answers() {
    local answer
    answer=$(whois '!v') && [[ $answer == *IRRd* ]] || return 1
    answer=$(whois '!iAS65000:AS-CUSTOMERS,1') || return 1
    [[ $answer == *AS65000* && $answer == *AS65001* ]] || return 1
    answer=$(whois '!gAS65000') && [[ $answer == *203.0.113.0/24* ]] || return 1
    # IRRd answers route queries from a preloaded copy it refreshes after a start or
    # reset: wait until every lab route is in it, not just the first.
    answer=$(whois '!a4AS65000:AS-CUSTOMERS') || return 1
    [[ $answer == *203.0.113.0/24* && $answer == *198.51.100.0/24* && $answer == *10.20.0.0/16* ]] || return 1
    # The HTTP side (submission API, GraphQL) starts its workers some seconds after whois.
    curl -fsS --noproxy '*' --max-time 5 -o /dev/null "http://$HOST:$HTTP_PORT/v1/status/"
}

irrd_pid() { pid_from "$PID_FILE" 'bin/irrd'; }
sink_pid() { pid_from "$SINK_PID_FILE" 'mail_sink.py'; }

start_mail_sink() {
    sink_pid >/dev/null && return 0
    port_in_use "$SMTP_PORT" && die "$HOST:$SMTP_PORT is in use by something that is not the lab mail sink"
    setsid setpriv --reuid="$LAB_USER" --regid="$LAB_USER" --init-groups \
        /usr/bin/env -i PATH=/usr/bin:/bin LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 \
        "$VENV/bin/python" "$RUN_DIR/mail_sink.py" "$HOST" "$SMTP_PORT" "$MAILBOX" \
        >>"$IRRD_OUT" 2>&1 </dev/null 7>&- 8>&- 9>&- &
    # setsid forks when the caller runs jobs in their own process groups, so $! is not always the
    # sink's PID: find it by its command line.
    local i pattern="mail_sink.py $HOST $SMTP_PORT "
    for ((i = 0; i < 120; i++)); do # 30 s: a loaded host starts Python slowly
        if port_in_use "$SMTP_PORT"; then
            pgrep -n -f -- "$pattern" >"$SINK_PID_FILE" && return 0
        fi
        ((i < 8)) || pgrep -f -- "$pattern" >/dev/null || break
        sleep 0.25
    done
    die_with_log "$IRRD_OUT" "the mail sink did not start on $HOST:$SMTP_PORT"
}

start_irrd() {
    local pid i
    if ! pid=$(irrd_pid); then
        local port
        for port in "$WHOIS_PORT" "$HTTP_PORT"; do
            # an IRRd stopped a moment ago may still be letting go of its ports
            for ((i = 0; i < 40; i++)); do
                port_in_use "$port" || break
                sleep 0.25
            done
            port_in_use "$port" && die "$HOST:$port is in use by something that is not the lab IRRd"
        done
        log "starting IRRd $IRRD_VERSION (whois $HOST:$WHOIS_PORT, HTTP $HOST:$HTTP_PORT)"
        flush_redis "$REDIS_DB"
        rm -f "$RUN_DIR/irrd.pid"
        printf '\n=== %s: starting IRRd\n' "$(date -Is)" >>"$IRRD_OUT"
        # The warnings silenced are SQLAlchemy's about IRRd's web UI models, at each start.
        # setsid: its own session and process group, so `down` can stop all of it. In a
        # script the background child is no group leader, so setsid, setpriv and env all
        # exec in place and $! is IRRd's main process.
        setsid setpriv --reuid="$LAB_USER" --regid="$LAB_USER" --init-groups \
            /usr/bin/env -i "PATH=$VENV/bin:/usr/bin:/bin" HOME="$RUN_DIR" LANG=C.UTF-8 \
            LC_ALL=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 PYTHONWARNINGS=ignore:::irrd.webui.helpers \
            "$VENV/bin/irrd" --config "$CONFIG" --foreground \
            >>"$IRRD_OUT" 2>&1 </dev/null 7>&- 8>&- 9>&- &
        echo "$!" >"$PID_FILE"
        sleep 0.5
        pid=$(irrd_pid) || die_with_log "$IRRD_LOG" "IRRd did not start (see also $IRRD_OUT)"
    fi
    for ((i = 0; i < 240; i++)); do
        irrd_answers && return 0
        irrd_pid >/dev/null || die_with_log "$IRRD_LOG" "IRRd exited during startup (see also $IRRD_OUT)"
        sleep 0.5
    done
    die_with_log "$IRRD_LOG" "IRRd did not answer on whois $HOST:$WHOIS_PORT within 120 s"
}

# Pids of all live processes of the IRRd user (only this script starts any).
lab_user_pids() {
    local uid pid
    uid=$(id -u "$LAB_USER" 2>/dev/null) || return 0
    for pid in $(ps -o pid= -u "$uid" 2>/dev/null); do
        if alive "$pid"; then echo "$pid"; fi
    done
    return 0
}

stop_irrd() {
    local pid
    if pid=$(irrd_pid); then stop_pid "$pid" IRRd; fi
    if pid=$(sink_pid); then stop_pid "$pid" 'the mail sink'; fi
    rm -f "$PID_FILE" "$SINK_PID_FILE"
    # Anything else left running as the IRRd user (workers whose parent died).
    stop_strays lab_user_pids "leftover $LAB_USER processes"
}

write_env_file() {
    {
        echo "# IRRd of the routesec lab (tests/lab/irrd.sh). Lab-only credentials."
        echo "IRRD_HOST=$HOST"
        echo "IRRD_WHOIS_PORT=$WHOIS_PORT"
        echo "IRRD_HTTP_PORT=$HTTP_PORT"
        echo "IRRD_SOURCES=$SOURCES"
        echo "IRRD_LAB_MNTNER=$LAB_MNTNER"
        echo "IRRD_LAB_PASSWORD=$LAB_PASSWORD"
        echo "IRRD_OTHER_MNTNER=$OTHER_MNTNER"
        echo "IRRD_OTHER_PASSWORD=$OTHER_PASSWORD"
    } >"$ENV_FILE.tmp"
    mv -f "$ENV_FILE.tmp" "$ENV_FILE"
}

# ------------------------------------------------------------------------ commands

cmd_up() {
    require_root
    take_lock
    ensure_host_packages
    ensure_services
    if irrd_pid >/dev/null && irrd_answers && [[ $(db_comment "$DB_NAME") == "$(inputs_id)" ]]; then
        write_env_file
        log "IRRd already answers on whois $HOST:$WHOIS_PORT"
        return 0
    fi
    ensure_user
    ensure_venv
    prepare_run_dir
    ensure_database
    start_mail_sink
    start_irrd
    write_env_file
    log "IRRd $IRRD_VERSION is up (whois $HOST:$WHOIS_PORT, HTTP $HOST:$HTTP_PORT) in $(elapsed); see $ENV_FILE"
}

cmd_down() {
    require_root
    take_lock
    stop_irrd
    rm -f "$ENV_FILE"
    log "IRRd is down"
}

cmd_status() {
    local version pid
    if irrd_answers; then
        version=$(whois '!v' | sed -n 's/.*\(IRRd -- version [^ ]*\).*/\1/p' | head -n 1)
        echo "${version:-IRRd} answers on whois $HOST:$WHOIS_PORT (pid $(irrd_pid || echo '?'))"
        return 0
    fi
    if pid=$(irrd_pid); then
        echo "IRRd does not answer on whois $HOST:$WHOIS_PORT (pid $pid is running)"
    else
        echo "IRRd does not answer on whois $HOST:$WHOIS_PORT (not running)"
    fi
    return 3
}

cmd_reset_db() {
    require_root
    take_lock
    local started=$SECONDS id was_running=
    check_data
    id=$(inputs_id)
    [[ -s $CACHE/irrd-$IRRD_VERSION-loaded-$id.dump ]] ||
        die "no cached dump: run 'bash tests/lab/irrd.sh up' first"
    command -v pg_ctlcluster >/dev/null || die "PostgreSQL is not installed: run 'irrd.sh up' first"
    ensure_services
    ensure_db_role "$DB_USER" "$DB_PASSWORD"
    ensure_pristine "$id" "$CACHE/irrd-$IRRD_VERSION-loaded-$id.dump"
    if irrd_pid >/dev/null; then
        was_running=1
        stop_irrd
    fi
    restore_db "$id"
    if [[ -n $was_running ]]; then
        prepare_run_dir
        start_mail_sink
        start_irrd
    fi
    log "database reset in $((SECONDS - started))s${was_running:+ (IRRd restarted)}"
}

main "$@"
