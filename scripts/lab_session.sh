# Sourced by the lab demos (demo.sh, onboard.sh): the environment, the lab up and reset to its seed
# (NetBox, routers at their base config, the IRR as loaded), its settings exported, Ansible's output plain.
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${ROUTESEC_LAB_STATE:-/run/routesec-lab}
cd "$REPO"
eval "$(bash scripts/setup.sh)"
bash tests/lab/lab.sh up
bash tests/lab/lab.sh reset
set -a
# shellcheck source=/dev/null  # written at run time by the lab
source "$STATE/lab.env"
set +a
export ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_FORCE_COLOR=0 ANSIBLE_HOST_KEY_CHECKING=False
