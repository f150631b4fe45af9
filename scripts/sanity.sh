#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection laid out as ansible_collections/routesec/bgp.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
eval "$(bash "$REPO/scripts/setup.sh")"

# ansible-test bootstraps pip in its test venvs with a script it downloads from
# its own CI host, which this machine cannot reach. An equivalent bootstrap:
# ensurepip, then pip installs what ansible-test asks for from the package index.
offline_get_pip() {
    local version
    version=$(python - <<'PY'
import inspect
import re

from ansible_test._internal import python_requirements

print(re.search(r"pip='([0-9.]+)'", inspect.getsource(python_requirements)).group(1))
PY
)
    local script=$HOME/.ansible/test/cache/get_pip_${version//./_}.py
    [[ -f $script ]] && return
    mkdir -p "$(dirname "$script")"
    cat >"$script" <<'PY'
"""Offline stand-in for get-pip.py: bootstrap pip with ensurepip, then install the arguments."""
import subprocess
import sys

ONLY_GET_PIP = {"--no-setuptools", "--no-wheel"}
# in a child process: ensurepip turns off pip's configuration in its own environment
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"], stdout=subprocess.DEVNULL)
args = [a for a in sys.argv[1:] if a not in ONLY_GET_PIP]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "-q"] + args))
PY
}
offline_get_pip
DEST=$ROUTESEC_CACHE/sanity/ansible_collections/routesec/bgp
rm -rf "$DEST"
mkdir -p "$DEST"
git -C "$REPO" ls-files -co --exclude-standard -z | (cd "$REPO" && xargs -0 cp --parents -t "$DEST")
cd "$DEST"
ansible-test sanity --python 3.11 --color no "$@"
