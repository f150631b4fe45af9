#!/usr/bin/env bash
# Onboarding a new block against the local lab: 185.230.72.0/22 is recorded in NetBox, then
# playbooks/onboard_block.yml runs in check mode with diff (changes nothing), then for real, against the
# lab's NetBox, IRRd, routers and the loopback RDAP server, DNS server and CA (tests/lab/onboard_services.py).
# The lab is reset to its seed at the end.
set -euo pipefail
# shellcheck source=scripts/lab_session.sh
source "$(dirname "$0")/lab_session.sh"
export IRR_PASSWORD=$IRRD_LAB_PASSWORD PYTHONPATH=$ANSIBLE_COLLECTIONS_PATH
trap 'bash tests/lab/lab.sh reset >/dev/null' EXIT
python tests/lab/onboard_demo.py "$@"
