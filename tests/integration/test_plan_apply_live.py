# -*- coding: utf-8 -*-
"""CI plan and apply against the lab: plan.yml in check mode writes the plan and its Markdown summary and
changes nothing; apply.yml refuses a plan made stale by a router changed since (nothing is applied anywhere),
carries out a fresh plan on the routers and in the IRR, and after it a new plan has nothing to change."""

from __future__ import annotations

import json

import pytest
from irr_lab import served, wait_served
from lab_helpers import lab_api

pytestmark = pytest.mark.lab(reads=("netbox",), changes=("irrd", "routers"))

LIST = "ip prefix-list ROUTESEC-OWN-V4"


def run(playbook, name, plan, irrd, *args):
    return playbook(name, "-e", "routesec_plan=%s" % plan, *args, env={"IRR_PASSWORD": irrd["IRRD_LAB_PASSWORD"]})


def test_plan_then_stale_refused_then_apply(playbook, base_routers, irrd, tmp_path):
    plan = tmp_path / "plan.json"
    made = run(playbook, "plan.yml", plan, irrd, "--check", "--diff")
    assert made.rc == 0, made.output
    summary = (tmp_path / "plan.md").read_text()
    assert "| router r1 |" in summary and "| route objects |" in summary, summary
    assert "ip prefix-list ROUTESEC-OWN-V4 seq" in summary and "create route:" in summary
    assert json.loads(plan.read_text())["digest"] in json.dumps(made.results)
    assert all(LIST not in lab_api.running_config(node) for node in ("r1", "r2")) and served(irrd) == []

    lab_api.vtysh("r1", "configure terminal\n%s seq 9999 permit 10.99.0.0/16" % LIST)
    stale = run(playbook, "apply.yml", plan, irrd)
    assert stale.rc != 0 and "is stale: router r1 changed since" in stale.output, stale.output
    assert LIST not in lab_api.running_config("r2") and served(irrd) == []
    assert "10.99.0.0/16" in lab_api.running_config("r1")

    lab_api.vtysh("r1", "configure terminal\nno %s" % LIST)
    applied = run(playbook, "apply.yml", plan, irrd)
    assert applied.rc == 0, applied.output
    assert all(LIST in lab_api.running_config(node) for node in ("r1", "r2"))
    wait_served(irrd, lambda got: any(key.startswith("185.230.76.0/22") for key in got))

    again = run(playbook, "plan.yml", tmp_path / "again.json", irrd, "--check")
    assert again.rc == 0 and "Nothing to change." in (tmp_path / "again.md").read_text(), again.output
