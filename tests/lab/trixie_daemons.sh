#!/usr/bin/env bash
# Routing daemons newer than Debian 12's, from a Debian trixie root of their own: BIRD 2.17
# and OpenBGPD 8.8 (ASPA verification), StayRTR 0.6 (ASPA over RTR version 2), rpki-client
# 9.5 and FORT. The root is separate from NetBox's, so stopping NetBox (which kills every
# process whose root is its root) never touches a daemon started from here.
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
    echo "$ROOT"
}

case ${1:-} in
    ensure) ensure ;;
    path) echo "$ROOT" ;;
    *)
        echo "usage: $0 ensure|path" >&2
        exit 2
        ;;
esac
