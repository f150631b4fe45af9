#!/usr/bin/env bash
# Benchmarks (printed, not asserted): rendering at 100k entries per platform; ASPA path verification on real
# ASPAs and RIS paths; the monitor's replay of RIS updates and a full table through its detector and its BMP
# feed; AS-SET
# expansion against bgpq4 on the lab IRRd; NetBox read + intent build at 1,000
# devices / 50,000 prefixes in the lab NetBox; a 1% change pushed as delta vs full replace; a change
# to 50 BIRD routers in network namespaces with Ansible forks; a compliance run over 50 BIRD routers and
# 50,000 NetBox prefixes (it restores the lab itself, so the NetBox benchmark after it starts from the seed).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
STATE=${ROUTESEC_LAB_STATE:-/run/routesec-lab}
cd "$REPO"
eval "$(bash scripts/setup.sh)"
export PYTHONPATH=$ANSIBLE_COLLECTIONS_PATH
bash scripts/ensure-packages.sh bgpdump pmacct  # the anchors of the monitor's benchmarks
python bench/render_prefix_lists.py
python bench/aspa_verify.py
python bench/monitor_replay.py
python bench/bmp_feed.py
bash tests/lab/lab.sh up >/dev/null
set -a
# shellcheck source=/dev/null  # written at run time by the lab
source "$STATE/lab.env"
set +a
python bench/irr_expand_vs_bgpq4.py
python bench/rov_validate.py
python bench/delta_push.py
python bench/fleet_run.py
python bench/compliance_scale.py
python bench/netbox_intent_scale.py "$@"
bash tests/lab/lab.sh reset >/dev/null
