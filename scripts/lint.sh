#!/usr/bin/env bash
# Lint: ruff on the Python, ansible-lint (production profile, from the importer's venv) on the playbooks and roles.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
eval "$(bash scripts/setup.sh)"
ruff check .
ruff format --check plugins tests bench
PATH="$ROUTESEC_CACHE/importer-venv/bin:$PATH" ansible-lint --offline --profile production playbooks roles
