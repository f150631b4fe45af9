#!/usr/bin/env bash
# The main job against the local lab: bring the lab up, prepare NetBox, then
# deploy own-prefix announcement filters from NetBox to the FRR routers:
# check mode with diff (changes nothing), apply, and an idempotent re-run.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
STATE=${ROUTESEC_LAB_STATE:-/run/routesec-lab}
cd "$REPO"
eval "$(bash scripts/setup.sh)"
bash tests/lab/lab.sh up
bash tests/lab/lab.sh reset   # NetBox back to the lab seed, routers to their base config
set -a
# shellcheck source=/dev/null  # written at run time by the lab
source "$STATE/lab.env"
set +a
export ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_FORCE_COLOR=0 ANSIBLE_HOST_KEY_CHECKING=False

run() { echo; echo "==> $*"; "$@"; }
transit() { # transit's BGP table, after FRR has re-applied policy (about 5 s after a change)
    python - "$@" <<'PY'
import sys
sys.path.insert(0, "tests/lab")
import lab_api
if sys.argv[1:] == ["--settle"]:
    lab_api.wait_for(lambda: "185.230.76.0/22" in lab_api.received_prefixes("transit", 4), timeout=30)
for afi in (4, 6):
    print("   transit IPv%d:" % afi, ", ".join(sorted(lab_api.received_prefixes("transit", afi))) or "(nothing)")
PY
}

echo
echo "==> ExaBGP announces ours and others' prefixes to r1 and r2"
for prefix in 185.230.76.0/22 185.230.76.0/23 185.230.77.0/24 185.230.79.0/24 185.230.78.0/25 198.51.100.0/24 \
              2a0f:b300::/32 2a0f:b300:100::/48 2001:db8:1::/48; do
    echo "announce route $prefix next-hop self" >"$STATE/exabgp.cmd"
    echo "   $prefix"
done
sleep 2
transit

run ansible-playbook playbooks/netbox_bootstrap.yml
run ansible-playbook -i inventories/lab playbooks/own_prefix_filters.yml --check --diff
transit
run ansible-playbook -i inventories/lab playbooks/own_prefix_filters.yml --diff
transit --settle
run ansible-playbook -i inventories/lab playbooks/own_prefix_filters.yml --diff
