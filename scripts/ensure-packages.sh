#!/usr/bin/env bash
# Install the Debian packages named as arguments that are not installed yet.
# The packages' own services stay stopped (policy-rc.d answers 101): the lab
# starts what it needs itself, on loopback or inside its namespaces.
set -euo pipefail

missing=()
for package in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$package")
done
((${#missing[@]})) || exit 0

echo "ensure-packages: installing ${missing[*]}" >&2
policy=/usr/sbin/policy-rc.d
added_policy=""
if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    added_policy=1
fi
cleanup() { if [[ -n $added_policy ]]; then rm -f "$policy"; fi; }
trap cleanup EXIT

wait_lock=(-o DPkg::Lock::Timeout=600)
apt-get "${wait_lock[@]}" update -qq
DEBIAN_FRONTEND=noninteractive apt-get "${wait_lock[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
