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

# The lab starts while the unit tests (each with its own servers, on workers of their own) run; once it is up, its
# tests (NetBox, the routers, the IRRd) run on xdist workers beside them, a test file each at a time, each file holding
# locks on the lab parts it reads or changes (tests/lab/lab_locks.py), so that files changing a part never run beside
# files using it. The routers' lane, the longest, has the CPU first (tests/conftest.py sets each lab worker's
# niceness); the unit tests, which mostly wait on emulated devices and timers, run at niceness 5 (the modules marked
# cpu_bound in the idle scheduling class). Lint and ansible-test sanity run from the start at niceness 19, on what
# CPU the tests leave. The slowest tests of each pytest are listed.
lab_log=$(mktemp)
unit_log=$(mktemp)
side_log=$(mktemp)
unit_rc_file=$(mktemp)
# Niceness ranks processes against each other only without the kernel's autogroups: with them, each session (every
# daemon of the lab, this script) shares the CPU equally with the others whatever the niceness within. Off while
# the tests run, as it was after.
autogroup=/proc/sys/kernel/sched_autogroup_enabled
autogroup_was=$(cat "$autogroup" 2>/dev/null || true)
{ [ -w "$autogroup" ] && echo 0 >"$autogroup"; } 2>/dev/null || true
restore_autogroup() { { [ -n "$autogroup_was" ] && echo "$autogroup_was" >"$autogroup"; } 2>/dev/null || true; }
trap 'rm -f "$lab_log" "$unit_log" "$side_log" "$unit_rc_file"; restore_autogroup' EXIT
bash tests/lab/lab.sh up >"$lab_log" 2>&1 &
lab_pid=$!
{ nice -n 19 bash scripts/lint.sh && nice -n 19 bash scripts/sanity.sh; } >"$side_log" 2>&1 &
side_pid=$!
{
    rc=0
    nice -n 5 python -m pytest tests/unit -q -p no:cacheprovider -n "${ROUTESEC_UNIT_WORKERS:-6}" --dist worksteal \
        --durations=15 >"$unit_log" 2>&1 || rc=$?
    echo "$rc" >"$unit_rc_file"
} &
unit_pid=$!
lab_rc=0
wait "$lab_pid" || lab_rc=$?
cat "$lab_log"
[ "$lab_rc" -ne 0 ] ||
    python -m pytest tests/integration tests/artifact -q -p no:cacheprovider -n "${ROUTESEC_LAB_WORKERS:-3}" \
        --dist loadfile --durations=15 || lab_rc=$?
wait "$unit_pid"
side_rc=0
wait "$side_pid" || side_rc=$?
unit_rc=$(cat "$unit_rc_file")
echo "== unit tests =="
cat "$unit_log"
echo "== lint and ansible-test sanity =="
cat "$side_log"
echo "unit tests: exit ${unit_rc:-none}; lab and its tests: exit $lab_rc; lint and sanity: exit $side_rc"
[ "$unit_rc" = 0 ] && [ "$lab_rc" -eq 0 ] && [ "$side_rc" -eq 0 ]
