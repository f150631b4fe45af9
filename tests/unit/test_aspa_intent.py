# -*- coding: utf-8 -*-
"""ASPA intent from NetBox: providers from the transit sessions of our routers and the routesec_aspa_providers
field, the AS0 rules, and every refusal naming the NetBox object and field (the session, for a provider an
ASPA would leave out)."""

from __future__ import annotations

import re

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.netbox.schema import CUSTOM_FIELDS
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.aspa_intent import (
    EXPLICIT,
    aspa_intent,
    parse_providers,
)

OWN = {"slug": "routesec-own"}


def asn(id_, number, own=True, providers=None):
    custom = {} if providers is None else {"routesec_aspa_providers": providers}
    return {"id": id_, "asn": number, "tags": [OWN] if own else [], "custom_fields": custom}


def device(id_, name, local_asn):
    return {"id": id_, "name": name, "custom_fields": {"routesec_local_asn": {"id": local_asn, "asn": local_asn}}}


def session(id_, device_id, remote, status="active", relationship="transit", name="up"):
    return {
        "id": id_,
        "display": "%s:%s" % ("r%d" % device_id if device_id else "vm1", name),
        "status": {"value": status, "label": status.title()} if status else None,
        "device": {"id": device_id, "name": "r%d" % device_id} if device_id else None,
        "remote_as": {"id": remote, "asn": remote} if remote else None,
        "custom_fields": {"routesec_relationship": relationship},
    }


def records(asns=None, sessions=None, devices=None):
    return {
        "asns": asns if asns is not None else [asn(1, 64500), asn(2, 64501), asn(3, 64496, own=False)],
        "devices": devices if devices is not None else [device(1, "r1", 64500), device(2, "r2", 64500)],
        "bgp_sessions": sessions or [],
    }


def refused(data):
    with pytest.raises(DataError) as caught:
        aspa_intent(data)
    return str(caught.value)


@pytest.mark.parametrize("status", ["active", "failed", "offline", "planned"])
def test_a_transit_session_names_its_provider_whatever_its_status(status):
    intent = aspa_intent(records(sessions=[session(7, 1, 64496, status=status)]))
    assert intent.aspas == {64500: frozenset({64496})}
    assert intent.sources[64500] == {64496: ("NetBox BGP session r1:up (id 7)",)}
    assert intent.undescribed == (64501,)


def test_only_transit_sessions_name_providers_and_each_is_listed_where_netbox_names_it():
    sessions = [
        session(1, 1, 64496),
        session(2, 2, 64496, name="up2"),
        session(3, 1, 65000, relationship="customer"),
        session(4, 1, 65001, relationship="peer"),
        session(5, 2, 65002, relationship="route_server"),
        session(6, 2, 65003, relationship=None),
    ]
    data = records(asns=[asn(1, 64500, providers="AS65010, 64496"), asn(2, 64501)], sessions=sessions)
    intent = aspa_intent(data)
    assert intent.aspas == {64500: frozenset({64496, 65010})}
    assert intent.to_dict() == [
        {
            "customer": 64500,
            "providers": [64496, 65010],
            "sources": {
                "AS64496": ["NetBox BGP session r1:up (id 1)", "NetBox BGP session r2:up2 (id 2)", EXPLICIT],
                "AS65010": [EXPLICIT],
            },
        }
    ]


def test_another_of_our_ases_may_be_a_provider_and_each_router_counts_for_its_own_as():
    devices = [device(1, "r1", 64500), device(2, "r2", 64501)]
    intent = aspa_intent(records(devices=devices, sessions=[session(1, 1, 64496), session(2, 2, 64500)]))
    assert intent.aspas == {64500: frozenset({64496}), 64501: frozenset({64500})}


def test_without_the_plugin_the_field_alone_names_providers():
    data = records(asns=[asn(1, 64500, providers="AS64496"), asn(2, 64501)])
    del data["bgp_sessions"]
    intent = aspa_intent(data)
    assert intent.aspas == {64500: frozenset({64496})} and intent.undescribed == (64501,)


def test_an_as_netbox_says_nothing_of_has_no_aspa_and_as0_alone_is_an_empty_provider_set():
    intent = aspa_intent(records(asns=[asn(1, 64500, providers=" AS0 "), asn(2, 64501, providers="")]))
    assert intent.aspas == {64500: frozenset()}
    assert intent.to_dict() == [{"customer": 64500, "providers": [0], "sources": {}}]
    assert intent.undescribed == (64501,)


def test_as0_while_the_as_has_transit_sessions_is_refused_naming_each_session():
    sessions = [session(7, 1, 64496), session(8, 2, 65020, status="planned", name="new")]
    message = refused(records(asns=[asn(1, 64500, providers="AS0")], sessions=sessions))
    assert message.startswith("2 problems in the source of truth")
    assert (
        "NetBox BGP session r1:up (id 7), field 'custom_fields.routesec_relationship': a transit session of AS64500 "
        "to AS64496, while the ASN's routesec_aspa_providers says AS0 (no provider)" in message
    )
    assert "NetBox BGP session r2:new (id 8)" in message and "ASPA-invalid" in message


