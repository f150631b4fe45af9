# -*- coding: utf-8 -*-
"""router_state on a BIRD 2 router through ansible-playbook: its configuration file read on this host and over SSH
(key login), the files it includes read in their place; its prefix sets and RTR caches returned, never its text; an
include that does not exist fails the task, naming the file."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from sshd import ssh_server  # a test helper, found beside the unit tests

pytestmark = pytest.mark.lab()

PLAYBOOK = "tests/integration/playbooks/router_state.yml"
MAIN = """router id 192.0.2.1;  # secret: not returned
include "routesec/filters.conf";
roa4 table r4;
protocol rpki rtr1 { roa4 { table r4; }; remote 127.0.0.1 port 3323; }
protocol rpki rtr2 { roa4 { table r4; }; remote 127.0.0.2; disabled; }
"""
FILTERS = "define 'ROUTESEC-OWN-V4' = [\n    192.0.2.0/24,\n    198.51.100.0/22{22,24}\n];\n"


@pytest.fixture
def bird_file(tmp_path):
    (tmp_path / "routesec").mkdir()
    (tmp_path / "routesec" / "filters.conf").write_text(FILTERS)
    conf = tmp_path / "bird.conf"
    conf.write_text(MAIN)
    return conf


def read(playbook, **variables):
    run = playbook(PLAYBOOK, "-e", json.dumps(variables))
    (task,) = run.for_action("router_state")
    return run, task["result"]


@pytest.fixture(params=["local", "ssh"])
def login(request, tmp_path):
    """The module's SSH options: none (the file is read on this host), or an sshd on loopback with a key login
    (its host key checked against a known_hosts file)."""
    if request.param == "local":
        yield {}
        return
    (tmp_path / "sshd").mkdir()
    with ssh_server(tmp_path / "sshd") as server:
        yield {
            "bird_host": "127.0.0.1",
            "bird_port": server.port,
            "bird_username": getpass.getuser(),
            "bird_ssh_key": str(server.client_key),
            "bird_known_hosts": str(server.known_hosts),
        }


def test_prefix_sets_and_caches_through_the_includes(playbook, bird_file, login):
    run, result = read(playbook, bird_path=str(bird_file), **login)
    assert run.rc == 0, run.output
    assert result["prefix_lists"] == {"ROUTESEC-OWN-V4": ["permit 192.0.2.0/24", "permit 198.51.100.0/22 le 24"]}
    assert result["rtr_caches"] == ["127.0.0.1 3323"]  # rtr2 is disabled
    assert "secret" not in run.output and "router id" not in json.dumps(result)


def test_a_missing_include_fails_naming_it(playbook, bird_file):
    (bird_file.parent / "routesec" / "filters.conf").unlink()
    run, result = read(playbook, bird_path=str(bird_file))
    assert run.rc != 0 and run.for_action("router_state", "failed")
    assert "%s does not exist" % (bird_file.parent / "routesec" / "filters.conf") in result["msg"], result
