# -*- coding: utf-8 -*-
"""Routers change in serial batches, and a failure stops the run before the next batch: with r1 unreachable,
r2 is never touched; with both reachable, r1's batch runs before r2's."""

from __future__ import annotations

import pytest
from lab_helpers import lab_api

pytestmark = pytest.mark.lab(reads=("netbox",), changes=("routers",))

LIST = "ip prefix-list ROUTESEC-OWN-V4"


@pytest.fixture
def base():
    lab_api.reset()
    yield
    lab_api.reset()


def test_a_failed_batch_stops_the_run(playbook, base, tmp_path):
    broken = tmp_path / "r1_unreachable.yml"
    broken.write_text("all:\n  children:\n    routers:\n      hosts:\n        r1:\n          routesec_ssh_port: 1\n")
    run = playbook("own_prefix_filters.yml", "-e", "routesec_batch=1", "-i", str(broken))
    assert run.rc != 0
    results = run.by_host("prefix_filter")
    assert set(results) == {"r1"}, run.output  # r2's batch never ran
    assert "cannot connect over SSH" in results["r1"]["msg"], results
    assert LIST not in lab_api.running_config("r2") and LIST not in lab_api.running_config("r1")


def test_batches_run_in_order(playbook, base):
    run = playbook("own_prefix_filters.yml", "-e", "routesec_batch=1")
    assert run.rc == 0, run.output
    assert [r["host"] for r in run.for_action("prefix_filter")] == ["r1", "r2"]
    assert all(LIST in lab_api.running_config(node) for node in ("r1", "r2"))
