#!/usr/bin/env bash
# NetBox for the routesec local lab: a real NetBox 4.7 on 127.0.0.1:8000.
#
# Usage: bash tests/lab/netbox.sh up|down|status|reset-db
#
#   up        Install what is missing (host packages, a Debian trixie root with a
#             Python 3.13 venv holding NetBox and the netbox-bgp plugin), start
#             PostgreSQL 15 and Redis on loopback, bring the database up to date
#             (restored from the cached migrated dump when it is absent), ensure the
#             admin user and API token, start NetBox (gunicorn) and wait until the API
#             answers. A NetBox left running by an older setup (other versions or
#             configuration) is restarted on the current one. Writes
#             $STATE/netbox.env with NETBOX_URL and NETBOX_TOKEN. Idempotent.
#   down      Stop NetBox (PostgreSQL and Redis keep running) and undo the mounts.
#   status    Say whether NetBox answers; exit 0 if it does, 3 if not.
#   reset-db  Replace the NetBox database with the cached migrated dump: an empty
#             NetBox holding only the admin user and the lab token. Takes seconds.
#
# Environment:
#   ROUTESEC_CACHE      cache dir (trixie root, venv, migrated dump); /var/cache/routesec
#   ROUTESEC_LAB_STATE  runtime state (pid file, logs, netbox.env); /run/routesec-lab
#   ROUTESEC_DEBIAN_MIRROR  Debian mirror for debootstrap; default: the host's apt mirror
#
# Must run as root. Everything is non-interactive; NetBox, PostgreSQL and Redis listen
# on 127.0.0.1 only (ports 8000, 5432, 6379).
set -euo pipefail
# The daemons started here must not hold the caller's open files (a lock a test runner took, say).
for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    ((fd > 2 && fd != 255)) && { eval "exec $fd>&-" 2>/dev/null || true; }
done

readonly NETBOX_VERSION=4.7.3
# The netbox-bgp plugin (BGP sessions, a second source of routers' neighbours). Its 0.20
# releases declare NetBox 4.7.0 to 4.7.99 (PluginConfig min_version/max_version).
readonly NETBOX_BGP_VERSION=0.20.2
readonly SUITE=trixie
readonly ROOT_PACKAGES=(python3 python3-venv python3-dev gcc libc6-dev libpq-dev)

# For lib.sh: the messages' prefix and this script's lock ($CACHE/.netbox-lab.lock on fd 9).
# shellcheck disable=SC2034
LAB_PART=netbox LAB_LOCK_FD=9
# lib.sh: CACHE, STATE, LOG_DIR, REPO, HOST, PG_*, REDIS_PORT and the shared helpers.
# shellcheck source=tests/lab/lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly ROOT=$CACHE/$SUITE
# Named after what its migrations come from, so that a dump made for other versions is
# never restored: a missing dump is rebuilt.
readonly DUMP=$CACHE/netbox-$NETBOX_VERSION-bgp-$NETBOX_BGP_VERSION-migrated.dump
readonly PID_FILE=$STATE/netbox.pid
readonly SETUP_FILE=$STATE/netbox.setup # setup_id of the running NetBox
readonly ENV_FILE=$STATE/netbox.env
ASSETS=$(cd "$LAB_DIR/netbox" && pwd)
readonly ASSETS

# Paths inside the root.
readonly LAB_HOME=/opt/netbox
readonly VENV=$LAB_HOME/venv
readonly NB_ROOT=$LAB_HOME/root
readonly HOST_CA_IN_ROOT=/etc/routesec/host-ca.crt

readonly URL=http://127.0.0.1:8000
# Fixed v1 token (40 hex characters) for the lab: it is part of the cached dump, so it
# survives reset-db and clients can be configured once. Loopback only, never production.
readonly TOKEN=0123456789abcdef0123456789abcdef01234567
readonly ADMIN_USER=admin
readonly DB_NAME=netbox
readonly DB_BUILD=netbox_build
readonly DB_RESTORE=netbox_restore
readonly DB_PRISTINE=netbox_pristine
readonly DB_USER=netbox
readonly DB_PASSWORD=netbox
readonly REDIS_DBS=(0 1) # NetBox's tasks and caching databases (see configuration.py)

