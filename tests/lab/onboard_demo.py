# -*- coding: utf-8 -*-
"""Onboard 185.230.72.0/22 in the lab (run by scripts/onboard.sh, which brings the lab up and resets it after):
record the block in NetBox, start the loopback services, then run playbooks/onboard_block.yml with --check
--diff and for real, and show what transit holds and what the CA published."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import lab_api
import pynetbox
from onboard_services import onboard_services, record_block

REPO = lab_api.HERE.parents[1]
BLOCK = "185.230.72.0/22"
ROUTING_TABLE = REPO.parent / "shared" / "data" / "bgp" / "routeviews-rv2-20240406.pfx2as.gz"


def playbook(variables, *args):
    command = ["ansible-playbook", "-i", "inventories/lab", "playbooks/onboard_block.yml", *args]
    command += ["-e", json.dumps(variables)]
    print("\n==> %s -e '...'" % " ".join(command[:-2]), flush=True)
    return subprocess.run(command, cwd=REPO, check=False).returncode


def main():
    api = pynetbox.api(os.environ["NETBOX_URL"], token=os.environ["NETBOX_TOKEN"])
    record_block(api, BLOCK)
    print("==> NetBox: aggregate %s (RIPE), prefix %s originated by AS64500" % (BLOCK, BLOCK), flush=True)
    with (
        tempfile.TemporaryDirectory() as workdir,
        onboard_services(Path(workdir), BLOCK, "routesec lab") as (
            variables,
            ca,
        ),
    ):
        variables.update(routesec_routing_table=str(ROUTING_TABLE), routesec_report_dir=str(REPO / "onboard-report"))
        if playbook(variables, "--check", "--diff") or playbook(variables, "--diff"):
            return 1
        print("\n==> the CA holds:", ", ".join("%s-%d AS%d" % roa for roa in sorted(ca.roas)))
        paths = [p["path"] for p in lab_api.bgp_table("transit", 4).get(BLOCK, [])]
        print("==> transit holds %s with AS paths: %s" % (BLOCK, ", ".join(paths) or "(none)"))
        print("==> due-diligence report: %s" % (REPO / "onboard-report" / "due-diligence.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
