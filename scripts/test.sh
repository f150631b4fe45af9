#!/usr/bin/env bash
# The test command: sets up the controller, starts the lab, then runs
# lint, unit and integration tests (pytest), and ansible-test sanity.
# With arguments, runs only pytest with them (e.g. a single test file).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
eval "$(bash scripts/setup.sh)"

bash tests/lab/lab.sh up
if [ $# -gt 0 ]; then
    exec python -m pytest -q -p no:cacheprovider "$@"
fi
bash scripts/lint.sh

# Two lines of work side by side, as they wait on different things:
# - the tests that use the lab (NetBox, the routers, the IRRd) on xdist workers, a test file each at a time; each
#   file holds locks on the lab parts it reads or changes (tests/lab/lab_locks.py), so that files changing a part
#   never run beside files using it;
# - ansible-test sanity, then the unit tests (each with its own servers) on workers of their own. Sanity runs
#   before them, not beside them: its pylint starves the emulated devices.
# The slowest tests of each are listed; the second line's report follows the lab's.
side_log=$(mktemp)
trap 'rm -f "$side_log"' EXIT
{
    bash scripts/sanity.sh &&
        python -m pytest tests/unit -q -p no:cacheprovider -n "${ROUTESEC_UNIT_WORKERS:-6}" --dist worksteal --durations=15
} >"$side_log" 2>&1 &
side_pid=$!
lab_rc=0
python -m pytest tests/integration tests/artifact -q -p no:cacheprovider -n "${ROUTESEC_LAB_WORKERS:-3}" --dist loadfile \
    --durations=15 || lab_rc=$?
side_rc=0
wait "$side_pid" || side_rc=$?
echo "== ansible-test sanity and unit tests =="
cat "$side_log"
echo "lab tests: exit $lab_rc; sanity and unit tests: exit $side_rc"
[ "$lab_rc" -eq 0 ] && [ "$side_rc" -eq 0 ]
