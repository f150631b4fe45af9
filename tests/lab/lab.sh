#!/usr/bin/env bash
# The local lab: a real NetBox seeded with the lab network, FRR routers in
# network namespaces reachable by SSH on loopback, ExaBGP speakers, a StayRTR
# RPKI cache serving lab-only VRPs to the routers (198.18.0.20:3323 inside the
# routers' network, see routers.sh), and a real IRRd loaded with RIPE's as-sets
# and route objects.
#   lab.sh up      start everything (reusing cached builds) and seed NetBox
#   lab.sh down    stop everything
#   lab.sh status  show what runs
#   lab.sh reset   restore NetBox to the seed, the routers to their base config
#                  and the IRR to its loaded objects
# After `up`, $STATE/lab.env holds NETBOX_URL, NETBOX_TOKEN and the IRRD_* settings.
set -euo pipefail
# The daemons started here must not hold the caller's open files (a lock a test runner took, say).
for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    ((fd > 2 && fd != 255)) && { eval "exec $fd>&-" 2>/dev/null || true; }
done

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
STATE=${ROUTESEC_LAB_STATE:-/run/routesec-lab}

seed() {
    eval "$("$REPO/scripts/setup.sh")"
    set -a
    # shellcheck source=/dev/null  # written at run time by the lab
    source "$STATE/netbox.env"
    set +a
    PYTHONPATH=$ANSIBLE_COLLECTIONS_PATH python "$HERE/seed_netbox.py"
    cat "$STATE/netbox.env" "$STATE/irrd.env" >"$STATE/lab.env"
}

case ${1:-} in
    up)
        bash "$HERE/netbox.sh" up
        bash "$HERE/routers.sh" up
        bash "$HERE/irrd.sh" up
        seed
        echo "lab: up (NetBox on 127.0.0.1:8000, routers r1/r2/transit on 127.0.10.{1,2,10}:2222," \
            "StayRTR on 198.18.0.20:3323 in the routers' network, IRRd whois on 127.0.0.1:8043)"
        ;;
    down)
        bash "$HERE/irrd.sh" down
        bash "$HERE/routers.sh" down
        bash "$HERE/netbox.sh" down
        ;;
    status)
        bash "$HERE/netbox.sh" status || true
        bash "$HERE/routers.sh" status || true
        bash "$HERE/irrd.sh" status || true
        ;;
    reset)
        bash "$HERE/netbox.sh" reset-db
        bash "$HERE/routers.sh" reset
        bash "$HERE/irrd.sh" reset-db
        seed
        ;;
    *)
        echo "usage: $0 up|down|status|reset" >&2
        exit 2
        ;;
esac
