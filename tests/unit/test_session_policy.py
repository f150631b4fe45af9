# -*- coding: utf-8 -*-
"""Session policy: relationships from NetBox sessions (and their refusals, each naming the NetBox object and
field), the policy options, AS-number regular expressions, and FRR's rendering of each relationship."""

from __future__ import annotations

import re

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.build import build_intent
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import (
    Device,
    DeviceIntent,
    PrefixEntry,
    PrefixList,
    parse_prefix,
)
from ansible_collections.routesec.bgp.plugins.module_utils.intent.sessions import Session
from ansible_collections.routesec.bgp.plugins.module_utils.policy.as_path_regex import number_pattern
from ansible_collections.routesec.bgp.plugins.module_utils.policy.options import PolicyOptions, subtract_ranges
from ansible_collections.routesec.bgp.plugins.module_utils.render.frr_session_policy import render_session_policy
from test_bgp_sessions import base_records, session


def classified(id_, remote_asn, address, **fields):
    record = session(id_, 2, remote_asn, address, name="s%d" % id_)
    record["custom_fields"] = {"routesec_%s" % k: v for k, v in fields.items()}
    return record


def intent_of(*sessions):
    records = base_records()
    records["asns"].append({"id": 4, "asn": 64496, "tags": [], "custom_fields": {"routesec_max_prefix_v4": 900000}})
    records["bgp_sessions"] = list(sessions)
    return build_intent(records)["r2"]


def test_sessions_carry_relationship_role_and_the_asns_defaults():
    intent = intent_of(
        classified(1, 65000, "198.51.100.1/24", relationship="customer", max_prefix_v4=10, blackhole=True),
        classified(2, 64496, "198.51.100.2/24", relationship="transit", max_prefix_action="warning"),
        classified(3, 65000, "2001:db8::3/64", relationship="customer", bgp_role="off"),
        session(4, 2, 65000, "198.51.100.4/24", name="unclassified"),
    )
    by_address = {s.address: s for s in intent.sessions}
    customer, transit, v6 = by_address["198.51.100.1"], by_address["198.51.100.2"], by_address["2001:db8::3"]
    assert (customer.relationship, customer.role, customer.max_prefix, customer.blackhole) == (
        "customer",
        "provider",
        10,
        True,
    )
    assert customer.as_set == "AS65000:AS-CUSTOMERS"
    assert (transit.role, transit.max_prefix, transit.max_prefix_action) == ("customer", 900000, "warning")
    assert v6.role is None and v6.afi == 6
    assert intent.unclassified == ("198.51.100.4",)
    # a transit is not filtered from the IRR; the customer and the unclassified session are (AS65000)
    assert [n.asn for n in intent.neighbors] == [65000]
    assert DeviceIntent.from_dict(intent.to_dict()) == intent


@pytest.mark.parametrize(
    "fields, where, field",
    [
        ({"relationship": "cousin"}, "BGP session r2:s1", "custom_fields.routesec_relationship"),
        ({"relationship": "customer", "max_prefix_v4": 0}, "BGP session r2:s1", "custom_fields.routesec_max_prefix_v4"),
        (
            {"relationship": "customer", "max_prefix_v4": -5},
            "BGP session r2:s1",
            "custom_fields.routesec_max_prefix_v4",
        ),
        ({"relationship": "transit", "bgp_role": "provider"}, "BGP session r2:s1", "custom_fields.routesec_bgp_role"),
        ({"relationship": "peer", "blackhole": True}, "BGP session r2:s1", "custom_fields.routesec_blackhole"),
        ({"relationship": "customer", "max_prefix_action": "explode"}, "r2:s1", "routesec_max_prefix_action"),
    ],
)
def test_bad_session_data_is_refused_naming_the_object_and_field(fields, where, field):
    with pytest.raises(DataError) as refused:
        intent_of(classified(1, 65000, "198.51.100.1/24", **fields))
    assert where in str(refused.value) and field in str(refused.value)


def test_a_session_with_a_relationship_but_no_remote_address_is_refused():
    with pytest.raises(DataError, match=r"BGP session r2:s1 \(id 1\), field 'remote_address'"):
        intent_of(classified(1, 65000, None, relationship="customer"))


def test_a_customer_whose_asn_has_no_as_set_is_refused_naming_the_asn():
    records = base_records()
    records["asns"][2]["custom_fields"] = {}
    records["bgp_sessions"] = [classified(1, 65000, "198.51.100.1/24", relationship="customer")]
    with pytest.raises(DataError, match=r"NetBox ASN 65000, field 'custom_fields.routesec_as_set'"):
        build_intent(records)


def test_options_refuse_bad_values_naming_the_option():
    for params, field in (
        ({"max_path_length": 0}, "max_path_length"),
        ({"customer_export": "some"}, "customer_export"),
        ({"bogon_asn_exceptions": ["65010-65000"]}, "bogon_asn_exceptions"),
        ({"transit_free": ["174-175"]}, "transit_free"),
        ({"max_length": [24]}, "max_length"),
    ):
        with pytest.raises(DataError, match="field '%s'" % field):
            PolicyOptions.from_params(params)


