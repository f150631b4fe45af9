#!/usr/bin/env bash
# Set up the controller on a fresh machine, and reuse what is already there:
# - the Debian tools the tests run for real (bird, bgpd, bgpq4, git, make),
# - a Python venv with the pinned requirements (outside the repository),
# - the checkout linked into a collections tree as routesec.bgp.
# Prints the environment to source: eval "$(scripts/setup.sh)".
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${ROUTESEC_CACHE:-/var/cache/routesec}
VENV=$CACHE/venv
COLLECTIONS=$CACHE/collections

log() { echo "setup: $*" >&2; }

ensure_venv() {
    local stamp="$VENV/.requirements.sha256" want
    want=$(sha256sum "$REPO/requirements.txt" | cut -d' ' -f1)
    if [[ -x $VENV/bin/python && -f $stamp && $(cat "$stamp") == "$want" ]]; then
        return
    fi
    log "installing Python requirements into $VENV"
    mkdir -p "$CACHE"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip >&2
    "$VENV/bin/pip" install -q -r "$REPO/requirements.txt" >&2
    echo "$want" >"$stamp"
}

link_collection() {
    local link=$COLLECTIONS/ansible_collections/routesec/bgp
    mkdir -p "$(dirname "$link")"
    if [[ $(readlink "$link" 2>/dev/null) != "$REPO" ]]; then
        rm -rf "$link"
        ln -s "$REPO" "$link"
    fi
}

bash "$REPO/scripts/ensure-packages.sh" bird2 openbgpd bgpq4 git make python3-venv time stayrtr fort-validator rpki-client openssh-server openssh-client
ensure_venv
link_collection
cat <<ENV
export PATH="$VENV/bin:\$PATH"
export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS"
export ROUTESEC_CACHE="$CACHE"
ENV
