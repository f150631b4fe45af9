# -*- coding: utf-8 -*-
"""The NetBox inventory (inventories/netbox/netbox.yml, netbox.netbox.nb_inventory) against the lab NetBox:
the devices tagged routesec-managed, and only those, are the group the playbooks run on, with their primary
IP as ansible_host; a playbook run through it reaches the routers (the group_vars beside it set the local
connection and the controller's Python), reading NetBox under the one name NETBOX_API the inventory reads."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from lab_helpers import HERE, MANAGED, REPO, lab_api, lab_env, running_configs

pytestmark = pytest.mark.lab(reads=("netbox", "routers"))

INVENTORY = "inventories/netbox/netbox.yml"
EXPECTED_V4_LIST = [
    "ip prefix-list ROUTESEC-OWN-V4 seq 5 permit 185.230.76.0/22 le 23",
    "ip prefix-list ROUTESEC-OWN-V4 seq 10 permit 185.230.79.0/24",
]


def ansible(command, *args, extra_env=None, check=True):
    env = lab_env()
    environment = {k: v for k, v in os.environ.items() if k != "NETBOX_URL"}  # one name: what nb_inventory reads
    environment.update(NETBOX_API=env["NETBOX_URL"], NETBOX_TOKEN=env["NETBOX_TOKEN"])
    environment["ANSIBLE_INVENTORY_UNPARSED_FAILED"] = "true"  # a plugin that cannot run fails the test
    # netbox.netbox is installed by scripts/setup.sh into the cache's collections tree, beside routesec.bgp
    installed = Path(os.environ.get("ROUTESEC_CACHE", "/var/cache/routesec")) / "collections"
    environment["ANSIBLE_COLLECTIONS_PATH"] = "%s:%s" % (os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""), installed)
    environment.update(extra_env or {})
    argv = [command, "-i", INVENTORY, *args]
    proc = subprocess.run(argv, cwd=REPO, env=environment, capture_output=True, text=True, timeout=300, check=False)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def plain(value):
    """A value as ansible-inventory --list prints it: text from NetBox is marked unsafe."""
    return value["__ansible_unsafe"] if isinstance(value, dict) else value


def test_the_managed_routers_come_from_netbox():
    inventory = json.loads(ansible("ansible-inventory", "--list").stdout)
    assert sorted(inventory["routers"]["hosts"]) == ["r1", "r2"]  # not transit: it is not routesec-managed
    hostvars = inventory["_meta"]["hostvars"]
    assert [plain(hostvars[name]["ansible_host"]) for name in ("r1", "r2")] == ["127.0.10.1", "127.0.10.2"]
    assert sorted(inventory["platforms_frr"]["hosts"]) == ["r1", "r2"]
    for name in ("r1", "r2"):  # group_vars/all.yml beside the inventory
        assert hostvars[name]["ansible_connection"] == "local"
        assert hostvars[name]["ansible_python_interpreter"] == "{{ ansible_playbook_python }}"
    listed = ansible("ansible-playbook", "playbooks/own_prefix_filters.yml", "--list-hosts").stdout
    assert "hosts (2):" in listed and "r1" in listed and "r2" in listed
    one = ansible("ansible-playbook", "playbooks/own_prefix_filters.yml", "--list-hosts", "-e", "routesec_targets=r2")
    assert "hosts (1):" in one.stdout and "r2" in one.stdout and "r1" not in one.stdout


def test_a_check_mode_run_through_the_netbox_inventory_reaches_the_routers(tmp_path):
    """own_prefix_filters.yml --check --diff with the routers from NetBox: both reached (no UNREACHABLE, no
    port 22), NetBox read under NETBOX_API alone, each router's planned list shown or already in place, and
    nothing changed on the routers. The lab's SSH logins and host keys come as extra vars, as a user's group_vars
    would."""
    log = tmp_path / "results.jsonl"
    before = running_configs()
    proc = ansible(
        "ansible-playbook",
        "playbooks/own_prefix_filters.yml",
        "--check",
        "--diff",
        "-e",
        "@%s" % (REPO / "inventories" / "lab" / "group_vars" / "routers.yml"),
        "-e",
        "routesec_known_hosts=%s" % lab_api.known_hosts(),
        extra_env={
            "ANSIBLE_CALLBACK_PLUGINS": str(HERE / "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "result_log",
            "ROUTESEC_RESULT_LOG": str(log),
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_NOCOLOR": "1",
        },
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "UNREACHABLE" not in output and "port 22" not in output
    results = [json.loads(line) for line in log.read_text().splitlines()]
    assert not [r for r in results if r["status"] != "ok"], output
    intent = [r for r in results if r["action"].endswith("netbox_intent")]
    assert len(intent) == 1 and sorted(intent[0]["result"]["devices"]) == list(MANAGED)
    deployed = {r["host"]: r["result"] for r in results if r["action"].endswith("prefix_filter")}
    assert sorted(deployed) == list(MANAGED)
    after = running_configs()
    assert after == before  # check mode: nothing changed on the routers
    for host in MANAGED:
        diff = deployed[host]["diff"]["prepared"] if deployed[host]["changed"] else ""
        for line in EXPECTED_V4_LIST:  # planned in the diff, or already on the router and nothing to do
            assert "+" + line + "\n" in diff or line in after[host], (host, line, output)
