# -*- coding: utf-8 -*-
"""playbooks/aspa_plan.yml against the lab NetBox and a Krill CA (the contract-test server of the unit tests, on
loopback): r2's transit sessions with the lab's transit router make AS64496 our provider; check mode with --diff
shows the ASPA and sends nothing, the run submits it, a second run has nothing to do, a provider added in NetBox
is exactly that replace, removing one is refused until allow_removals, AS0 beside the sessions is refused naming
each session, and a planned transit session's provider is published before the session comes up. Then
playbooks/compliance.yml with the ASPAs the CA holds (as rpki-client exports them) finds no ASPA problem, and with
a published ASPA that lacks the transit provider and names another finds exactly those two."""

from __future__ import annotations

import json
import sys

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.netbox import schema
from lab_helpers import REPO, create_session

sys.path.insert(0, str(REPO / "tests" / "unit"))
from ca_servers import serving  # the contract-test servers of the unit tests
from krill_aspa_server import KrillAspaServer

pytestmark = pytest.mark.lab(reads=("irrd",), changes=("netbox",))

TOKEN = "krill-aspa-live-T0ken-0123"
OWN, TRANSIT = 64500, 64496  # our AS and that of the lab's transit router
# r2's sessions with the transit router, on the lab's link (tests/lab/routers.sh)
TRANSIT_SESSIONS = (
    ("transit-v4", "198.18.0.2/24", "198.18.0.10/24"),
    ("transit-v6", "fdff:5e5::2/64", "fdff:5e5::10/64"),
)


@pytest.fixture
def transit_sessions(netbox, undo):
    """r2's sessions with the transit router as transit sessions in NetBox (removed after); their names as
    aspa_plan gives a provider's sources."""
    for name, local, remote in TRANSIT_SESSIONS:
        for action in create_session(netbox, name, local, remote, TRANSIT, {schema.CF_RELATIONSHIP: "transit"}):
            undo(action)
    return session_names(netbox, [name for name, _local, _remote in TRANSIT_SESSIONS])


def r2_sessions(netbox):
    """r2's plugin sessions by name."""
    r2 = netbox.dcim.devices.get(name="r2")
    return {s.name: s for s in netbox.plugins.bgp.bgpsession.filter(device_id=r2.id)}


def session_names(netbox, names):
    """How aspa_plan names r2's plugin sessions ``names``."""
    found = r2_sessions(netbox)
    return ["NetBox BGP session %s (id %d)" % (found[name].display, found[name].id) for name in names]


@pytest.fixture
def set_providers(netbox, undo):
    """Set the custom field routesec_aspa_providers of our NetBox ASN; restored after the test."""
    own = netbox.ipam.asns.get(asn=OWN)
    before = own.custom_fields[schema.CF_ASPA_PROVIDERS]
    undo(lambda: own.update({"custom_fields": {schema.CF_ASPA_PROVIDERS: before}}))
    return lambda text: own.update({"custom_fields": {schema.CF_ASPA_PROVIDERS: text}})


@pytest.fixture
def krill():
    server = KrillAspaServer(TOKEN, held=(OWN,))
    with serving(server):
        yield server


def aspa_plan(playbook, krill, *args, **variables):
    """playbooks/aspa_plan.yml with our Krill CA (submitting unless told otherwise): the run and the module's
    result. The CA token shows nowhere in the output."""
    settings = {
        "routesec_aspa_ca": "krill",
        "routesec_ca_url": krill.url,
        "routesec_ca_handle": "routesec",
        "routesec_ca_api_key": TOKEN,
        "routesec_aspa_submit": True,
    }
    settings.update(variables)
    run = playbook("aspa_plan.yml", "-e", json.dumps(settings), *args)
    assert TOKEN not in run.output
    (task,) = run.for_action("aspa_plan")
    return run, task["result"]


def test_check_mode_shows_the_transit_provider_then_submit_then_nothing_to_do_then_a_netbox_change(
    playbook, krill, transit_sessions, set_providers
):
    checked, result = aspa_plan(playbook, krill, "--check", "--diff")
    assert checked.rc == 0, checked.output
    assert result["changed"] and not result["submitted"]
    assert result["lines"] == ["+ ASPA AS64500 => AS64496"]
    assert result["aspas"] == [{"customer": OWN, "providers": [TRANSIT], "sources": {"AS64496": transit_sessions}}]
    assert result["diff"] == {"before": "", "after": "AS64500 => AS64496\n"}
    assert "+AS64500 => AS64496" in checked.output  # --diff
    assert [r["method"] for r in krill.received] == ["GET"] and krill.aspas == {}

    applied, result = aspa_plan(playbook, krill)
    assert applied.rc == 0 and result["changed"] and result["submitted"], applied.output
    assert krill.posts()[-1]["body"] == {"add_or_replace": [{"customer": OWN, "providers": [TRANSIT]}], "remove": []}
    assert krill.aspas == {OWN: (TRANSIT,)}

    again, result = aspa_plan(playbook, krill)
    assert again.rc == 0 and not result["changed"] and not result["submitted"], again.output
    assert result["lines"] == [] and result["plan"]["unchanged"] == 1 and len(krill.posts()) == 1

    set_providers("AS65010")  # a provider no session of ours names
    changed, result = aspa_plan(playbook, krill)
    assert changed.rc == 0 and result["submitted"], changed.output
    assert result["lines"] == ["~ ASPA AS64500 => AS64496, AS65010 (+AS65010)"]
    assert result["plan"]["replace"] == [
        {"customer": OWN, "providers": [TRANSIT, 65010], "added": [65010], "removed": []}
    ]
    assert result["plan"]["add"] == [] and result["plan"]["remove"] == []
    assert result["aspas"][0]["sources"]["AS65010"] == ["custom field %s" % schema.CF_ASPA_PROVIDERS]
    assert krill.posts()[-1]["body"]["add_or_replace"] == [{"customer": OWN, "providers": [TRANSIT, 65010]}]
    assert krill.aspas == {OWN: (TRANSIT, 65010)} and len(krill.posts()) == 2


