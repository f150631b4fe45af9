# -*- coding: utf-8 -*-
"""daemon_config through ansible-playbook against a real BIRD on this host: check mode shows the diff and
changes nothing, apply, a re-run changes nothing, a refused file changes nothing, and a change whose BGP
session does not come up is rolled back instead of confirmed."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

pytestmark = pytest.mark.lab()

PLAYBOOK = "tests/integration/playbooks/daemon_config.yml"
BASE = "router id 192.0.2.1;\nprotocol device {}\nprotocol static s1 { ipv4; route 192.0.2.0/24 blackhole; }\n"
MORE = BASE + "protocol static s2 { ipv4; route 198.51.100.0/24 blackhole; }\n"
# a session to a closed port on loopback: it never reaches Established
DEAD_PEER = (
    MORE
    + "protocol bgp up1 { local as 64500; neighbor 127.0.0.1 port 1 as 64496; ipv4 { import none; export none; }; }\n"
)


@pytest.fixture
def bird(tmp_path):
    conf, ctl, pid = tmp_path / "bird.conf", tmp_path / "bird.ctl", tmp_path / "bird.pid"
    conf.write_text(BASE)
    subprocess.run(["bird", "-c", conf, "-s", ctl, "-P", pid], check=True)
    deadline = time.monotonic() + 10
    while not ctl.exists():
        assert time.monotonic() < deadline, "BIRD did not start"
        time.sleep(0.05)
    yield {"conf": conf, "ctl": ctl, "dir": tmp_path}
    subprocess.run(["kill", pid.read_text().strip()], check=False)


def deploy(playbook, bird, text, *args, **extra):
    wanted = bird["dir"] / "wanted.conf"
    wanted.write_text(text)
    variables = {"daemon_platform": "bird2", "daemon_config_file": str(wanted), "daemon_path": str(bird["conf"])}
    variables.update(daemon_socket=str(bird["ctl"]), **extra)
    run = playbook(PLAYBOOK, "-e", json.dumps(variables), *args)
    results = run.for_action("daemon_config")
    return run, (results[0]["result"] if results else {})


def statics(bird):
    out = subprocess.run(["birdc", "-s", bird["ctl"], "show", "protocols"], capture_output=True, text=True, check=True)
    return sorted(line.split()[0] for line in out.stdout.splitlines() if " Static " in line)


def test_check_mode_then_apply_then_nothing_to_do(playbook, bird):
    run, result = deploy(playbook, bird, MORE, "--check", "--diff")
    assert run.rc == 0 and result["changed"] and "+protocol static s2" in run.output, run.output
    assert statics(bird) == ["s1"] and bird["conf"].read_text() == BASE

    run, result = deploy(playbook, bird, MORE)
    assert run.rc == 0 and result["changed"] and result["confirmed"], run.output
    assert statics(bird) == ["s1", "s2"] and bird["conf"].read_text() == MORE

    run, result = deploy(playbook, bird, MORE)
    assert run.rc == 0 and not result["changed"], run.output


def test_a_file_bird_refuses_changes_nothing(playbook, bird):
    run, result = deploy(playbook, bird, BASE + "protocol bogus {}\n")
    assert run.rc != 0 and "refused the candidate" in result["msg"] and "syntax error" in result["msg"]
    assert statics(bird) == ["s1"] and bird["conf"].read_text() == BASE


def test_a_session_that_does_not_come_up_is_rolled_back(playbook, bird):
    run, result = deploy(playbook, bird, DEAD_PEER, daemon_established=["up1"])
    assert run.rc != 0 and "3 s after the change: up1 not Established; rolled back" in result["msg"], run.output
    assert statics(bird) == ["s1"] and bird["conf"].read_text() == BASE


def test_confirmed_only_with_prefix_counts_within_bounds(playbook, bird):
    too_few = [{"neighbor": "s2", "direction": "accepted", "min": 2}]
    run, result = deploy(playbook, bird, MORE, daemon_prefix_bounds=too_few)
    assert run.rc != 0 and "accepted prefixes from s2: 1, wanted 2 to any; rolled back" in result["msg"], run.output
    assert statics(bird) == ["s1"] and bird["conf"].read_text() == BASE

    run, result = deploy(playbook, bird, MORE, daemon_prefix_bounds=[{"neighbor": "s2", "min": 1, "max": 1}])
    assert run.rc == 0 and result["confirmed"], run.output
    assert statics(bird) == ["s1", "s2"] and bird["conf"].read_text() == MORE