def test_bogon_asns_less_exceptions():
    options = PolicyOptions.from_params({"bogon_asn_exceptions": ["64496-64511", "AS65000"]})
    ranges = options.bogon_asns()
    assert (64496, 64511) not in ranges and (64512, 64999) in ranges and (65001, 131071) in ranges
    assert subtract_ranges([(1, 10)], [(3, 4), (8, 20)]) == [(1, 2), (5, 7)]


@pytest.mark.parametrize("first, last", [(0, 0), (64496, 131071), (4200000000, 4294967294), (99, 1001), (7, 7)])
def test_number_patterns_match_exactly_their_range(first, last):
    pattern = re.compile("^(%s)$" % number_pattern(first, last))
    edges = {first - 1, first, first + 1, last - 1, last, last + 1, (first + last) // 2, 10 * last, first // 10}
    for number in (n for n in edges if n >= 0):
        assert bool(pattern.match(str(number))) == (first <= number <= last), number


def entries(config, name):
    """{seq: (action, [lines])} of route-map ``name`` in rendered ``config``."""
    found, current = {}, None
    for line in config.splitlines():
        header = re.match(r"^route-map (\S+) (permit|deny) (\d+)$", line)
        if header:
            current = found.setdefault(int(header[3]), (header[2], [])) if header[1] == name else None
        elif current is not None and line.startswith(" "):
            current[1].append(line.strip())
        else:
            current = None
    return found


def rendered(*sessions, **options):
    device = Device("r2", "frr", "127.0.10.2", 64500)
    own = PrefixList("ROUTESEC-OWN-V4", 4, (PrefixEntry(parse_prefix("185.230.76.0/22"), le=23),))
    return render_session_policy(DeviceIntent(device, (own,), sessions=sessions), PolicyOptions.from_params(options))


def test_frr_import_and_export_by_relationship():
    config = rendered(
        Session("192.0.2.1", 65000, "customer", role="provider", max_prefix=10, as_set="AS-X"),
        Session("192.0.2.2", 65001, "peer", role="peer", max_prefix=5, max_prefix_action="warning", as_set="AS-Y"),
        Session("192.0.2.3", 65002, "route_server"),
        Session("192.0.2.4", 64496, "transit", role="customer"),
    )
    customer = entries(config, "ROUTESEC-IN-CUSTOMER-AS65000-V4")
    assert customer[30] == ("deny", ["match as-path ROUTESEC-NOT-FIRST-AS65000"])
    assert customer[100] == (
        "permit",
        [
            "match ip address prefix-list ROUTESEC-AS65000-IN-V4",
            "match as-path ROUTESEC-AS65000-IN",
            "set large-comm-list ROUTESEC-INFO delete",
            "set large-community 64500:1:1 additive",
            "set ip next-hop peer-address",
        ],
    )
    assert customer[45] == ("deny", ["match community ROUTESEC-BLACKHOLE"])
    route_server = entries(config, "ROUTESEC-IN-RS-AS65002-V4")
    assert 30 not in route_server and 40 not in route_server  # no first-AS or transit-free check, no IRR list
    assert route_server[100][1] == [
        "set large-comm-list ROUTESEC-INFO delete",
        "set large-community 64500:1:4 additive",
    ]
    assert 40 not in entries(config, "ROUTESEC-IN-TRANSIT-AS64496-V4")
    to_transit = entries(config, "ROUTESEC-OUT-TRANSIT-V4")
    assert to_transit[100] == ("permit", ["match ip address prefix-list ROUTESEC-OWN-V4"])
    assert to_transit[110] == ("permit", ["match large-community ROUTESEC-FROM-CUSTOMER"])
    assert entries(config, "ROUTESEC-OUT-CUSTOMER-V4")[100] == ("permit", [])
    assert "  neighbor 192.0.2.1 maximum-prefix 10 restart 15" in config.splitlines()
    assert "  neighbor 192.0.2.2 maximum-prefix 5 warning-only" in config.splitlines()
    assert " neighbor 192.0.2.4 local-role customer" in config.splitlines()
    assert "ip prefix-list ROUTESEC-OWN-SPACE-V4 seq 5 permit 185.230.76.0/22 le 32" in config.splitlines()


def test_frr_default_only_to_customers_and_strict_roles():
    config = rendered(
        Session("192.0.2.1", 65000, "customer", role="provider", blackhole=True, as_set="AS-X"),
        customer_export="default",
        role_strict=True,
        max_prefix_restart=0,
    )
    lines = config.splitlines()
    assert "  neighbor 192.0.2.1 default-originate" in lines
    assert "  neighbor 192.0.2.1 route-map ROUTESEC-OUT-CUSTOMER-DEFAULT-V4 out" in lines
    assert entries(config, "ROUTESEC-OUT-CUSTOMER-DEFAULT-V4") == {10: ("deny", [])}
    assert " neighbor 192.0.2.1 local-role provider strict-mode" in lines
    blackhole = entries(config, "ROUTESEC-IN-CUSTOMER-AS65000-V4")[45]
    assert blackhole[0] == "permit" and "set community no-export additive" in blackhole[1]


def test_no_ebgp_session_renders_nothing():
    assert rendered(Session("192.0.2.9", 64500, "internal")) == ""
