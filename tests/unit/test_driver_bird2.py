# -*- coding: utf-8 -*-
"""The BIRD 2 file+reload driver against a real BIRD: check-mode diff, apply, idempotent re-run, a refused
candidate leaves the old configuration, a commit left unconfirmed is undone by BIRD's own timer, a failed
post-change check rolls back, rollback, and one lock per device."""

from __future__ import annotations

import subprocess
import time

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.drivers import DriverError
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.bird2 import Bird2Driver
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.runner import LocalRunner
from ansible_collections.routesec.bgp.plugins.module_utils.plan.deploy import DeployOptions, deploy

BASE = """router id 192.0.2.1;
protocol device {}
protocol static s1 { ipv4; route 192.0.2.0/24 blackhole; }
"""
MORE = BASE + "protocol static s2 { ipv4; route 198.51.100.0/24 blackhole; }\n"
BROKEN = BASE + "protocol bogus {}\n"


@pytest.fixture
def bird(tmp_path, runner):
    conf = tmp_path / "bird.conf"
    conf.write_text(BASE)
    ctl, pid = tmp_path / "bird.ctl", tmp_path / "bird.pid"
    subprocess.run(["bird", "-c", conf, "-s", ctl, "-P", pid], check=True)
    driver = Bird2Driver(runner, str(conf), socket=str(ctl), name="bird-test")
    deadline = time.monotonic() + 10
    while not ctl.exists():
        assert time.monotonic() < deadline, "BIRD did not start"
        time.sleep(0.05)
    yield driver
    subprocess.run(["kill", pid.read_text().strip()], check=False)


def running_protocols(driver):
    return sorted(name for name in driver.protocols() if name.startswith("s"))


def test_compare_shows_the_change_and_changes_nothing(bird):
    with bird:
        bird.load_candidate(MORE)
        assert "+protocol static s2" in bird.compare()
        bird.discard()
    assert bird.get_running() == BASE and running_protocols(bird) == ["s1"]


def test_apply_then_nothing_to_do(bird):
    with bird:
        diff = deploy(
            bird, MORE, DeployOptions(confirm_timeout=30), check=lambda d: running_protocols(d) == ["s1", "s2"] or 1 / 0
        ).diff
    assert "+protocol static s2" in diff and bird.get_running() == MORE and running_protocols(bird) == ["s1", "s2"]
    with bird:
        assert deploy(bird, MORE, DeployOptions(confirm_timeout=30)).diff == ""


def test_a_candidate_bird_refuses_leaves_the_old_configuration(bird):
    with bird, pytest.raises(DriverError, match="refused the candidate.*syntax error"):
        bird.load_candidate(BROKEN)
    assert bird.get_running() == BASE and running_protocols(bird) == ["s1"]
    assert bird.runner.read(bird.candidate_path) is None


def test_an_unconfirmed_commit_is_undone_by_birds_timer(bird):
    with bird:
        bird.load_candidate(MORE)
        bird.commit(confirm=2)
        assert running_protocols(bird) == ["s1", "s2"]
    bird.runner.close()  # the run is gone (over SSH: its connection dropped): nobody confirms
    time.sleep(3.5)
    assert LocalRunner().read(bird.path) == BASE
    late = Bird2Driver(LocalRunner(), bird.path, socket=bird.socket)
    assert running_protocols(late) == ["s1"]  # BIRD went back by itself
    late.pending = True
    with late, pytest.raises(DriverError, match="timer already went back"):
        late.confirm()


def test_a_failed_post_change_check_rolls_back(bird):
    def check(driver):
        raise DriverError("session to 192.0.2.2 is not established", driver.where)

    with bird, pytest.raises(DriverError, match="not established"):
        deploy(bird, MORE, DeployOptions(confirm_timeout=30), check=check)
    assert running_protocols(bird) == ["s1"] and bird.get_running() == BASE


def test_rollback_returns_to_the_previous_file(bird):
    with bird:
        bird.load_candidate(MORE)
        bird.commit()
        assert running_protocols(bird) == ["s1", "s2"]
        bird.rollback()
    assert running_protocols(bird) == ["s1"] and bird.get_running() == BASE


def test_one_run_at_a_time(bird):
    with bird:
        other = Bird2Driver(bird.runner, bird.path, socket=bird.socket)
        with pytest.raises(DriverError, match="another run holds the lock"):
            other.__enter__()
    with Bird2Driver(bird.runner, bird.path, socket=bird.socket):
        pass  # released when the first run left
