# -*- coding: utf-8 -*-
"""The intent builder: NetBox records to per-device prefix-lists, and every refusal."""

from __future__ import annotations

import copy

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.build import Problems, build_intent, managed_devices
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import DeviceIntent


def asn(id_, number, own=False):
    return {"id": id_, "asn": number, "tags": [{"slug": "routesec-own"}] if own else []}


def prefix(id_, cidr, origin=None, max_length=None):
    return {
        "id": id_,
        "prefix": cidr,
        "status": {"value": "active"},
        "custom_fields": {
            "routesec_origin_asn": None if origin is None else {"id": origin, "asn": origin},
            "routesec_max_length": max_length,
        },
    }


def device(name, platform="frr", local_asn=64500, ip="127.0.10.1/32"):
    return {
        "id": len(name),
        "name": name,
        "platform": {"slug": platform} if platform else None,
        "primary_ip4": {"address": ip} if ip else None,
        "primary_ip6": None,
        "custom_fields": {"routesec_local_asn": None if local_asn is None else {"asn": local_asn}},
    }


@pytest.fixture
def records():
    return {
        "asns": [asn(1, 64500, own=True), asn(2, 64501, own=True), asn(3, 64496)],
        "aggregates": [{"id": 1, "prefix": "185.230.76.0/22"}, {"id": 2, "prefix": "2a0f:b300::/32"}],
        "prefixes": [
            prefix(10, "185.230.76.0/22", 64500, 23),
            prefix(11, "185.230.79.0/24", 64500),
            prefix(12, "2a0f:b300::/32", 64500),
            prefix(13, "2a0f:b300:100::/48", 64501),
        ],
        "devices": [device("r1"), device("r2", "cisco-ios", 64501, "127.0.10.2/32")],
    }


def entries(intent, afi):
    plist = next(p for p in intent.prefix_lists if p.afi == afi)
    return [(str(e.prefix), e.le) for e in plist.entries]


def test_builds_lists_per_device_from_its_asn(records):
    intent = build_intent(records)
    assert sorted(intent) == ["r1", "r2"]
    assert entries(intent["r1"], 4) == [("185.230.76.0/22", 23), ("185.230.79.0/24", None)]
    assert entries(intent["r1"], 6) == [("2a0f:b300::/32", None)]
    assert intent["r2"].device.platform == "cisco_ios"
    assert entries(intent["r2"], 4) == []
    assert entries(intent["r2"], 6) == [("2a0f:b300:100::/48", None)]
    assert [p.name for p in intent["r1"].prefix_lists] == ["ROUTESEC-OWN-V4", "ROUTESEC-OWN-V6"]


def test_round_trips_through_plain_dicts(records):
    intent = build_intent(records)["r1"]
    assert DeviceIntent.from_dict(copy.deepcopy(intent.to_dict())) == intent


def test_list_names_and_platform_map(records):
    records["devices"][0]["platform"] = {"slug": "vtysh"}
    intent = build_intent(records, platform_map={"vtysh": "frr"}, list_names={4: "OUT4"})
    assert intent["r1"].device.platform == "frr"
    assert [p.name for p in intent["r1"].prefix_lists] == ["OUT4", "ROUTESEC-OWN-V6"]


