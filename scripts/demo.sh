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
set -a; source "$STATE/lab.env"; set +a
export ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_FORCE_COLOR=0 ANSIBLE_HOST_KEY_CHECKING=False

run() { echo; echo "==> $*"; "$@"; }
run ansible-playbook playbooks/netbox_bootstrap.yml
run ansible-playbook -i inventories/lab playbooks/own_prefix_filters.yml --check --diff
run ansible-playbook -i inventories/lab playbooks/own_prefix_filters.yml --diff
run ansible-playbook -i inventories/lab playbooks/own_prefix_filters.yml --diff
echo
echo "==> what the transit router now receives from r1 and r2"
python - <<'PY'
import sys
sys.path.insert(0, "tests/lab")
import lab_api
for afi in (4, 6):
    print("IPv%d:" % afi, ", ".join(sorted(lab_api.received_prefixes("transit", afi))) or "(nothing)")
PY
