# -*- coding: utf-8 -*-
"""Integration tests against the local lab (tests/lab/lab.sh up): real NetBox, FRR, ExaBGP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
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