BAD = [
    (
        "no origin",
        lambda r: r["prefixes"].append(prefix(20, "185.230.77.0/24")),
        "NetBox prefix 185.230.77.0/24 (id 20), field 'custom_fields.routesec_origin_asn': is empty",
    ),
    (
        "foreign origin",
        lambda r: r["prefixes"].append(prefix(21, "185.230.77.0/24", 64496)),
        "NetBox prefix 185.230.77.0/24 (id 21), field 'custom_fields.routesec_origin_asn': AS64496 is not one of our",
    ),
    (
        "outside aggregates",
        lambda r: r["prefixes"].append(prefix(22, "198.51.100.0/24", 64500)),
        "NetBox prefix 198.51.100.0/24 (id 22), field 'prefix': is outside every NetBox aggregate",
    ),
    (
        "malformed prefix",
        lambda r: r["prefixes"].append(prefix(23, "185.230.77.1/24", 64500)),
        "NetBox prefix 185.230.77.1/24 (id 23), field 'prefix': '185.230.77.1/24' is not a valid prefix",
    ),
    (
        "max length too short",
        lambda r: r["prefixes"].append(prefix(24, "185.230.77.0/24", 64500, 20)),
        "field 'custom_fields.routesec_max_length': 20 is outside 24..32",
    ),
    (
        "unsupported platform",
        lambda r: r["devices"].append(device("r3", "huawei-vrp", ip="127.0.10.3/32")),
        "NetBox device r3 (id 2), field 'platform': 'huawei_vrp' is not supported",
    ),
    (
        "no platform",
        lambda r: r["devices"].append(device("r4", None, ip="127.0.10.4/32")),
        "NetBox device r4 (id 2), field 'platform': None is not supported",
    ),
    (
        "device without local ASN",
        lambda r: r["devices"].append(device("r5", local_asn=None)),
        "NetBox device r5 (id 2), field 'custom_fields.routesec_local_asn': is empty",
    ),
    (
        "device with foreign ASN",
        lambda r: r["devices"].append(device("r6", local_asn=64496)),
        "NetBox device r6 (id 2), field 'custom_fields.routesec_local_asn': AS64496 is not one of our ASNs",
    ),
    (
        "device without primary IP",
        lambda r: r["devices"].append(device("r7", ip=None)),
        "NetBox device r7 (id 2), field 'primary_ip4': the device has no primary IP",
    ),
    (
        "no own ASN",
        lambda r: [a["tags"].clear() for a in r["asns"]],
        "NetBox ASNs, field 'tags': no ASN is tagged routesec-own",
    ),
    ("no aggregates", lambda r: r["aggregates"].clear(), "NetBox aggregates, field 'prefix': there are none"),
]


