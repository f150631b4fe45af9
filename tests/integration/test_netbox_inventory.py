# -*- coding: utf-8 -*-
"""The NetBox inventory (inventories/netbox/netbox.yml, netbox.netbox.nb_inventory) against the lab NetBox:
the devices tagged routesec-managed, and only those, are the group the playbooks run on, with their primary
IP as ansible_host."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conftest import REPO, lab_env

INVENTORY = "inventories/netbox/netbox.yml"


def ansible(command, *args):
    env = lab_env()
    environment = dict(os.environ, NETBOX_API=env["NETBOX_URL"], NETBOX_TOKEN=env["NETBOX_TOKEN"])
    environment["ANSIBLE_INVENTORY_UNPARSED_FAILED"] = "true"  # a plugin that cannot run fails the test
    # netbox.netbox is installed by scripts/setup.sh into the cache's collections tree, beside routesec.bgp
    installed = Path(os.environ.get("ROUTESEC_CACHE", "/var/cache/routesec")) / "collections"
    environment["ANSIBLE_COLLECTIONS_PATH"] = "%s:%s" % (os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""), installed)
    argv = [command, "-i", INVENTORY, *args]
    proc = subprocess.run(argv, cwd=REPO, env=environment, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def plain(value):
    """A value as ansible-inventory --list prints it: text from NetBox is marked unsafe."""
    return value["__ansible_unsafe"] if isinstance(value, dict) else value


def test_the_managed_routers_come_from_netbox():
    inventory = json.loads(ansible("ansible-inventory", "--list"))
    assert sorted(inventory["routers"]["hosts"]) == ["r1", "r2"]  # not transit: it is not routesec-managed
    hostvars = inventory["_meta"]["hostvars"]
    assert [plain(hostvars[name]["ansible_host"]) for name in ("r1", "r2")] == ["127.0.10.1", "127.0.10.2"]
    assert sorted(inventory["platforms_frr"]["hosts"]) == ["r1", "r2"]
    listed = ansible("ansible-playbook", "playbooks/own_prefix_filters.yml", "--list-hosts")
    assert "hosts (2):" in listed and "r1" in listed and "r2" in listed
