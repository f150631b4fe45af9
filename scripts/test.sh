#!/usr/bin/env bash
# The test command: sets up the controller, starts the lab, then runs
# lint, unit and integration tests (pytest), and ansible-test sanity.
# With arguments, runs only pytest with them (e.g. a single test file).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
eval "$(bash scripts/setup.sh)"

if [ $# -gt 0 ]; then
    bash tests/lab/lab.sh up
    exec python -m pytest -q -p no:cacheprovider "$@"
fi

# The unit tests (each with its own servers, on workers of their own) first, while the lab starts: beside the lab's
# tests, the emulated devices they talk to are starved of CPU and answer too late. Then the lab's tests (NetBox, the
# routers, the IRRd) on xdist workers, a test file each at a time, each file holding locks on the lab parts it reads
# or changes (tests/lab/lab_locks.py), so that files changing a part never run beside files using it; beside them,
# lint and ansible-test sanity at a lower CPU priority. The slowest tests of each pytest are listed.
lab_log=$(mktemp)
side_log=$(mktemp)
trap 'rm -f "$lab_log" "$side_log"' EXIT
bash tests/lab/lab.sh up >"$lab_log" 2>&1 &
lab_pid=$!
unit_rc=0
python -m pytest tests/unit -q -p no:cacheprovider -n "${ROUTESEC_UNIT_WORKERS:-6}" --dist worksteal --durations=15 ||
    unit_rc=$?
lab_rc=0
wait "$lab_pid" || lab_rc=$?
cat "$lab_log"
{ nice -n 10 bash scripts/lint.sh && nice -n 10 bash scripts/sanity.sh; } >"$side_log" 2>&1 &
side_pid=$!
[ "$lab_rc" -ne 0 ] ||
    python -m pytest tests/integration tests/artifact -q -p no:cacheprovider -n "${ROUTESEC_LAB_WORKERS:-3}" \
        --dist loadfile --durations=15 || lab_rc=$?
side_rc=0
wait "$side_pid" || side_rc=$?
echo "== lint and ansible-test sanity =="
cat "$side_log"
echo "unit tests: exit $unit_rc; lab and its tests: exit $lab_rc; lint and sanity: exit $side_rc"
[ "$unit_rc" -eq 0 ] && [ "$lab_rc" -eq 0 ] && [ "$side_rc" -eq 0 ]