def test_a_provider_removed_in_netbox_is_refused_until_allow_removals(playbook, krill, transit_sessions):
    krill.aspas = {OWN: (TRANSIT, 65010)}  # AS65010 is no provider of ours in NetBox (any more)
    refused, result = aspa_plan(playbook, krill)
    assert refused.rc != 0 and refused.for_action("aspa_plan", "failed"), refused.output
    assert result["error_type"] == "SafetyError"
    assert "AS65010 from AS64500" in result["msg"] and "allow_removals=true" in result["msg"]
    assert krill.posts() == [] and krill.aspas == {OWN: (TRANSIT, 65010)}

    applied, result = aspa_plan(playbook, krill, routesec_aspa_allow_removals=True)
    assert applied.rc == 0 and result["submitted"], applied.output
    assert result["lines"] == ["~ ASPA AS64500 => AS64496 (-AS65010)"]
    assert krill.aspas == {OWN: (TRANSIT,)} and len(krill.posts()) == 1


def test_as0_beside_transit_sessions_is_refused_naming_each_session(playbook, krill, transit_sessions, set_providers):
    set_providers("AS0")
    refused, result = aspa_plan(playbook, krill, "--check")
    assert refused.rc != 0 and refused.for_action("aspa_plan", "failed"), refused.output
    assert result["msg"].startswith("2 problems in the source of truth, nothing was changed")
    for session in transit_sessions:
        field = "custom_fields.%s" % schema.CF_RELATIONSHIP
        assert "- %s, field '%s': a transit session of AS64500 to AS64496" % (session, field) in result["msg"]
    assert "an AS0 ASPA would make our routes through AS64496 ASPA-invalid" in result["msg"]
    assert krill.received == []  # refused before the CA is asked


def test_a_planned_transit_session_is_published_before_it_comes_up(playbook, krill, transit_sessions, netbox, undo):
    krill.aspas = {OWN: (TRANSIT,)}
    new = netbox.ipam.asns.create(asn=65020, rir=netbox.ipam.rirs.get(slug="ripe").id, description="routesec test")
    undo(new.delete)
    for action in create_session(netbox, "transit-new", "198.18.0.2/24", "198.18.0.30/24", 65020, {}):
        undo(action)
    r2_sessions(netbox)["transit-new"].update(
        {"status": "planned", "custom_fields": {schema.CF_RELATIONSHIP: "transit"}}
    )

    checked, result = aspa_plan(playbook, krill, "--check")
    assert checked.rc == 0 and result["changed"] and not result["submitted"], checked.output
    assert result["lines"] == ["~ ASPA AS64500 => AS64496, AS65020 (+AS65020)"]
    assert result["aspas"][0]["sources"]["AS65020"] == session_names(netbox, ["transit-new"])
    assert krill.posts() == []


def rpki_client_json(path, aspas):
    """An rpki-client JSON export at ``path`` holding the ASPAs ``aspas`` (customer -> providers) and no ROA."""
    entries = [{"customer_asid": customer, "providers": list(providers)} for customer, providers in aspas.items()]
    path.write_text(json.dumps({"roas": [], "aspas": entries}))
    return path


def compliance(playbook, exported, report_dir):
    """playbooks/compliance.yml with the validator's export ``exported`` (VRPs and ASPAs), failing at critical
    findings; no router is read (``routers:!routers``). The run and the module's result."""
    variables = {
        "routesec_targets": "routers:!routers",
        "routesec_current_vrps": str(exported),
        "routesec_current_aspas": str(exported),
        "routesec_report_dir": str(report_dir),
        "routesec_wide_max_length": True,
        "routesec_compliance_fail_at": "critical",
    }
    run = playbook("compliance.yml", "-e", json.dumps(variables))
    (task,) = run.for_action("compliance")
    return run, task["result"]


def aspa_part(findings):
    return sorted((f["severity"], f["check"], f["subject"]) for f in findings if f["check"].startswith("aspa-"))


def test_compliance_finds_exactly_the_providers_the_published_aspa_gets_wrong(
    playbook, krill, transit_sessions, tmp_path
):
    applied, _result = aspa_plan(playbook, krill)
    assert applied.rc == 0 and krill.aspas == {OWN: (TRANSIT,)}, applied.output
    published = rpki_client_json(tmp_path / "published.json", krill.aspas)
    clean, clean_result = compliance(playbook, published, tmp_path / "clean")
    assert clean.rc == 0 and aspa_part(clean_result["findings"]) == [], clean.output

    wrong = rpki_client_json(tmp_path / "wrong.json", {OWN: (65010,)})  # lacks AS64496, names AS65010
    seeded, result = compliance(playbook, wrong, tmp_path / "seeded")
    assert seeded.rc != 0 and "findings at or above critical" in result["msg"], seeded.output
    assert aspa_part(result["findings"]) == [
        ("critical", "aspa-provider-missing", "AS64500 AS64496"),
        ("medium", "aspa-provider-stale", "AS64500 AS65010"),
    ]
    others = [f for f in result["findings"] if not f["check"].startswith("aspa-")]
    assert others == clean_result["findings"]  # the ASPAs change nothing else
    written = json.loads((tmp_path / "seeded" / "compliance.json").read_text())
    assert aspa_part(written["findings"]) == aspa_part(result["findings"])
