#!/usr/bin/env bash
# The test command's wall time (printed, not asserted), as CI runs it: scripts/test.sh on a fresh clone of this
# checkout's HEAD, the lab stopped first so that it starts as on a fresh machine.
#   bash bench/suite_time.sh                  the whole suite
#   bash bench/suite_time.sh REV [SECONDS]    only the test functions that existed at git revision REV (same file,
#                                             same name; pytest --tests-of), and the ratio to SECONDS, the time
#                                             measured for the suite at REV
# The clone is in a temporary directory beside this checkout's parent (the tests read ../shared from it).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
revision=${1:-}
anchor=${2:-}
clone=$(mktemp -d "$(dirname "$REPO")/suite-time.XXXXXX")
trap 'rm -rf "$clone"; eval "$(cd "$REPO" && bash scripts/setup.sh)" >/dev/null' EXIT
git clone -q "$REPO" "$clone/routesec"
bash "$REPO/tests/lab/lab.sh" down >/dev/null 2>&1 || true
ln -sfn "$(dirname "$REPO")/shared" "$clone/shared"
addopts=${PYTEST_ADDOPTS:-}
[ -z "$revision" ] || addopts="$addopts --tests-of $revision"
started=$(date +%s)
rc=0
(cd "$clone/routesec" && PYTEST_ADDOPTS=$addopts bash scripts/test.sh) || rc=$?
seconds=$(($(date +%s) - started))
echo "suite_time: ${revision:+the test functions of $revision: }${seconds} s (exit $rc)"
if [ -n "$anchor" ]; then
    awk -v s="$seconds" -v a="$anchor" 'BEGIN { printf "suite_time: %.2f of the %d s measured at that revision\n", s / a, a }'
fi
exit "$rc"
