#!/usr/bin/env bash
# The main job against the local lab: bring the lab up, prepare NetBox, then
# deploy own-prefix announcement filters from NetBox to the FRR routers:
# check mode with diff (changes nothing), apply, and an idempotent re-run.
set -euo pipefail
# shellcheck source=scripts/lab_session.sh
source "$(dirname "$0")/lab_session.sh"

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

echo
echo "==> the customer (ExaBGP 'cust', AS65000) announces to r2: registered routes, an unregistered one,"
echo "    a registered bogon, and IPv6 registered/unregistered"
for prefix in 203.0.113.0/24 198.51.100.0/24 93.184.216.0/24 10.20.0.0/16 2001:db8:1000::/36 2001:db8:2000::/36; do
    echo "announce route $prefix next-hop self" >"$STATE/exabgp-cust.cmd"
    echo "   $prefix"
done
run ansible-playbook -i inventories/lab playbooks/customer_filters.yml --check --diff
run ansible-playbook -i inventories/lab playbooks/customer_filters.yml --diff
python - <<'PY'
import sys
sys.path.insert(0, "tests/lab")
import lab_api
want = {"203.0.113.0/24", "198.51.100.0/24"}
lab_api.wait_for(lambda: lab_api.received_from("r2", "198.18.0.101", 4) == want, timeout=30)
for afi, peer in ((4, "198.18.0.101"), (6, "fdff:5e5::101")):
    print("   r2 accepts from cust, IPv%d:" % afi, ", ".join(sorted(lab_api.received_from("r2", peer, afi))))
PY
