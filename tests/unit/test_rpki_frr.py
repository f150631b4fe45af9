# -*- coding: utf-8 -*-
"""FRR 8.4 RPKI configuration from plain data: RTR caches and the inbound origin-validation policy.

The expected text is what FRR 8.4.4's vtysh accepted and printed back in its running
configuration in the lab (tests/integration/test_rpki_lab.py pushes the same renderer's output).
"""

from __future__ import annotations

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.render.frr import render_rpki, rpki_cache, rpki_policy

LAB_CACHE = {"address": "198.18.0.20", "port": 3323, "preference": 1}


def test_one_cache_lower_preference_for_not_found():
    text = render_rpki([LAB_CACHE], {"route_map": "RS-IN", "not_found_local_preference": 50})
    assert text == (
        "rpki\n"
        " rpki cache 198.18.0.20 3323 preference 1\n"
        "exit\n"
        "route-map RS-IN deny 1\n"
        " match rpki invalid\n"
        "exit\n"
        "route-map RS-IN permit 2\n"
        " match rpki notfound\n"
        " on-match next\n"
        " set local-preference 50\n"
        "exit\n"
    )


def test_not_found_accepted_as_is_removes_the_not_found_entry():
    text = render_rpki([LAB_CACHE], {"route_map": "RS-IN", "seq": 3, "invalid": "reject"})
    assert text.splitlines()[-4:] == [
        "route-map RS-IN deny 3",
        " match rpki invalid",
        "exit",
        "no route-map RS-IN permit 4",
    ]
    assert "notfound" not in text and "local-preference" not in text


def test_caches_in_preference_order_ipv6_and_host_names():
    caches = [
        {"address": "rtr.example.net", "port": "8282", "preference": 20},
        {"address": "2001:DB8::0:1", "port": 323, "preference": 10},
        {"address": "192.0.2.7", "port": 3323, "preference": 5},
    ]
    text = render_rpki(caches, {"route_map": "RS-IN"})
    assert text.splitlines()[:5] == [
        "rpki",
        " rpki cache 192.0.2.7 3323 preference 5",
        " rpki cache 2001:db8::1 323 preference 10",
        " rpki cache rtr.example.net 8282 preference 20",
        "exit",
    ]


def test_a_single_mapping_is_one_cache():
    assert render_rpki(LAB_CACHE, {"route_map": "X"}) == render_rpki([LAB_CACHE], {"route_map": "X"})


@pytest.mark.parametrize(
    ("cache", "fragment"),
    [
        ({"address": "198.18.0.20", "port": 0, "preference": 1}, "field 'port': 0 is outside 1..65535"),
        ({"address": "198.18.0.20", "port": 3323, "preference": 256}, "field 'preference': 256 is outside 1..255"),
        ({"address": "198.18.0.20", "port": "x", "preference": 1}, "field 'port': expected a number"),
        ({"address": "198.18.0.20", "port": True, "preference": 1}, "field 'port': expected a number"),
        ({"address": "198.18.0.20", "port": 3323}, "field 'preference': expected a number"),
        ({"address": "198.18.0.256", "port": 3323, "preference": 1}, "neither an IP address nor a host name"),
        ({"address": "bad host", "port": 3323, "preference": 1}, "neither an IP address nor a host name"),
        ({"address": "", "port": 3323, "preference": 1}, "RPKI cache 1 (no address)"),
        ({"address": "198.18.0.20", "port": 3323, "preference": 1, "ssh": "x"}, "unknown keys ssh"),
        ("198.18.0.20:3323", "expected a mapping"),
    ],
)
def test_bad_caches_are_refused(cache, fragment):
    with pytest.raises(DataError) as info:
        render_rpki([cache], {"route_map": "RS-IN"})
    assert fragment in str(info.value)


def test_two_caches_with_one_preference_are_refused():
    """FRR refuses the second one itself, but vtysh still exits 0: the renderer must catch it."""
    second = dict(LAB_CACHE, address="198.18.0.21")
    with pytest.raises(DataError, match="preference 1 is also 198.18.0.20's"):
        render_rpki([LAB_CACHE, second], {"route_map": "RS-IN"})


def test_one_cache_listed_twice_is_refused():
    with pytest.raises(DataError, match="listed twice"):
        render_rpki([LAB_CACHE, dict(LAB_CACHE, preference=2)], {"route_map": "RS-IN"})


def test_no_cache_is_refused():
    with pytest.raises(DataError, match="no RTR cache"):
        render_rpki([], {"route_map": "RS-IN"})


@pytest.mark.parametrize(
    ("policy", "fragment"),
    [
        ({}, "field 'route_map'"),
        ({"route_map": "has space"}, "is not a route-map name"),
        ({"route_map": "RS-IN", "invalid": "accept"}, "only 'reject' is supported"),
        ({"route_map": "RS-IN", "not_found_local_preference": 100}, "not lower than the default local preference 100"),
        (
            {"route_map": "RS-IN", "not_found_local_preference": 150, "default_local_preference": 200},
            None,
        ),
        (
            {"route_map": "RS-IN", "not_found_local_preference": 150, "default_local_preference": 120},
            "not lower than the default local preference 120",
        ),
        ({"route_map": "RS-IN", "not_found_local_preference": -1}, "-1 is outside 0..4294967295"),
        ({"route_map": "RS-IN", "seq": 65535}, "field 'seq': 65535 is outside 1..65534"),
        ({"route_map": "RS-IN", "notfound": 50}, "unknown keys notfound"),
        (["RS-IN"], "expected a mapping"),
    ],
)
def test_policy_checks(policy, fragment):
    if fragment is None:
        assert rpki_policy(policy)["not_found_local_preference"] == 150
        return
    with pytest.raises(DataError) as info:
        render_rpki([LAB_CACHE], policy)
    assert fragment in str(info.value)


def test_checked_values_are_normalised():
    assert rpki_cache({"address": " 2001:db8::0001 ", "port": "3323", "preference": "7"}) == ("2001:db8::1", 3323, 7)
    assert rpki_policy({"route_map": "RS-IN", "not_found_local_preference": "50"}) == {
        "route_map": "RS-IN",
        "seq": 1,
        "invalid": "reject",
        "not_found_local_preference": 50,
    }
