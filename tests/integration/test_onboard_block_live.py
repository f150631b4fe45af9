# -*- coding: utf-8 -*-
"""playbooks/onboard_block.yml end to end in the lab, for the block 185.230.72.0/22 recorded in the lab NetBox
as a new aggregate that AS64500 is to originate.

Due diligence asks an RDAP server, NSD (a blocklist zone, the reverse zones) and a lab CA (Krill's API, whose
ROAs the lab's StayRTR serves), all started on loopback by tests/lab/onboard_services.py, plus the lab IRRd and
RouteViews' real prefix-to-AS table of 2024-04-06, in which nobody announces the block. Check mode plans every
step and changes nothing; the run then creates the ROA at the CA and the route object in the IRRd, deploys the
filters and the announcement on r1 and r2, and transit (AS64496) must hold the block from AS64500, RPKI-valid;
a second run changes nothing. A block another AS announces stops the run after due diligence.
"""

from __future__ import annotations

import json

import pytest
from irr_lab import ONBOARDED, summary, wait_served
from lab_helpers import MANAGED, REPO, lab_api, running_configs
from onboard_services import onboard_services, record_block, vrp_file

pytestmark = pytest.mark.lab(changes=("irrd", "netbox", "routers"))

HOLDER = "routesec lab"
ROUTING_TABLE = REPO.parent / "shared" / "data" / "bgp" / "routeviews-rv2-20240406.pfx2as.gz"
SECTIONS = ("netbox", "rdap", "dnsbl", "reverse_dns", "rpki", "irr", "bgp")


@pytest.fixture
def onboarding(netbox, irrd, undo, tmp_path):
    """The block in NetBox, the routers at base, and the loopback services: (playbook variables, the lab CA)."""
    lab_api.reset()
    undo(lab_api.reset)
    undo(record_block(netbox, ONBOARDED))
    with onboard_services(tmp_path / "services", ONBOARDED, HOLDER) as (variables, ca):
        variables.update(routesec_routing_table=str(ROUTING_TABLE), routesec_report_dir=str(tmp_path / "report"))
        variables.update(routesec_irr_password=irrd["IRRD_LAB_PASSWORD"])
        yield variables, ca


def transit_paths():
    return [path["path"] for path in lab_api.bgp_table("transit", 4).get(ONBOARDED, [])]


def changed(run, action):
    return [result["result"].get("changed") for result in run.for_action(action)]


def test_check_mode_plans_every_step_then_the_run_onboards_the_block(playbook, onboarding, irrd, tmp_path):
    variables, ca = onboarding
    extra = ("-e", json.dumps(variables))
    configs, vrps = running_configs(), vrp_file().read_text()

    checked = playbook("onboard_block.yml", "--check", "--diff", *extra)
    assert checked.rc == 0, checked.output
    (diligence,) = [r["result"] for r in checked.for_action("due_diligence")]
    assert {name: diligence["checks"][name]["status"] for name in SECTIONS} == dict.fromkeys(SECTIONS, "ok")
    report = json.loads((tmp_path / "report" / "due-diligence.json").read_text())
    assert report["block"] == ONBOARDED and report["problems"] == [] and set(report["checks"]) == set(SECTIONS)
    assert "| bgp | ok |" in (tmp_path / "report" / "due-diligence.md").read_text()
    (roas,) = [r["result"] for r in checked.for_action("roa_plan")]
    assert roas["plan"]["add"] == [{"prefix": ONBOARDED, "maxLength": 22, "asn": 64500}] and not roas["submitted"]
    assert roas["origin_validation"] == {ONBOARDED: {"now": "not-found", "after": "valid"}}
    (objects,) = [r["result"] for r in checked.for_action("irr_route_objects")]
    (created,) = objects["plan"]["create"]
    assert "route:          %s\n" % ONBOARDED in created and "origin:         AS64500\n" in created, objects["plan"]
    assert objects["plan"]["delete"] == [] and objects["plan"]["modify"] == []
    assert not objects["submitted"]
    filters = checked.by_host("prefix_filter")
    announced = checked.by_host("announcement")
    for host in MANAGED:
        assert filters[host]["changed"] and "+ip prefix-list ROUTESEC-OWN-V4 seq" in filters[host]["diff"]["prepared"]
        assert "permit %s" % ONBOARDED in filters[host]["diff"]["prepared"]
        assert announced[host]["changed"] and announced[host]["plan"]["add"] == [ONBOARDED]
        assert "  network %s" % ONBOARDED in announced[host]["commands"]
        assert "network %s" % ONBOARDED in announced[host]["diff"]["after"]
    assert checked.for_action("announcement_check") == []  # skipped: nothing is announced in check mode
    assert running_configs() == configs and vrp_file().read_text() == vrps and ca.posts() == []
    assert transit_paths() == [] and not [key for key in summary(irrd) if ONBOARDED in key]

    applied = playbook("onboard_block.yml", *extra)
    assert applied.rc == 0, applied.output
    assert ca.roas == {(ONBOARDED, 22, 64500)}
    assert {"prefix": ONBOARDED, "maxLength": 22, "asn": "AS64500"} in json.loads(vrp_file().read_text())["roas"]
    wait_served(irrd, lambda got: "%s AS64500" % ONBOARDED in got)
    assert changed(applied, "announcement") == [True, True]
    for host in MANAGED:
        assert "network %s" % ONBOARDED in lab_api.running_config(host)
    (verified,) = [r["result"] for r in applied.for_action("announcement_check")]
    (check,) = verified["results"][0]["checks"]
    assert check == {
        "prefix": ONBOARDED,
        "origin": 64500,
        "seen": True,
        "origins": check["origins"],
        "rpki": "valid",
        "problems": [],
    }
    assert set(check["origins"]) == {64500}
    assert transit_paths() and all(path == "64500" for path in transit_paths())

    again = playbook("onboard_block.yml", *extra)
    assert again.rc == 0, again.output
    for action in ("roa_plan", "irr_route_objects", "prefix_filter", "announcement"):
        assert changed(again, action) and not any(changed(again, action)), action
    assert len(ca.posts()) == 1


def test_a_block_someone_else_announces_stops_after_due_diligence(playbook, onboarding, tmp_path):
    variables, ca = onboarding
    table = tmp_path / "pfx2as"
    table.write_text("185.230.73.0\t24\t64999\n")
    configs = running_configs()
    run = playbook("onboard_block.yml", "-e", json.dumps(dict(variables, routesec_routing_table=str(table))))
    assert run.rc != 0
    (failed,) = run.for_action("assert", status="failed")
    assert "bgp: 185.230.73.0/24 is announced (more-specific 185.230.73.0/24 from AS64999)" in failed["result"]["msg"]
    report = json.loads((tmp_path / "report" / "due-diligence.json").read_text())
    assert report["checks"]["bgp"]["status"] == "problem"
    assert run.for_action("roa_plan") == [] and run.for_action("announcement") == []
    assert ca.posts() == [] and running_configs() == configs
