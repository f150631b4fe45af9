# -*- coding: utf-8 -*-
"""Integration tests against the local lab (tests/lab/lab.sh up): real NetBox, FRR, ExaBGP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "lab"))

import lab_api

MANAGED = ("r1", "r2")


def lab_env():
    path = lab_api.state_dir() / "lab.env"
    if not path.exists():
        pytest.fail("the lab is not up (no %s): run `bash tests/lab/lab.sh up` first" % path)
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip().strip('"') for key, value in pairs}


def irr_settled(seconds=61):
    """Wait until no source of the lab IRRd has changed for ``seconds`` (the IRR cache's settle time)."""
    env = lab_env()
    with socket.create_connection((env["IRRD_HOST"], int(env["IRRD_WHOIS_PORT"])), timeout=30) as sock:
        sock.sendall(b"!J-*\n")
        answer = b""
        while not answer.endswith(b"\nC\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    status = json.loads(answer.split(b"\n", 1)[1].rsplit(b"\nC\n", 1)[0])
    newest = max(datetime.fromisoformat(s["rpsl_data_updated"]).timestamp() for s in status.values())
    time.sleep(max(0.0, newest + seconds - time.time()))


@dataclass
class PlaybookRun:
    rc: int
    output: str
    results: list

    def for_action(self, action, status=None):
        return [r for r in self.results if r["action"].endswith(action) and (status is None or r["status"] == status)]

    def by_host(self, action):
        return {r["host"]: r["result"] for r in self.for_action(action)}


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


@pytest.fixture
def playbook(netbox_env, tmp_path):
    """Run a playbook of the collection against the lab inventory; returns a PlaybookRun."""

    def run(name, *args, env=None, inventory="inventories/lab"):
        log = tmp_path / ("results-%d.jsonl" % len(list(tmp_path.glob("results-*"))))
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


def running_configs():
    return {node: lab_api.running_config(node) for node in MANAGED}


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
