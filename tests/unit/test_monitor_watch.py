# -*- coding: utf-8 -*-
"""The monitor's watch list (``monitor.watch``): built from NetBox records (our prefixes, held aggregates, our
ASes, their providers and other neighbours), written as the service's JSON document and read back strictly,
every refusal naming the field."""

from __future__ import annotations

import copy
import ipaddress
import json

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.model import Watched
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.watch import (
    from_document,
    read_watch_list,
    to_document,
    to_json,
    watch_list,
)
from test_aspa_intent import asn, device, session
from test_intent import prefix

RECORDS = {
    "asns": [asn(1, 64500), asn(2, 64501, providers="AS65010"), asn(3, 64496, own=False)],
    "aggregates": [{"id": 1, "prefix": "185.230.76.0/22"}, {"id": 2, "prefix": "2a0f:b300::/32"}],
    "prefixes": [
        prefix(10, "185.230.76.0/23", 64500, 24),
        prefix(11, "185.230.76.0/23", 64501),
        prefix(12, "2a0f:b300::/32", 64501, 48),
    ],
    "devices": [device(1, "r1", 64500), device(2, "r2", 64501)],
    "bgp_sessions": [
        session(1, 1, 64496),
        session(2, 1, 65020, relationship="peer"),
        session(3, 2, 65030, relationship="customer"),
        session(4, 2, 65040, relationship="route_server", status="planned"),
        session(5, 2, 65050, relationship="internal"),
    ],
}


def test_the_watch_list_of_netbox_records():
    watch = watch_list(RECORDS, visibility_threshold=3)
    assert watch.prefixes == (
        Watched(ipaddress.ip_network("185.230.76.0/22"), frozenset(), 22, announced=False),
        Watched(ipaddress.ip_network("185.230.76.0/23"), frozenset({64500, 64501}), 24),
        Watched(ipaddress.ip_network("2a0f:b300::/32"), frozenset({64501}), 48),
    )  # the IPv6 aggregate is originated itself: not also held unannounced
    assert watch.own_asns == {64500, 64501}
    assert watch.providers == {64500: {64496}, 64501: {65010}}
    assert watch.neighbors == {64500: {65020}, 64501: {65030, 65040}}
    assert (watch.visibility_threshold, watch.visibility_share) == (3, 0.5)


def test_netbox_problems_refuse_the_watch_list_naming_the_record():
    records = copy.deepcopy(RECORDS)
    records["prefixes"].append(prefix(13, "192.0.2.0/24", 64500))
    records["bgp_sessions"].append(session(6, 1, None, relationship="peer"))
    with pytest.raises(DataError, match=r"prefix 192.0.2.0/24 \(id 13\), field 'prefix': is outside every"):
        watch_list(records)
    del records["prefixes"][-1]
    with pytest.raises(DataError, match=r"BGP session r1:up \(id 6\), field 'remote_as'"):
        watch_list(records)


def test_the_document_round_trips_through_json(tmp_path):
    watch = watch_list(RECORDS)
    path = tmp_path / "watch.json"
    path.write_text(to_json(watch))
    assert read_watch_list(path) == watch
    assert json.loads(path.read_text())["providers"] == {"64500": [64496], "64501": [65010]}


def document(**changes):
    data = to_document(watch_list(RECORDS))
    for name, value in changes.items():
        target, key = data, name
        while "__" in key:
            head, key = key.split("__", 1)
            target = target[int(head)] if head.isdigit() else target[head]
        if value is DELETE:
            del target[key]
        else:
            target[key] = value
    return data


DELETE = object()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"own_asns": DELETE}, "own_asns", "missing"),
        ({"own_asns": []}, "own_asns", "not empty"),
        ({"own_asns": ["AS64500"]}, "own_asns[0]", "not a number"),
        ({"colour": "red"}, None, "unknown field"),
        ({"prefixes": {}}, "prefixes", "list"),
        ({"prefixes__0__prefix": "185.230.77.0/22"}, "prefixes[0].prefix", "host bits"),
        ({"prefixes__0__prefix": "185.230.076.0/22"}, "prefixes[0].prefix", "not a valid prefix"),
        ({"prefixes__1__max_length": 33}, "prefixes[1].max_length", "from 23 to 32"),
        ({"prefixes__1__max_length": 22}, "prefixes[1].max_length", "from 23 to 32"),
        ({"prefixes__1__max_length": True}, "prefixes[1].max_length", "not a number"),
        ({"prefixes__1__origins": []}, "prefixes[1].origins", "not empty"),
        ({"prefixes__1__announced": "yes"}, "prefixes[1].announced", "true or false"),
        ({"prefixes__1__prefix": "185.230.76.0/22"}, "prefixes[1].prefix", "listed twice"),
        ({"prefixes__2__via": "r1"}, "prefixes[2]", "unknown field"),
        ({"providers__65010": [1]}, "providers.65010", "not one of our"),
        ({"neighbors__64500": "65020"}, "neighbors.64500", "list of AS numbers"),
        ({"visibility__share": 0}, "visibility.share", "above 0"),
        ({"visibility__threshold": 0}, "visibility.threshold", "from 1"),
        ({"visibility__after": 5}, "visibility", "unknown field"),
    ],
)
def test_a_malformed_document_is_refused_naming_the_field(changes, field, message):
    with pytest.raises(DataError, match=message) as refused:
        from_document(document(**changes), "watch list w.json")
    assert refused.value.field == field
    assert str(refused.value).startswith("watch list w.json")


def test_an_unreadable_file_is_refused_naming_it(tmp_path):
    with pytest.raises(DataError, match="watch list .*missing.json: cannot be read"):
        read_watch_list(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("[]")
    with pytest.raises(DataError, match="expected a JSON object"):
        read_watch_list(tmp_path / "bad.json")
