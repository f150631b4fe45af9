#!/usr/bin/env bash
# Routing daemons newer than Debian 12's, from a Debian trixie root of their own: BIRD 2.17
# and OpenBGPD 8.8 (ASPA verification), StayRTR 0.6, rpki-client 9.5 and FORT 1.6.8. The root
# is separate from NetBox's, so stopping NetBox (which kills every process whose root is its
# root) never touches a daemon started from here.
#
# FORT 1.7.0.experimental (ASPA validation, RTR version 2) comes from Debian sid beside them:
# its package and the one library trixie lacks (libxml2-16) are unpacked into $SID_DIR of
# the root, not installed, so FORT 1.6.8 stays and nothing else comes from sid. The root's
# own apt never sees sid: the download uses apt state of its own (/var/lib/routesec-sid).
# That FORT runs with the root's loader, its libraries first in the search path.
#
# Usage: bash tests/lab/trixie_daemons.sh ensure|path
#
#   ensure  Build the root when it is absent or lacks a package (about a minute), then
#           print its path. Idempotent; concurrent runs wait for each other.
#   path    Print the root's path without building anything.
#
# The daemons run from the host with the root's dynamic loader and libraries
# (tests/unit/trixie.py), so their files and sockets live wherever the caller puts them.
#
# Environment:
#   ROUTESEC_CACHE          cache dir; the root is $ROUTESEC_CACHE/trixie-daemons
#   ROUTESEC_DEBIAN_MIRROR  Debian mirror for debootstrap; default: the host's apt mirror
set -euo pipefail

readonly SUITE=trixie
readonly PACKAGES=(bird2 openbgpd stayrtr rpki-client fort-validator)
readonly SID_PACKAGES=(fort-validator libxml2-16)
readonly SID_DIR=opt/sid

# shellcheck disable=SC2034 # for lib.sh: the messages' prefix and this script's lock
LAB_PART=daemons LAB_LOCK_FD=7
# shellcheck source=tests/lab/lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly ROOT=$CACHE/trixie-daemons

ensure() {
    require_root
    take_lock
    local marker=$ROOT/.routesec-bootstrap.ok
    if [[ ! -f $marker ]]; then
        local mirror started=$SECONDS
        command -v debootstrap >/dev/null || install_host_packages debootstrap debian-archive-keyring
        mirror=$(host_debian_mirror)
        log "building Debian $SUITE root in $ROOT from $mirror (about 30 s)"
        rm -rf --one-file-system "$ROOT"
        run_logged "$LOG_DIR/daemons-build.log" debootstrap --variant=minbase "$SUITE" "$ROOT" "$mirror"
        touch "$marker"
        log "root built in $((SECONDS - started))s"
    fi
    marker=$ROOT/.routesec-packages.ok # holds the package list it was made for
    if [[ $(cat "$marker" 2>/dev/null) != "${PACKAGES[*]}" ]]; then
        local started=$SECONDS
        rm -f "$ROOT/etc/resolv.conf"
        cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
        install -d "$ROOT/etc/apt/apt.conf.d"
        {
            echo 'Acquire::Check-Valid-Until "false";'
            echo 'Acquire::Languages "none";'
            echo 'APT::Install-Recommends "false";'
            apt-config dump 2>/dev/null | grep -iE '^Acquire::(https?|ftp)::Proxy' || true
        } >"$ROOT/etc/apt/apt.conf.d/99routesec"
        # No service may start inside the root while packages are installed.
        printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
        chmod 0755 "$ROOT/usr/sbin/policy-rc.d"
        log "installing ${PACKAGES[*]} in the root"
        run_logged "$LOG_DIR/daemons-build.log" chroot "$ROOT" apt-get update
        run_logged "$LOG_DIR/daemons-build.log" chroot "$ROOT" apt-get install -y --no-install-recommends "${PACKAGES[@]}"
        run_logged "$LOG_DIR/daemons-build.log" chroot "$ROOT" apt-get clean
        echo "${PACKAGES[*]}" >"$marker"
        log "packages installed in $((SECONDS - started))s"
    fi
    ensure_sid_packages
    echo "$ROOT"
}

# sid_apt ARG...: the root's apt-get on sid alone, with lists and downloads of its own, in the
# folder the downloads go to.
sid_apt() {
    chroot "$ROOT" sh -c 'cd /var/cache/routesec-sid && exec apt-get "$@"' sid_apt \
        -o Dir::Etc::SourceList=/etc/apt/routesec-sid.list -o Dir::Etc::SourceParts=/var/lib/routesec-sid/none \
        -o Dir::State::Lists=/var/lib/routesec-sid/lists -o Dir::Cache=/var/cache/routesec-sid "$@"
}

# SID_PACKAGES unpacked into $ROOT/$SID_DIR (once; the marker there holds the package list).
ensure_sid_packages() {
    local folder=$ROOT/$SID_DIR
    local marker=$folder/.routesec-packages.ok started=$SECONDS deb
    [[ $(cat "$marker" 2>/dev/null) == "${SID_PACKAGES[*]}" ]] && return
    log "unpacking ${SID_PACKAGES[*]} of Debian sid into $folder"
    echo "deb $(host_debian_mirror) sid main" >"$ROOT/etc/apt/routesec-sid.list"
    remove_sid_apt_files
    install -d "$ROOT/var/lib/routesec-sid/none" "$ROOT/var/lib/routesec-sid/lists/partial" \
        "$ROOT/var/cache/routesec-sid/archives/partial"
    run_logged "$LOG_DIR/daemons-build.log" sid_apt update
    run_logged "$LOG_DIR/daemons-build.log" sid_apt download "${SID_PACKAGES[@]/%//sid}"
    rm -rf --one-file-system "$folder"
    for deb in "$ROOT"/var/cache/routesec-sid/*.deb; do
        run_logged "$LOG_DIR/daemons-build.log" dpkg-deb -x "$deb" "$folder"
    done
    remove_sid_apt_files
    check_sid_fort "$folder"
    echo "${SID_PACKAGES[*]}" >"$marker"
    log "sid packages unpacked in $((SECONDS - started))s"
}

remove_sid_apt_files() {
    rm -rf --one-file-system "$ROOT/var/lib/routesec-sid" "$ROOT/var/cache/routesec-sid"
}

# check_sid_fort FOLDER: the unpacked FORT finds every library and runs.
check_sid_fort() {
    local loader=("$ROOT/lib64/ld-linux-x86-64.so.2" --library-path
        "$1/usr/lib/x86_64-linux-gnu:$ROOT/lib/x86_64-linux-gnu:$ROOT/usr/lib/x86_64-linux-gnu")
    local libraries
    libraries=$("${loader[@]}" --list "$1/usr/bin/fort" 2>&1 || true)
    [[ $libraries != *"not found"* ]] || die "FORT of sid lacks libraries: $(grep 'not found' <<<"$libraries")"
    "${loader[@]}" "$1/usr/bin/fort" --version >/dev/null || die "FORT of sid does not run"
}

case ${1:-} in
    ensure) ensure ;;
    path) echo "$ROOT" ;;
    *)
        echo "usage: $0 ensure|path" >&2
        exit 2
        ;;
esac
