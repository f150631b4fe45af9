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
bash scripts/sanity.sh

# The unit tests, each with its own servers, run on xdist workers in a pytest of their own, beside
# the tests that use the lab (NetBox, the routers, the IRRd); those change the lab's state, so they
# run one after another in one pytest. The unit report follows the lab's; the slowest tests of each
# are listed. (Sanity runs before both: beside it, its pylint starves the emulated devices.)
unit_log=$(mktemp)
trap 'rm -f "$unit_log"' EXIT
python -m pytest tests/unit -q -p no:cacheprovider -n "${ROUTESEC_UNIT_WORKERS:-6}" --dist worksteal --durations=15 >"$unit_log" 2>&1 &
unit_pid=$!
lab_rc=0
python -m pytest tests/integration tests/artifact -q -p no:cacheprovider --durations=15 || lab_rc=$?
unit_rc=0
wait "$unit_pid" || unit_rc=$?
echo "== unit tests =="
cat "$unit_log"
echo "lab tests: exit $lab_rc; unit tests: exit $unit_rc"
[ "$lab_rc" -eq 0 ] && [ "$unit_rc" -eq 0 ]
