# -*- coding: utf-8 -*-
"""Plans confined to some blocks (``within``): the ROA plan and the route-object plan of one new block leave
what lies outside it alone, and a block that no NetBox aggregate holds is refused."""

from __future__ import annotations

import ipaddress

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError, SafetyError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.scope import parse_blocks, scoped_records
from ansible_collections.routesec.bgp.plugins.module_utils.irr.route_objects import plan_from_netbox
from ansible_collections.routesec.bgp.plugins.module_utils.irr.rpsl import route_object
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.roa_plan import plan_roas, roa_intent
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.vrp import make_vrp

NEW = "185.230.72.0/22"
OWN = {"asn": 64500}
RECORDS = {
    "asns": [{"id": 1, "asn": 64500, "tags": [{"slug": "routesec-own"}], "custom_fields": {}}],
    "aggregates": [
        {"id": 1, "prefix": "185.230.76.0/22", "rir": {"slug": "ripe"}},
        {"id": 2, "prefix": "185.230.72.0/21", "rir": {"slug": "ripe"}},
    ],
    "prefixes": [
        {"id": 1, "prefix": "185.230.76.0/22", "custom_fields": {"routesec_origin_asn": OWN}},
        {"id": 2, "prefix": NEW, "custom_fields": {"routesec_origin_asn": OWN}},
        {"id": 3, "prefix": "185.230.72.0/24", "custom_fields": {"routesec_origin_asn": OWN}},
    ],
}
REGISTRIES = {"ripe": {"mntner": "MAINT-LAB", "source": "LAB", "admin-c": "LAB1", "tech-c": "LAB1"}}


def test_records_narrowed_to_a_block():
    scoped = scoped_records(RECORDS, parse_blocks([NEW]))
    assert scoped["aggregates"] == [{"id": 2, "prefix": NEW, "rir": {"slug": "ripe"}}]  # the block, with its RIR
    assert [r["prefix"] for r in scoped["prefixes"]] == [NEW, "185.230.72.0/24"]
    assert scoped["asns"] is RECORDS["asns"]


def test_a_block_no_aggregate_holds_is_refused():
    with pytest.raises(SafetyError, match="option within, field 'within': 192.0.2.0/24 is inside no NetBox aggregate"):
        scoped_records(RECORDS, parse_blocks(["192.0.2.0/24"]))
    with pytest.raises(DataError, match="field 'within'"):
        parse_blocks(["185.230.72.1/22"])


def test_the_roa_plan_of_one_block_leaves_the_other_roas_alone():
    current = [make_vrp("185.230.76.0/22", 22, 64500), make_vrp("185.230.76.0/24", 24, 64500)]
    intent = roa_intent(scoped_records(RECORDS, parse_blocks([NEW])))
    plan = plan_roas(intent.roas, current, intent.own_asns, intent.held)
    assert [(str(r.prefix), r.asn) for r in plan.add] == [(NEW, 64500), ("185.230.72.0/24", 64500)]
    assert plan.remove == ()  # 185.230.76.0/24 is not in NetBox, but outside the block
    whole = roa_intent(RECORDS)
    assert [str(r.prefix) for r in plan_roas(whole.roas, current, whole.own_asns, whole.held).remove] == [
        "185.230.76.0/24"
    ]


def test_the_route_object_plan_of_one_block_leaves_the_other_objects_alone():
    stale = route_object("185.230.76.0/24", 64500, "MAINT-LAB", "LAB", ["old"])

    def existing(mntners, prefixes, sets):
        assert sets == []  # no AS-SET asked for
        return [stale]

    _desired, plan = plan_from_netbox(scoped_records(RECORDS, parse_blocks([NEW])), REGISTRIES, "lab", existing, False)
    assert [o.key[1] for o in plan.create] == [NEW, "185.230.72.0/24"] and not plan.delete
    _desired, whole = plan_from_netbox(RECORDS, REGISTRIES, "lab", existing, False)
    assert [o.key[1] for o in whole.delete] == ["185.230.76.0/24"]


def test_ipaddress_blocks_are_networks():
    assert parse_blocks([NEW]) == [ipaddress.ip_network(NEW)]
