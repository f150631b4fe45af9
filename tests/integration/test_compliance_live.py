# -*- coding: utf-8 -*-
"""playbooks/compliance.yml against the lab: on a clean lab (our filters on r1 and r2, both with their RTR
session and the origin-validation policy on the routes from exa, a ROA and a route object for every prefix
NetBox has us announce) it finds nothing; with five problems seeded (a prefix without its ROA, a route object
with the wrong origin, a router whose filter drifted and which no longer applies its origin-validation
policy, a router without RTR) it finds exactly those, fails the run, and writes JSON, JUnit XML and HTML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.irr.rpsl import route_object
from irr_lab import SOURCE, submitter, wait_served
from lab_helpers import lab_api

pytestmark = pytest.mark.lab(changes=("irrd", "netbox", "routers"))

RTR_CONFIG = "tests/integration/playbooks/rov_config.yml"
DRIFT = "ip prefix-list ROUTESEC-OWN-V4 seq 9999 permit 10.99.0.0/16"
WRONG_ORIGIN = ("185.230.79.0/24", 64999)
WIDE = ("-e", "routesec_wide_max_length=true")
# The origin-validation policy on the routes from exa (the peer whose routes r1 and r2 validate).
ROV_IN = (
    "router bgp 64500\n address-family ipv4 unicast\n  {no}neighbor 198.18.0.100 route-map ROUTESEC-ROV in\n"
    " exit-address-family\n address-family ipv6 unicast\n  {no}neighbor fdff:5e5::100 route-map ROUTESEC-ROV in\n"
    " exit-address-family\nexit"
)  # the lab NetBox asks for 185.230.76.0/22 up to /23


def result_of(run, action):
    (task,) = run.for_action(action)
    return task["result"]


@pytest.fixture
def clean_lab(playbook, base_routers, rtr_service, irrd, tmp_path):
    """The lab as compliance wants it; yields (the VRP file, the IRR settings, the ROAs NetBox asks for)."""
    filters = playbook("own_prefix_filters.yml")
    assert filters.rc == 0, filters.output
    config = result_of(playbook(RTR_CONFIG), "rov_config")["devices"]
    for node in ("r1", "r2"):
        output = lab_api.vtysh(node, "configure terminal\n" + config[node]["config"] + ROV_IN.format(no=""))
        assert "%" not in output, output
    roas = result_of(playbook("roa_plan.yml", *WIDE), "roa_plan")["roas"]
    vrps = tmp_path / "vrps.json"
    vrps.write_text(json.dumps({"roas": [dict(r, asn="AS%d" % r["asn"]) for r in roas]}))
    objects = playbook(
        "route_objects.yml", "-e", "routesec_submit=true", env={"IRR_PASSWORD": irrd["IRRD_LAB_PASSWORD"]}
    )
    assert objects.rc == 0, objects.output
    wait_served(irrd, lambda got: all("%s AS64500" % r["prefix"] in got for r in roas))
    yield vrps, irrd, roas


def compliance(playbook, vrps, report_dir, *args):
    variables = {"routesec_current_vrps": str(vrps), "routesec_report_dir": str(report_dir)}
    run = playbook("compliance.yml", *WIDE, "-e", json.dumps(variables), *args)
    return run, result_of(run, "compliance")


def test_clean_lab_then_four_seeded_problems(playbook, clean_lab, tmp_path):
    vrps, irrd, roas = clean_lab
    run, result = compliance(playbook, vrps, tmp_path / "clean")
    assert run.rc == 0 and result["findings"] == [], run.output
    summary_now = result["summary"]
    assert summary_now["prefixes"] == len(roas) == summary_now["with_roa"] == summary_now["with_route_object"]
    checked, result = compliance(playbook, vrps, tmp_path / "checked", "--check")
    assert checked.rc == 0 and result["summary"] == summary_now and "files" not in result, checked.output
    assert not (tmp_path / "checked").exists()  # check mode writes no report

    missing = roas[0]
    vrps.write_text(json.dumps({"roas": [dict(r, asn="AS%d" % r["asn"]) for r in roas[1:]]}))
    wrong = route_object(WRONG_ORIGIN[0], WRONG_ORIGIN[1], irrd["IRRD_LAB_MNTNER"], SOURCE, ["wrong origin"])
    assert submitter(irrd).submit([("create", wrong)])[0]["result"] == "created"
    wait_served(irrd, lambda got: "%s AS%d" % WRONG_ORIGIN in got)
    lab_api.vtysh("r1", "configure terminal\n" + DRIFT + "\n" + ROV_IN.format(no="no "))
    lab_api.vtysh("r2", "configure terminal\nrpki\nno rpki cache %s %d preference 1\nexit" % lab_api.RTR_CACHE)

    run, result = compliance(playbook, vrps, tmp_path / "seeded")
    assert run.rc != 0 and "findings at or above high" in result["msg"], run.output
    found = sorted((f["check"], f["subject"]) for f in result["findings"])
    assert found == [
        ("filter-drift", "r1 ROUTESEC-OWN-V4"),
        ("roa-missing", "%s AS%d" % (missing["prefix"], missing["asn"])),
        ("route-object-wrong-origin", WRONG_ORIGIN[0]),
        ("rov-policy-missing", "r1"),
        ("rtr-missing", "r2"),
    ], result["findings"]
    assert "permit 10.99.0.0/16" in next(f["message"] for f in result["findings"] if f["check"] == "filter-drift")

    report = tmp_path / "seeded"
    data = json.loads((report / "compliance.json").read_text())
    assert sorted((f["check"], f["subject"]) for f in data["findings"]) == found
    suite = ET.parse(report / "compliance.xml").getroot()
    assert len(suite.findall(".//failure")) == 5
    html = (report / "compliance.html").read_text()
    assert html.count('class="finding severity-') == 5 and "10.99.0.0/16" in html
