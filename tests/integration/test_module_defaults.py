# -*- coding: utf-8 -*-
"""module_defaults of the routesec group: NetBox, login and IRR options given once reach every module that
takes them (netbox_intent, irr_filters, prefix_filter against the lab's r1 in check mode, from its base
configuration), and an option written on a task whose module does not take it is still refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from lab_helpers import REPO, running_configs

pytestmark = pytest.mark.lab(reads=("irrd", "netbox"), changes=("routers",))  # back to base, then check mode


def test_group_options_reach_the_modules_that_take_them(playbook, base_routers):
    before = running_configs()
    run = playbook("tests/integration/playbooks/module_defaults.yml")
    assert run.rc == 0, run.output
    assert run.by_host("netbox_intent")["r1"]["devices"]["r1"]["platform"] == "frr"
    assert "ROUTESEC-AS65000-IN-V4" in str(run.by_host("irr_filters")["r1"]["devices"])
    planned, refused = [r["result"] for r in run.for_action("prefix_filter")]
    assert planned["changed"] and "+ip prefix-list ROUTESEC-OWN-V4" in planned["diff"]["prepared"]
    assert "Unsupported parameters" in refused["msg"] and "netbox_url" in refused["msg"]
    assert running_configs() == before  # check mode


def test_every_module_is_in_the_group_and_keeps_only_its_own_options():
    runtime = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())
    modules = sorted(p.stem for p in Path(REPO, "plugins", "modules").glob("*.py"))
    assert sorted(runtime["action_groups"]["routesec"]) == modules
    assert sorted(p.stem for p in Path(REPO, "plugins", "action").glob("*.py")) == modules