# --------------------------------------------------------------------------- helpers

# Environment for commands inside the root: nothing from the host leaks in except
# proxy settings and pip's timeout.
root_env() {
    local var
    printf '%s\n' \
        "PATH=$VENV/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
        HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
        "NETBOX_ROOT=$NB_ROOT" "ROUTESEC_LAB_HOME=$LAB_HOME" PYTHONDONTWRITEBYTECODE=1
    for var in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY PIP_DEFAULT_TIMEOUT; do
        if [[ -n ${!var:-} ]]; then printf '%s=%s\n' "$var" "${!var}"; fi
    done
}

# in_root [VAR=VALUE...] COMMAND...: run a command inside the root.
in_root() {
    local env_vars
    mapfile -t env_vars < <(root_env)
    chroot "$ROOT" /usr/bin/env -i "${env_vars[@]}" "$@"
}

# ------------------------------------------------------------------- host services

ensure_host_packages() {
    local missing=()
    mapfile -t missing < <(missing_service_packages)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    [[ -f /usr/share/keyrings/debian-archive-keyring.gpg ]] || missing+=(debian-archive-keyring)
    command -v curl >/dev/null || missing+=(curl)
    install_host_packages "${missing[@]}"
}

db_exists() { [[ $(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'") == 1 ]]; }

# ------------------------------------------------------------------ the trixie root

mount_root() {
    if ! mountpoint -q "$ROOT/proc"; then mount -t proc proc "$ROOT/proc"; fi
    if ! mountpoint -q "$ROOT/dev"; then
        mount --bind /dev "$ROOT/dev"
        mount --make-private "$ROOT/dev"
    fi
}

# Undo every mount under the root, deepest first.
umount_root() {
    local mnt
    [[ -d $ROOT ]] || return 0
    while read -r mnt; do
        umount "$mnt" 2>/dev/null || umount -l "$mnt"
    done < <(awk -v r="$ROOT/" 'index($2, r) == 1 { print $2 }' /proc/self/mounts | sort -r)
}

# Files the root needs from the host: DNS, the CA bundle, apt and pip settings.
configure_root() {
    install -d "$ROOT/etc/routesec" "$ROOT/etc/apt/apt.conf.d" "$ROOT$LAB_HOME"
    rm -f "$ROOT/etc/resolv.conf"
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
    local ca=${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}
    [[ -f $ca ]] || ca=/etc/ssl/certs/ca-certificates.crt
    if [[ -f $ca ]]; then install -m 0644 "$ca" "$ROOT$HOST_CA_IN_ROOT"; fi
    {
        echo 'Acquire::Check-Valid-Until "false";'
        echo 'Acquire::Languages "none";'
        echo 'APT::Install-Recommends "false";'
        apt-config dump 2>/dev/null | grep -iE '^Acquire::(https?|ftp)::Proxy' || true
    } >"$ROOT/etc/apt/apt.conf.d/99routesec"
    write_root_pip_conf >"$ROOT/etc/pip.conf"
}

# pip configuration for the root: the host's index settings (local file:// indexes and
# find-links do not exist there and are dropped) plus the host's CA bundle.
write_root_pip_conf() {
    local line key value url urls
    echo '[global]'
    if [[ -f $ROOT$HOST_CA_IN_ROOT ]]; then echo "cert = $HOST_CA_IN_ROOT"; fi
    echo 'disable-pip-version-check = true'
    {
        python3 -m pip config list 2>/dev/null || true
        # Environment variables win over files, as they do for pip.
        local var
        for var in INDEX_URL EXTRA_INDEX_URL TRUSTED_HOST; do
            value=PIP_$var
            if [[ -n ${!value:-} ]]; then
                key=${var,,}
                echo "env.${key//_/-}='${!value}'"
            fi
        done
    } | while IFS= read -r line; do
        key=${line%%=*}
        key=${key##*.}
        value=${line#*=}
        value=${value#\'}
        value=${value%\'}
        case $key in
            index-url | extra-index-url)
                urls=()
                for url in $value; do
                    [[ $url == http://* || $url == https://* ]] && urls+=("$url")
                done
                if ((${#urls[@]})); then echo "$key = ${urls[*]}"; fi
                ;;
            trusted-host | timeout | default-timeout | retries | proxy) echo "$key = $value" ;;
        esac
    done | awk -F' = ' '{ last[$1] = $0; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
                         END { for (i = 1; i <= n; i++) print last[order[i]] }'
}

ensure_root() {
    local marker=$ROOT/.routesec-bootstrap.ok
    if [[ ! -f $marker ]]; then
        local mirror started=$SECONDS
        mirror=$(host_debian_mirror)
        log "building Debian $SUITE root in $ROOT from $mirror (about 30 s)"
        umount_root
        rm -rf --one-file-system "$ROOT"
        run_logged "$LOG_DIR/build.log" debootstrap --variant=minbase "$SUITE" "$ROOT" "$mirror"
        touch "$marker"
        log "root built in $((SECONDS - started))s"
    fi
    configure_root
    mount_root

    marker=$ROOT/.routesec-packages.ok # holds the package list it was made for
    if [[ $(cat "$marker" 2>/dev/null) != "${ROOT_PACKAGES[*]}" ]]; then
        local started=$SECONDS
        log "installing ${ROOT_PACKAGES[*]} in the root"
        run_logged "$LOG_DIR/build.log" in_root apt-get update
        run_logged "$LOG_DIR/build.log" in_root apt-get install -y --no-install-recommends "${ROOT_PACKAGES[@]}"
        run_logged "$LOG_DIR/build.log" in_root apt-get clean
        echo "${ROOT_PACKAGES[*]}" >"$marker"
        log "root packages installed in $((SECONDS - started))s"
    fi

    marker=$ROOT$LAB_HOME/.venv-netbox-$NETBOX_VERSION.ok
    if [[ ! -f $marker ]]; then
        local started=$SECONDS
        log "creating the venv with netbox==$NETBOX_VERSION (about 70 s)"
        rm -rf --one-file-system "$ROOT$VENV"
        run_logged "$LOG_DIR/build.log" in_root python3 -m venv "$VENV"
        run_logged "$LOG_DIR/build.log" in_root "$VENV/bin/pip" install --no-cache-dir "netbox==$NETBOX_VERSION"
        touch "$marker"
        log "venv ready in $((SECONDS - started))s"
    fi

    marker=$ROOT$VENV/.netbox-bgp-$NETBOX_BGP_VERSION.ok # in the venv: a new venv lacks it
    if [[ ! -f $marker ]]; then
        log "installing netbox-bgp==$NETBOX_BGP_VERSION in the venv"
        run_logged "$LOG_DIR/build.log" in_root "$VENV/bin/pip" install --no-cache-dir "netbox-bgp==$NETBOX_BGP_VERSION"
        rm -f "$ROOT$VENV"/.netbox-bgp-*.ok
        touch "$marker"
    fi
}

# What the running NetBox is made of: versions, configuration and gunicorn settings.
setup_id() {
    { echo "netbox $NETBOX_VERSION netbox-bgp $NETBOX_BGP_VERSION" && cat "$ASSETS/configuration.py" "$ASSETS/gunicorn.py"; } |
        sha256sum | cut -c1-16
}

# NetBox instance files: configuration, gunicorn settings, helper, per-root secrets.
install_netbox_files() {
    local dir=$ROOT$LAB_HOME name
    install -d -m 0755 "$ROOT$NB_ROOT/conf" "$ROOT$NB_ROOT/media" "$ROOT$NB_ROOT/scripts" "$ROOT$NB_ROOT/reports"
    touch "$ROOT$NB_ROOT/conf/__init__.py"
    install -m 0644 "$ASSETS/configuration.py" "$ROOT$NB_ROOT/conf/configuration.py"
    install -m 0644 "$ASSETS/gunicorn.py" "$dir/gunicorn.py"
    install -m 0644 "$ASSETS/lab_setup.py" "$dir/lab_setup.py"
    for name in secret_key token_pepper; do
        if [[ ! -s $dir/$name ]]; then
            (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$dir/$name")
        fi
    done
}

# ------------------------------------------------------------------------ database

# lab_setup LOGFILE [--migrate] [VAR=VALUE...]: migrations plus admin user and token.
lab_setup() {
    local logfile=$1 migrate=()
    shift
    if [[ ${1:-} == --migrate ]]; then
        migrate=(--migrate)
        shift
    fi
    run_logged "$logfile" in_root "$@" "$VENV/bin/python" "$LAB_HOME/lab_setup.py" \
        "${migrate[@]}" --user "$ADMIN_USER" --token "$TOKEN"
}

build_dump() {
    local started=$SECONDS
    log "no cached dump: migrating an empty NetBox $NETBOX_VERSION database (about 5 minutes)"
    create_db "$DB_BUILD" "$DB_USER"
    lab_setup "$LOG_DIR/migrate.log" --migrate "NETBOX_DB_NAME=$DB_BUILD"
    dump_db "$DB_BUILD" "$DUMP"
    drop_db "$DB_BUILD"
    log "migrated and dumped to $DUMP in $((SECONDS - started))s"
}

dump_id() { sha256sum "$DUMP" | cut -c1-64; }

# The template database holds the restored dump, tagged with the dump's checksum, so a
# reset is a fast file-level clone instead of a pg_restore.
ensure_pristine() {
    local id
    id=$(dump_id)
    [[ $(db_comment "$DB_PRISTINE") == "$id" ]] && return 0
    restore_template "$DB_PRISTINE" "$DB_USER" "$DUMP" "$LOG_DIR/restore.log"
    psql_admin -c "COMMENT ON DATABASE $DB_PRISTINE IS '$id'"
}

# Replace the NetBox database with a clone of the pristine one. The clone is built under
# another name and swapped in, so NetBox never sees a half-restored database.
restore_dump() {
    ensure_pristine
    clone_db "$DB_PRISTINE" "$DB_RESTORE" "$DB_NAME" "$DB_USER"
    flush_redis "${REDIS_DBS[@]}"
}

ensure_database() {
    ensure_db_role "$DB_USER" "$DB_PASSWORD"
    if [[ ! -s $DUMP ]]; then
        build_dump
        local old
        for old in "$CACHE"/netbox-*-migrated.dump; do
            if [[ $old != "$DUMP" && -f $old ]]; then rm -f "$old"; fi
        done
    fi
    if ! db_exists "$DB_NAME"; then
        log "restoring the NetBox database from $DUMP"
        restore_dump
    fi
    # A no-op when the database is current; also (re)creates the admin user and token.
    lab_setup "$LOG_DIR/migrate.log" --migrate
}

# -------------------------------------------------------------------------- NetBox

netbox_answers() {
    curl -fsS --noproxy '*' --max-time 5 -o /dev/null \
        -H "Authorization: Token $TOKEN" -H 'Accept: application/json' "$URL/api/status/" 2>/dev/null
}

# Print the pid of our running gunicorn master, if any.
netbox_pid() { pid_from "$PID_FILE" gunicorn; }

write_env_file() {
    printf 'NETBOX_URL=%s\nNETBOX_TOKEN=%s\n' "$URL" "$TOKEN" >"$ENV_FILE.tmp"
    mv -f "$ENV_FILE.tmp" "$ENV_FILE"
}

start_netbox() {
    local pid
    if ! pid=$(netbox_pid); then
        port_in_use 8000 && die "127.0.0.1:8000 is in use by something that is not the lab NetBox"
        log "starting NetBox (gunicorn on 127.0.0.1:8000)"
        printf '\n=== %s: starting gunicorn\n' "$(date -Is)" >>"$LOG_DIR/netbox.log"
        start_gunicorn
        pid=$(netbox_pid) || die_with_log "$LOG_DIR/netbox.log" "NetBox did not start"
    fi
    local i
    for ((i = 0; i < 240; i++)); do
        netbox_answers && return 0
        netbox_pid >/dev/null || die_with_log "$LOG_DIR/netbox.log" "NetBox exited during startup"
        sleep 0.5
    done
    die_with_log "$LOG_DIR/netbox.log" "NetBox did not answer $URL/api/status/ within 120 s"
}

start_gunicorn() {
    local env_vars
    mapfile -t env_vars < <(root_env)
    # setsid: its own session and process group, so `down` can stop all of it. In a
    # script (no job control) the background child is no group leader, so setsid execs
    # in place and $! is the gunicorn master.
    setsid chroot "$ROOT" /usr/bin/env -i "${env_vars[@]}" \
        "$VENV/bin/gunicorn" --config "$LAB_HOME/gunicorn.py" netbox.wsgi \
        >>"$LOG_DIR/netbox.log" 2>&1 </dev/null 9>&- &
    echo "$!" >"$PID_FILE"
    sleep 0.2
}

# Pids of processes whose root directory is the lab root (gunicorn and anything left).
root_pids() {
    local dir
    [[ -d $ROOT ]] || return 0
    for dir in /proc/[0-9]*; do
        if [[ $(readlink "$dir/root" 2>/dev/null) == "$ROOT" ]] && alive "${dir#/proc/}"; then
            echo "${dir#/proc/}"
        fi
    done
    return 0
}

stop_netbox() {
    local pid
    if pid=$(netbox_pid); then stop_pid "$pid" NetBox; fi
    rm -f "$PID_FILE" "$SETUP_FILE"
    # Anything else still running inside the root (stray workers, helpers).
    stop_strays root_pids "leftover processes in the root"
}

# ------------------------------------------------------------------------ commands

cmd_up() {
    require_root
    take_lock
    ensure_host_packages
    start_postgres
    start_redis
    if netbox_answers && [[ $(cat "$SETUP_FILE" 2>/dev/null) == "$(setup_id)" ]]; then
        write_env_file
        log "NetBox already answers at $URL"
        return 0
    fi
    ensure_root
    install_netbox_files
    ensure_database
    if netbox_answers; then
        log "NetBox runs an older setup: restarting it"
        stop_netbox
    fi
    start_netbox
    setup_id >"$SETUP_FILE"
    write_env_file
    log "NetBox $NETBOX_VERSION is up at $URL ($(elapsed)); credentials in $ENV_FILE"
}

cmd_down() {
    require_root
    take_lock
    stop_netbox
    umount_root
    rm -f "$ENV_FILE"
    log "NetBox is down"
}

cmd_status() {
    local body version pid
    if body=$(curl -fsS --noproxy '*' --max-time 5 -H "Authorization: Token $TOKEN" \
        -H 'Accept: application/json' "$URL/api/status/" 2>/dev/null); then
        version=$(sed -n 's/.*"netbox-version": *"\([^"]*\)".*/\1/p' <<<"$body")
        echo "NetBox ${version:-?} answers at $URL (pid $(netbox_pid || echo '?'))"
        return 0
    fi
    if pid=$(netbox_pid); then
        echo "NetBox does not answer at $URL (gunicorn pid $pid is running)"
    else
        echo "NetBox does not answer at $URL (not running)"
    fi
    return 3
}

cmd_reset_db() {
    require_root
    take_lock
    local started=$SECONDS
    [[ -s $DUMP ]] || die "no cached dump at $DUMP: run 'bash tests/lab/netbox.sh up' first"
    command -v pg_ctlcluster >/dev/null || die "PostgreSQL is not installed: run 'netbox.sh up' first"
    start_postgres
    start_redis
    ensure_db_role "$DB_USER" "$DB_PASSWORD"
    restore_dump
    log "database reset from $DUMP in $((SECONDS - started))s"
}

main "$@"
