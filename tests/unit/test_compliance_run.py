# -*- coding: utf-8 -*-
"""The compliance run as plain Python, without Ansible: NetBox records against a VRP file, a whois server
and the routers' state give exactly the findings seeded, and what NetBox says is ours is derived once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.compliance.run import (
    ComplianceRun,
    build_report,
    write,
)
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.intent import build as intent
from ansible_collections.routesec.bgp.plugins.module_utils.irr.registries import RegistryAccess
from test_intent import asn, device, prefix

ROUTE = "route:          185.230.76.0/22\norigin:         AS64500\nmnt-by:         MNT-OURS\nsource:         RIPE\n"
REGISTRIES = {"ripe-ncc": {"mntner": "MNT-OURS", "source": "RIPE"}}
IN_SYNC = {
    "prefix_lists": {"ROUTESEC-OWN-V4": ["permit 185.230.76.0/22 le 23", "permit 185.230.79.0/24"]},
    "rtr_caches": [],
}


def records():
    return {
        "asns": [asn(1, 64500, own=True)],
        "aggregates": [{"id": 1, "prefix": "185.230.76.0/22", "rir": {"slug": "ripe-ncc"}}],
        "prefixes": [prefix(10, "185.230.76.0/22", 64500, 23), prefix(11, "185.230.79.0/24", 64500)],
        "devices": [device("r1"), device("r2", ip="127.0.10.2/32")],
        "rtr_services": [],
    }


@pytest.fixture
def settings(irr, tmp_path):
    irr.answers["!oMNT-OURS"] = ROUTE
    irr.answers["!r185.230.76.0/22"] = ROUTE
    vrps = tmp_path / "vrps.json"
    roas = [
        {"prefix": "185.230.76.0/22", "maxLength": 23, "asn": "AS64500"},
        {"prefix": "185.230.79.0/24", "maxLength": 24, "asn": "AS64511"},  # another origin: ours is invalid
    ]
    vrps.write_text(json.dumps({"roas": roas}))
    drifted = {"prefix_lists": {"ROUTESEC-OWN-V4": ["permit 185.230.76.0/22 le 23"]}, "rtr_caches": []}
    states = {"r1": IN_SYNC, "r2": drifted}
    return ComplianceRun(str(vrps), RegistryAccess("127.0.0.1", irr.port, ["RIPE"], timeout=5), REGISTRIES, states)


def found(report):
    return sorted((f.check, f.subject) for f in report.findings)


def test_the_run_finds_exactly_what_was_seeded(settings, monkeypatch, tmp_path):
    calls = []
    originations = intent.originations
    monkeypatch.setattr(intent, "originations", lambda *args: calls.append(1) or originations(*args))
    report = build_report(records(), settings, now=datetime(2026, 12, 4, tzinfo=UTC))
    assert calls == [1]  # our originations derived once for the routers, the RPKI and the IRR
    assert found(report) == [
        ("filter-drift", "r2 ROUTESEC-OWN-V4"),
        ("roa-wide-max-length", "185.230.76.0/22 AS64500"),  # max length 23 on a /22
        ("route-object-missing", "185.230.79.0/24"),
        ("rpki-invalid", "185.230.79.0/24 AS64500"),
        ("rtr-cache-unknown", "NetBox"),
    ]
    assert report.prefixes == 2 and [r.name for r in report.routers] == ["r1", "r2"]
    files = write(report, str(tmp_path / "out"), "high")
    assert [f.rsplit("/", 1)[1] for f in files] == ["compliance.json", "compliance.xml", "compliance.html"]
    written = json.loads(Path(files[0]).read_text(encoding="utf-8"))
    assert written["generated"].startswith("2026-12-04") and len(written["findings"]) == len(report.findings)


def test_an_unreachable_router_is_a_finding(settings):
    settings.router_states = {"r1": {"failed": True, "msg": "SSH authentication failed"}}
    report = build_report(records(), settings)
    assert ("router-unreachable", "r1") in found(report)


def test_bad_records_are_refused_naming_the_field(settings):
    bad = records()
    bad["prefixes"][1]["custom_fields"]["routesec_origin_asn"] = {"id": 9, "asn": 64999}
    with pytest.raises(DataError, match=r"AS64999 is not one of our ASNs"):
        build_report(bad, settings)


def test_the_published_aspa_is_checked_against_netboxs_providers(settings, tmp_path):
    netbox = records()
    netbox["asns"][0]["custom_fields"] = {"routesec_aspa_providers": "AS64510, AS64520"}
    aspas = tmp_path / "aspas.json"
    aspas.write_text(json.dumps({"roas": [], "aspas": [{"customer_asid": 64500, "providers": [64510, 64530]}]}))
    assert not [f for f in build_report(netbox, settings).findings if f.check.startswith("aspa")]  # not asked for
    settings.current_aspas = str(aspas)
    checked = [(f.check, f.subject) for f in build_report(netbox, settings).findings if f.check.startswith("aspa")]
    assert checked == [("aspa-provider-missing", "AS64500 AS64520"), ("aspa-provider-stale", "AS64500 AS64530")]