@pytest.mark.parametrize(
    "text, message",
    [
        ("AS0, AS65010", "AS0 says AS64500 has no provider, so it cannot stand beside AS65010"),
        ("AS64500, AS65010", "AS64500 cannot be its own provider"),
        ("AS65010; AS65020", "is not AS numbers separated by commas"),
        ("transit", "is not AS numbers separated by commas"),
        ("as65010", "is not AS numbers separated by commas"),
        ("AS4294967296", "AS4294967296 is outside 1..4294967295"),
        (["AS65010"], "is not AS numbers separated by commas"),
    ],
)
def test_a_bad_provider_field_is_refused_naming_the_asn_and_the_field(text, message):
    error = refused(records(asns=[asn(1, 64500, providers=text)]))
    assert "NetBox ASN 64500 (id 1), field 'custom_fields.routesec_aspa_providers': " in error
    assert message in error


def test_the_field_on_an_asn_that_is_not_ours_is_refused():
    error = refused(records(asns=[asn(1, 64500), asn(3, 64496, own=False, providers="AS174")]))
    assert "NetBox ASN 64496 (id 3), field 'custom_fields.routesec_aspa_providers': names providers of AS64496" in error


def test_a_transit_session_no_aspa_would_list_is_refused_unless_one_of_our_ases_lists_it():
    elsewhere = [session(7, 9, 65020, name="edge"), session(8, None, 65020, name="vm")]
    error = refused(records(sessions=elsewhere))
    assert "NetBox BGP session r9:edge (id 7), field 'device': a transit session to AS65020 on a device" in error
    assert "NetBox BGP session vm1:vm (id 8)" in error and "routesec_aspa_providers" in error
    intent = aspa_intent(records(asns=[asn(1, 64500, providers="AS65020")], sessions=elsewhere))
    assert intent.aspas == {64500: frozenset({65020})}
    assert intent.unattributed == {65020: ("NetBox BGP session r9:edge (id 7)", "NetBox BGP session vm1:vm (id 8)")}


@pytest.mark.parametrize(
    "record, message",
    [
        (session(7, 1, 64500), "field 'remote_as': AS64500 is the router's own AS: an iBGP session is not transit"),
        (session(7, 1, 64496, status="decommissioning"), "field 'status': 'decommissioning' is not active, failed"),
        (session(7, 1, 64496, status=None), "field 'status': is empty (active, failed, offline, planned)"),
        (session(7, 1, None), "field 'remote_as': is empty: a transit session names our provider"),
        (dict(session(7, 1, 64496), remote_as={"asn": "sixty"}), "field 'remote_as': 'sixty' is not an AS number"),
    ],
)
def test_a_transit_session_that_cannot_be_read_is_refused_naming_it_and_the_field(record, message):
    assert "NetBox BGP session r1:up (id 7), " + message in refused(records(sessions=[record]))


def test_a_managed_router_without_a_local_asn_of_ours_is_refused():
    error = refused(records(devices=[device(1, "r1", 64496), dict(device(2, "r2", 64500), custom_fields={})]))
    assert "NetBox device r1 (id 1), field 'custom_fields.routesec_local_asn': AS64496 is not one of our ASNs" in error
    assert "NetBox device r2 (id 2), field 'custom_fields.routesec_local_asn': is empty" in error


def test_the_sessions_of_a_router_refused_for_its_local_asn_add_no_problem_of_their_own():
    bare = dict(device(2, "r2", 64500), custom_fields={})
    error = refused(records(devices=[device(1, "r1", 64500), bare], sessions=[session(7, 2, 65020)]))
    assert error.startswith("1 problem in the source of truth") and "NetBox device r2 (id 2)" in error


def test_no_as_of_ours_is_refused():
    assert "no ASN is tagged routesec-own" in refused(records(asns=[asn(3, 64496, own=False)], devices=[]))


def test_every_problem_is_reported_at_once():
    data = records(
        asns=[asn(1, 64500, providers="AS0, AS1"), asn(2, 64501, providers="x")], sessions=[session(7, 1, None)]
    )
    assert refused(data).startswith("3 problems in the source of truth, nothing was changed")


def test_the_custom_field_netbox_checks_takes_exactly_what_the_intent_reads():
    (spec,) = [f for f in CUSTOM_FIELDS if f["name"] == "routesec_aspa_providers"]
    assert spec["type"] == "text" and spec["object_types"] == ["ipam.asn"] and len(spec["description"]) <= 200
    for text in ("AS64496", "AS64496, AS65010", "64496,65010", " AS0 ", "AS4200000000"):
        assert re.match(spec["validation_regex"], text), text
        assert parse_providers(text, 64500)
    for text in ("AS64496;AS65010", "AS-FOO", "AS 64496", "", "AS64496,"):
        assert not re.match(spec["validation_regex"], text), text
        with pytest.raises(DataError):
            parse_providers(text, 64500)
