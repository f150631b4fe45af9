# -*- coding: utf-8 -*-
"""Origin-validation intent from NetBox records: RTR caches from ``rtr`` services, configuration per router."""

from __future__ import annotations

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.router_policy import RovPolicy, RtrCache
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.rov_intent import rov_configs
from test_intent import asn, device


def service(id_, addresses, ports=(3323,), protocol="tcp", parent="validator1"):
    return {
        "id": id_,
        "name": "rtr",
        "protocol": {"value": protocol},
        "ports": list(ports),
        "ipaddresses": [{"address": a} for a in addresses],
        "parent": {"name": parent},
    }


def records(services):
    return {
        "asns": [asn(1, 64500, own=True)],
        "devices": [device("r1", "bird2"), device("r2", "cisco-ios"), device("r3", "openbgpd")],
        "rtr_services": services,
    }


def test_every_router_gets_its_platforms_config_for_every_cache():
    services = [service(1, ["192.0.2.1/32", "2001:db8::1/128"]), service(2, ["192.0.2.1/32"])]
    configs, caches = rov_configs(records(services), RovPolicy(not_found_local_pref=50))
    assert caches == (RtrCache("192.0.2.1", 3323), RtrCache("2001:db8::1", 3323))  # each address and port once
    assert configs["r1"]["platform"] == "bird2" and "remote 2001:db8::1 port 3323;" in configs["r1"]["config"]
    assert " bgp rpki server tcp 192.0.2.1 port 3323 refresh 900" in configs["r2"]["config"].splitlines()
    assert configs["r3"]["config"].startswith("rtr 192.0.2.1 {") and "ovs invalid" in configs["r3"]["filter_rules"]


@pytest.mark.parametrize(
    "services, message",
    [
        ([], "NetBox services, field 'name': no service is named 'rtr'"),
        ([service(7, ["192.0.2.1/32"], protocol="udp")], r"service rtr on validator1 \(id 7\), field 'protocol'"),
        ([service(7, [])], r"\(id 7\), field 'ipaddresses': is empty"),
        ([service(7, ["192.0.2.1/32"], ports=())], r"\(id 7\), field 'ports': is empty"),
        ([service(7, ["192.0.2.1/32"], ports=(70000,))], r"\(id 7\), field 'port': 70000 is not a number"),
    ],
)
def test_bad_rtr_services_are_refused_naming_the_service_and_field(services, message):
    with pytest.raises(DataError, match=message):
        rov_configs(records(services), RovPolicy())
