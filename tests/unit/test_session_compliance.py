# -*- coding: utf-8 -*-
"""Compliance of a router's sessions with the session policy, on FRR running configurations: a router at its
hand-written base has every problem, the same router with the policy rendered from NetBox has none, and a
router none of whose sessions NetBox classifies is not checked."""

from __future__ import annotations

import dataclasses

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.compliance.session_checks import session_findings
from ansible_collections.routesec.bgp.plugins.module_utils.drivers import frr_policy
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.policy.options import PolicyOptions
from ansible_collections.routesec.bgp.plugins.module_utils.render.frr_session_policy import render_session_policy
from test_driver_frr_policy import BASE, intent


def findings(text, device_intent=None):
    data = frr_policy.to_data(frr_policy.parse(text))
    found = session_findings("edge", device_intent or intent(), data, PolicyOptions())
    return sorted((f.check, f.subject) for f in found), [f.message for f in found]


def test_a_router_at_its_hand_written_base_has_every_problem():
    found, messages = findings(BASE)
    assert found == [
        ("max-prefix-missing", "edge 198.51.100.1"),
        ("max-prefix-missing", "edge 198.51.100.2"),
        ("role-missing", "edge 198.51.100.1"),
        ("role-missing", "edge 198.51.100.2"),
        ("session-policy-drift", "edge"),
        ("session-policy-missing", "edge 198.51.100.1"),
        ("session-policy-missing", "edge 198.51.100.2"),
        ("session-policy-missing", "edge 198.51.100.3"),  # not in NetBox: its import only
    ]
    assert "BGP neighbour 198.51.100.3 (AS65001, not in NetBox) has no export route-map" in messages


def test_the_policy_netbox_implies_leaves_only_what_netbox_does_not_say():
    rendered = render_session_policy(intent(), PolicyOptions())
    out = "\n router bgp 64500\n address-family ipv4 unicast\n  neighbor 198.51.100.3 route-map HAND-WRITTEN out\n"
    found, _messages = findings(BASE + rendered + out.replace("\n router", "router"))
    assert found == []
    data = frr_policy.to_data(frr_policy.parse(rendered))
    assert frr_policy.from_data(data) == frr_policy.parse(rendered)


def test_a_router_whose_sessions_netbox_does_not_classify_is_not_checked():
    assert findings(BASE, dataclasses.replace(intent(), sessions=()))[0] == []


def test_an_unknown_policy_option_is_refused_naming_it():
    with pytest.raises(DataError, match="session_policy.*unknown option.*max_path_lenght"):
        PolicyOptions.from_settings({"max_path_lenght": 50})
    assert PolicyOptions.from_settings({"max_path_length": 50, "role_strict": None}).max_path_length == 50
