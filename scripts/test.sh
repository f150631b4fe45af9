#!/usr/bin/env bash
# The test command: sets up the controller, starts the lab, then runs
# lint, unit and integration tests (pytest), and ansible-test sanity.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
eval "$(bash scripts/setup.sh)"

bash tests/lab/lab.sh up
bash scripts/lint.sh
bash scripts/sanity.sh
# The slowest tests are listed at the end.
python -m pytest tests -q -p no:cacheprovider --durations=20 "$@"
