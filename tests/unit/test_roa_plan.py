# -*- coding: utf-8 -*-
"""ROA intent from NetBox originations, its refusals, and the plan against existing ROAs."""

from __future__ import annotations

import ipaddress

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError, SafetyError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.build import Origination, Problems, originations
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.roa_plan import RoaPolicy, desired_roas, plan_roas
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.vrp import make_vrp

NET = ipaddress.ip_network
HELD = (NET("185.230.76.0/22"), NET("2a0f:b300::/32"))
OWN = {64500}


def origination(prefix, asn=64500, max_length=None):
    network = NET(prefix)
    return Origination(network, asn, network.prefixlen if max_length is None else max_length)


def test_max_length_is_the_prefix_length_unless_netbox_says_otherwise():
    roas = desired_roas([origination("185.230.76.0/22"), origination("2a0f:b300::/32")])
    assert [r.to_dict() for r in roas] == [
        {"prefix": "185.230.76.0/22", "maxLength": 22, "asn": 64500},
        {"prefix": "2a0f:b300::/32", "maxLength": 32, "asn": 64500},
    ]


def test_a_wide_max_length_is_refused_unless_the_policy_allows_it():
    wide = [origination("185.230.76.0/22", max_length=24), origination("185.230.78.0/24")]
    with pytest.raises(
        DataError, match=r"1 ROA\(s\) refused: prefix 185.230.76.0/22 \(AS64500\): max length 24 .*RFC 9319"
    ):
        desired_roas(wide)
    roas = desired_roas(wide, RoaPolicy(wide_max_length=True))
    assert {(str(r.prefix), r.max_length) for r in roas} == {("185.230.76.0/22", 24), ("185.230.78.0/24", 24)}


def test_a_duplicate_with_another_max_length_is_refused_and_an_identical_one_is_one_roa():
    assert len(desired_roas([origination("185.230.78.0/24"), origination("185.230.78.0/24")])) == 1
    twice = [origination("185.230.76.0/22", max_length=23), origination("185.230.76.0/22")]
    with pytest.raises(DataError, match="asked twice with different max lengths"):
        desired_roas(twice, RoaPolicy(wide_max_length=True))


@pytest.mark.parametrize(
    "custom, prefix, message",
    [
        ({"routesec_origin_asn": {"asn": 64999}}, "185.230.76.0/24", "AS64999 is not one of our ASNs"),
        ({"routesec_origin_asn": {"asn": 0}}, "185.230.76.0/24", "field 'custom_fields.routesec_origin_asn'"),
        ({"routesec_origin_asn": {"asn": 64500}}, "192.0.2.0/24", "outside every NetBox aggregate"),
        ({"routesec_origin_asn": {"asn": 64500}, "routesec_max_length": 23}, "185.230.76.0/24", "23 is outside 24..32"),
    ],
)
def test_origins_and_prefixes_not_ours_and_bad_max_lengths_never_become_roas(custom, prefix, message):
    problems = Problems()
    found = originations([{"id": 7, "prefix": prefix, "custom_fields": custom}], OWN, HELD, problems)
    assert found == []
    with pytest.raises(DataError, match=message):
        problems.raise_if_any()


def test_plan_adds_first_removes_only_ours_and_leaves_foreign_roas_alone():
    desired = desired_roas([origination("185.230.76.0/22"), origination("185.230.78.0/24")])
    current = [
        make_vrp("185.230.76.0/22", 22, 64500),  # stays
        make_vrp("185.230.77.0/24", 24, 64500),  # ours, no longer originated: removed
        make_vrp("185.230.79.0/24", 24, 65010),  # a customer's origin in our space: left alone
        make_vrp("192.0.2.0/24", 24, 64500),  # outside our aggregates: not ours to touch
    ]
    plan = plan_roas(desired, current, OWN, HELD)
    assert plan.lines() == [
        "+ ROA 185.230.78.0/24 max-length 24 AS64500",
        "- ROA 185.230.77.0/24 max-length 24 AS64500",
    ]
    assert plan.to_dict()["unchanged"] == 1 and [r["asn"] for r in plan.to_dict()["foreign"]] == [65010]
    assert plan.changed and not plan_roas(desired, desired, OWN, HELD).changed


def test_plan_refuses_a_roa_that_is_not_ours_to_request():
    with pytest.raises(SafetyError, match="ROA 192.0.2.0/24 max-length 24 AS64500 is not ours"):
        plan_roas([make_vrp("192.0.2.0/24", 24, 64500)], [], OWN, HELD)
    with pytest.raises(SafetyError, match="AS64999 is not ours"):
        plan_roas([make_vrp("185.230.76.0/24", 24, 64999)], [], OWN, HELD)


def test_announcement_states_now_and_after_the_plan():
    from ansible_collections.routesec.bgp.plugins.module_utils.rpki.roa_plan import announcement_states

    desired = desired_roas([origination("185.230.76.0/22"), origination("185.230.78.0/24")])
    current = [make_vrp("185.230.76.0/22", 22, 64500), make_vrp("185.230.78.0/24", 24, 65010)]
    plan = plan_roas(desired, current, OWN, HELD)
    states = announcement_states(desired, current, plan.applied(current))
    # the /24 is covered by a foreign ROA now (invalid for us) and by ours after the plan
    assert states == {"185.230.76.0/22": ("valid", "valid"), "185.230.78.0/24": ("invalid", "valid")}
