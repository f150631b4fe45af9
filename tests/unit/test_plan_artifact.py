# -*- coding: utf-8 -*-
"""Plan artifacts: a plan holds each part's state and change without run-to-run noise, refuses incomplete data,
finds exactly the parts that changed, and summarises the changes in Markdown."""

from __future__ import annotations

import copy

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError, SafetyError
from ansible_collections.routesec.bgp.plugins.module_utils.plan.artifact import (
    build,
    check_fresh,
    markdown,
    stale_parts,
)

ROUTER = {
    "changed": True,
    "commands": ["ip prefix-list ROUTESEC-OWN-V4 seq 5 permit 185.230.76.0/22 le 23"],
    "before": {"ROUTESEC-OWN-V4": []},
    "after": {"ROUTESEC-OWN-V4": ["permit 185.230.76.0/22 le 23"]},
    "invocation": {"module_args": {"password": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"}},
    "_ansible_no_log": False,
}
IRR = {
    "changed": True,
    "plan": {"create": ["route:          185.230.76.0/22\norigin:         AS64500\n"], "modify": [], "delete": []},
}
PARTS = {"router r1": ROUTER, "route objects": IRR}


def test_a_plan_keeps_state_and_changes_without_noise():
    plan = build(PARTS, "2026-12-02T04:00:00+00:00")
    assert set(plan["parts"]) == {"router r1", "route objects"}
    assert "invocation" not in plan["parts"]["router r1"] and "changed" not in plan["parts"]["router r1"]
    again = copy.deepcopy(PARTS)
    again["router r1"]["invocation"] = {"module_args": {"port": 2222}}  # noise only
    assert build(again, "later")["digest"] == plan["digest"]
    check_fresh(plan, again)


def test_a_failed_part_writes_no_plan():
    with pytest.raises(SafetyError, match="part router r2 did not plan \\(cannot connect over SSH\\)"):
        build({"router r2": {"failed": True, "msg": "cannot connect over SSH"}}, "now")
    with pytest.raises(DataError, match="expected a registered module result"):
        build({"router r2": "text"}, "now")


def test_stale_parts_are_named():
    plan = build(PARTS, "2026-12-02T04:00:00+00:00")
    drifted = copy.deepcopy(PARTS)
    drifted["router r1"]["before"]["ROUTESEC-OWN-V4"] = ["permit 10.0.0.0/8"]
    assert stale_parts(plan, drifted) == ["router r1"]
    assert stale_parts(plan, {"router r1": ROUTER}) == ["route objects"]  # a part no longer planned
    with pytest.raises(SafetyError, match="stale: router r1 changed since.*nothing was applied"):
        check_fresh(plan, drifted)
    with pytest.raises(DataError, match="not a routesec plan"):
        stale_parts({"parts": []}, PARTS)


def test_markdown_summary_lists_the_changes():
    text = markdown(build(PARTS, "2026-12-02T04:00:00+00:00"))
    assert "| router r1 | 1 |" in text and "| route objects | 1 |" in text
    assert "ip prefix-list ROUTESEC-OWN-V4 seq 5 permit 185.230.76.0/22 le 23" in text
    assert "create route:          185.230.76.0/22" in text
    assert "Nothing to change." in markdown(build({"router r1": {"commands": []}}, "now"))