@pytest.mark.parametrize("mutate,message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_data_is_refused_naming_object_and_field(records, mutate, message):
    mutate(records)
    with pytest.raises(DataError) as caught:
        build_intent(records)
    assert message in str(caught.value)
    assert "nothing was changed" in str(caught.value)


def test_all_problems_are_reported_together(records):
    records["prefixes"] += [prefix(30, "185.230.77.0/24"), prefix(31, "192.0.2.0/24", 64500)]
    with pytest.raises(DataError) as caught:
        build_intent(records)
    assert str(caught.value).startswith("2 problems in the source of truth")


@pytest.mark.parametrize(
    "data,message",
    [
        ({"name": "r1", "platform": "frr", "prefix_lists": "x"}, "device r1, field 'prefix_lists'"),
        ({"name": "r1", "platform": "nx-os", "prefix_lists": []}, "device r1, field 'platform'"),
        (
            {
                "name": "r1",
                "platform": "frr",
                "prefix_lists": [{"name": "A", "afi": 4, "entries": [{"prefix": "10.0.0.0/33"}]}],
            },
            "prefix-list A, field 'prefix'",
        ),
        (
            {
                "name": "r1",
                "platform": "frr",
                "prefix_lists": [{"name": "A", "afi": 4, "entries": [{"prefix": "2001:db8::/32"}]}],
            },
            "prefix-list A, field 'entries': entry 2001:db8::/32 is not IPv4",
        ),
        (
            {"name": "r1", "platform": "frr", "prefix_lists": [{"name": "A B", "afi": 4, "entries": []}]},
            "prefix-list A B, field 'name'",
        ),
        (
            {
                "name": "r1",
                "platform": "frr",
                "prefix_lists": [{"name": "A", "afi": 4, "entries": [{"prefix": "10.0.0.0/8", "le": 7}]}],
            },
            "field 'le': le 7 is outside 8..32",
        ),
    ],
)
def test_bad_intent_input_names_the_field(data, message):
    with pytest.raises(DataError) as caught:
        DeviceIntent.from_dict(data)
    assert message in str(caught.value)


def test_neighbours_take_their_as_set_from_the_asn(records):
    records["asns"] += [
        {"id": 7, "asn": 65000, "tags": [], "custom_fields": {"routesec_as_set": "as65000:as-customers"}},
        {"id": 8, "asn": 65001, "tags": [], "custom_fields": {"routesec_as_set": None}},
    ]
    records["devices"][0]["custom_fields"]["routesec_neighbor_asns"] = [
        {"id": 8, "asn": 65001},
        {"id": 7, "asn": 65000},
    ]
    intent = build_intent(records)
    assert [n.to_dict() for n in intent["r1"].neighbors] == [
        {"asn": 65000, "as_set": "AS65000:AS-CUSTOMERS", "addresses": []},
        {"asn": 65001, "as_set": "AS65001", "addresses": []},
    ]
    assert intent["r2"].neighbors == ()
    assert DeviceIntent.from_dict(intent["r1"].to_dict()) == intent["r1"]


@pytest.mark.parametrize("value", ["AS-", "customers", "AS65000:", "AS-FOO BAR", "AS0"])
def test_a_malformed_as_set_is_refused_naming_the_asn(records, value):
    records["asns"].append({"id": 7, "asn": 65000, "tags": [], "custom_fields": {"routesec_as_set": value}})
    with pytest.raises(DataError, match=r"NetBox ASN 65000 \(id 7\), field 'custom_fields.routesec_as_set'"):
        build_intent(records)


def test_managed_devices_from_asns_and_devices_alone(records):
    found = managed_devices({"asns": records["asns"], "devices": records["devices"]}, {"cisco-ios": "arista_eos"})
    assert found == {
        "r1": {"name": "r1", "platform": "frr", "mgmt_host": "127.0.10.1", "local_asn": 64500},
        "r2": {"name": "r2", "platform": "arista_eos", "mgmt_host": "127.0.10.2", "local_asn": 64501},
    }
    built = build_intent(records)["r1"].to_dict()
    assert {key: built[key] for key in found["r1"]} == found["r1"]  # the same fields as the full intent's
    with pytest.raises(DataError, match="device r3.*primary_ip4"):
        managed_devices({"asns": records["asns"], "devices": [device("r3", ip=None)]})


def test_a_bad_record_of_a_device_out_of_scope_only_warns(records):
    records["devices"] += [device("r3", ip=None), device("edge9", platform="nx-os")]
    with pytest.raises(DataError, match="device r3.*primary_ip4"):
        build_intent(records)  # no scope: every device is in it
    problems = Problems(["r1"])
    intent = build_intent(records, problems=problems)
    assert list(intent) == ["r1"] and [str(e.prefix) for e in intent["r1"].prefix_lists[0].entries] == [
        "185.230.76.0/22",
        "185.230.79.0/24",
    ]
    assert len(problems.warnings) == 2
    assert "NetBox device r3 (id 2), field 'primary_ip4'" in problems.warnings[0]
    assert "NetBox device edge9 (id 5), field 'platform'" in problems.warnings[1]
    assert list(managed_devices(records, problems=Problems(["r1", "r2"]))) == ["r1", "r2"]


def test_a_bad_record_of_a_device_in_scope_still_refuses(records):
    records["devices"].append(device("r3", ip=None))
    with pytest.raises(DataError, match="device r3.*primary_ip4"):
        build_intent(records, problems=Problems(["r1", "r3"]))
    with pytest.raises(DataError, match="no device tagged routesec-managed is named r9"):
        build_intent(records, problems=Problems(["r1", "r9"]))
    records["prefixes"].append(prefix(30, "192.0.2.0/24", 64500))  # a record every router shares
    with pytest.raises(DataError, match="outside every NetBox aggregate"):
        build_intent(records, problems=Problems(["r1"]))
