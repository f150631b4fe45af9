# -*- coding: utf-8 -*-
"""Integration tests against the local lab (tests/lab/lab.sh up): real NetBox, FRR, ExaBGP. Their shared
helpers are in ``lab_helpers``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lab_helpers import HERE, REPO, PlaybookRun, lab_api, lab_env


@pytest.fixture(scope="session")
def netbox_env():
    env = lab_env()
    return {"NETBOX_URL": env["NETBOX_URL"], "NETBOX_TOKEN": env["NETBOX_TOKEN"]}


@pytest.fixture(scope="session")
def netbox(netbox_env):
    import pynetbox

    return pynetbox.api(netbox_env["NETBOX_URL"], token=netbox_env["NETBOX_TOKEN"])


@pytest.fixture
def undo():
    """Register callables that restore NetBox; they run after the test, last first."""
    actions = []
    yield actions.append
    for action in reversed(actions):
        action()


def playbook_runner(netbox_env, folder):
    """A function that runs a playbook of the collection against the lab inventory and returns a PlaybookRun;
    its result logs go to ``folder``."""

    def run(name, *args, env=None, inventory="inventories/lab"):
        log = folder / ("results-%d.jsonl" % len(list(folder.glob("results-*"))))
        full_env = dict(
            os.environ,
            **netbox_env,
            ANSIBLE_CALLBACK_PLUGINS=str(HERE / "callback_plugins"),
            ANSIBLE_CALLBACKS_ENABLED="result_log",
            ROUTESEC_RESULT_LOG=str(log),
            ANSIBLE_HOST_KEY_CHECKING="False",
            ANSIBLE_FORCE_COLOR="0",
            ANSIBLE_NOCOLOR="1",
        )
        full_env.update(env or {})
        path = name if "/" in name else "playbooks/%s" % name
        command = ["ansible-playbook", "-i", inventory, path, *args]
        proc = subprocess.run(command, cwd=REPO, env=full_env, capture_output=True, text=True, timeout=600, check=False)
        results = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        return PlaybookRun(proc.returncode, proc.stdout + proc.stderr, results)

    return run


@pytest.fixture
def playbook(netbox_env, tmp_path):
    """Run a playbook of the collection against the lab inventory; returns a PlaybookRun."""
    return playbook_runner(netbox_env, tmp_path)


@pytest.fixture(scope="module")
def module_playbook(netbox_env, tmp_path_factory):
    """``playbook`` for module-scoped fixtures."""
    return playbook_runner(netbox_env, tmp_path_factory.mktemp("playbook"))


@pytest.fixture
def base_routers():
    """Routers at their base configuration, ExaBGP announcing nothing."""
    lab_api.reset()
    yield


@pytest.fixture
def irrd():
    """The lab IRRd's settings (irr_lab.KEYS), cleaned of what the tests create before and after."""
    import irr_lab  # imports the collection: not before pytest-ansible has set up its loader

    env = lab_env()
    lab = {key: env[key] for key in irr_lab.KEYS}
    irr_lab.clean(lab)
    yield lab
    irr_lab.clean(lab)  # leave the lab IRRd as it was


@pytest.fixture
def rtr_service(netbox):
    """The lab's StayRTR (lab_api.RTR_CACHE) as a NetBox service named rtr on the transit device; removed after."""
    from seed_netbox import add_rtr_service  # imports the collection: not before pytest-ansible's loader

    address, port = lab_api.RTR_CACHE
    service, ip = add_rtr_service(netbox, "transit", address, port, "routesec test: lab StayRTR")
    yield address, port
    service.delete()
    ip.delete()
