#!/usr/bin/env bash
# The test command: sets up the controller, starts the lab, then runs
# lint, unit and integration tests (pytest), and ansible-test sanity.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
eval "$(bash scripts/setup.sh)"

bash tests/lab/lab.sh up
ruff check .
ruff format --check plugins tests bench
bash scripts/sanity.sh
python -m pytest tests -q -p no:cacheprovider "$@"
