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

# Two lines of work side by side, as they wait on different things:
# - lint, ansible-test sanity, then the unit tests (each with its own servers) on workers of their own, started at
#   once (they need no lab). Lint and sanity run at a lower CPU priority than the lab's tests, which are the longer
#   line; the unit tests do not (starved, the emulated devices answer too late). Sanity runs before the unit tests,
#   not beside them: its pylint starves the emulated devices.
# - the lab, then the tests that use it (NetBox, the routers, the IRRd) on xdist workers, a test file each at a time;
#   each file holds locks on the lab parts it reads or changes (tests/lab/lab_locks.py), so that files changing a
#   part never run beside files using it.
# The slowest tests of each are listed; the first line's report follows the lab's.
side_log=$(mktemp)
trap 'rm -f "$side_log"' EXIT
{
    nice -n 10 bash scripts/lint.sh &&
        nice -n 10 bash scripts/sanity.sh &&
        python -m pytest tests/unit -q -p no:cacheprovider -n "${ROUTESEC_UNIT_WORKERS:-6}" --dist worksteal \
            --durations=15
} >"$side_log" 2>&1 &
side_pid=$!
lab_rc=0
bash tests/lab/lab.sh up || lab_rc=$?
[ "$lab_rc" -ne 0 ] ||
    python -m pytest tests/integration tests/artifact -q -p no:cacheprovider -n "${ROUTESEC_LAB_WORKERS:-3}" \
        --dist loadfile --durations=15 || lab_rc=$?
side_rc=0
wait "$side_pid" || side_rc=$?
echo "== lint, ansible-test sanity and unit tests =="
cat "$side_log"
echo "lab and its tests: exit $lab_rc; lint, sanity and unit tests: exit $side_rc"
[ "$lab_rc" -eq 0 ] && [ "$side_rc" -eq 0 ]
