# -*- coding: utf-8 -*-
"""irr_route_objects against the lab: NetBox's prefixes become route objects, and our AS-SET lists our customer,
in the real IRRd through its submission API. Check mode sends nothing; submit creates; a second run sends nothing;
a changed descr modifies; a route object of ours NetBox no longer asks for is deleted; another maintainer's object
is left alone; a wrong password, a registry that is down and an RPKI conflict each end with a clear result and
nothing half-applied."""

from __future__ import annotations

import json
import time

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.irr.rpsl import parse_objects, route_object
from irr_lab import MEMBERS, OUR_SET, PREFIXES, SOURCE, UNANNOUNCED, served, submitter, summary, wait_served
from ports import free_port

pytestmark = pytest.mark.lab(reads=("netbox",), changes=("irrd",))

PLAYBOOK = "tests/integration/playbooks/irr_route_objects.yml"
RENAMED = json.dumps({"routesec_descr": "routesec lab, renamed"})


def result_of(run):
    (task,) = run.for_action("irr_route_objects")
    return task["result"]


def expected(descr):
    """What the module registers for the lab NetBox, with ``descr`` where NetBox has no description."""
    found = {"%s AS64500" % p: descr for p in PREFIXES}
    found["185.230.79.0/24 AS64500"] = "routesec lab: customer PoP"  # the NetBox prefix's description
    found[OUR_SET] = descr
    return found


def test_create_then_nothing_then_modify_then_delete(playbook, irrd):
    checked = playbook(PLAYBOOK, "--check", "-e", "routesec_submit=true", env=irrd)
    assert checked.rc == 0, checked.output
    result = result_of(checked)
    assert result["changed"] and not result["submitted"] and len(result["plan"]["create"]) == 5
    assert "members:        AS65000:AS-CUSTOMERS" in "".join(result["plan"]["create"])
    assert served(irrd) == [] and irrd["IRRD_LAB_PASSWORD"] not in checked.output

    applied = playbook(PLAYBOOK, "-e", "routesec_submit=true", env=irrd)
    result = result_of(applied)
    assert applied.rc == 0 and result["submitted"], applied.output
    assert sorted(r["result"] for r in result["results"]) == ["created"] * 5
    wait_served(irrd, expected("routesec lab"))
    assert summary(irrd)[OUR_SET][2] == tuple(MEMBERS)

    again = result_of(playbook(PLAYBOOK, "-e", "routesec_submit=true", env=irrd))
    assert not again["changed"] and not again["submitted"] and again["plan"]["unchanged"] == 5

    changed = playbook(PLAYBOOK, "-e", "routesec_submit=true", "-e", RENAMED, env=irrd)
    result = result_of(changed)
    assert changed.rc == 0, changed.output
    assert sorted(r["result"] for r in result["results"]) == ["modified"] * 4  # not the one NetBox describes
    wait_served(irrd, expected("routesec lab, renamed"))

    stale = route_object(UNANNOUNCED, 64500, irrd["IRRD_LAB_MNTNER"], SOURCE, ["no longer announced"])
    assert submitter(irrd).submit([("create", stale)])[0]["result"] == "created"
    wait_served(irrd, lambda got: "%s AS64500" % UNANNOUNCED in got)
    pruned = playbook(PLAYBOOK, "-e", "routesec_submit=true", "-e", RENAMED, env=irrd)
    result = result_of(pruned)
    assert pruned.rc == 0, pruned.output
    assert [(r["action"], r["result"], r["key"][1]) for r in result["results"]] == [("delete", "deleted", UNANNOUNCED)]
    wait_served(irrd, expected("routesec lab, renamed"))


def test_an_object_held_by_another_maintainer_is_left_alone_and_refused_to_us(playbook, irrd):
    other = route_object("185.230.79.0/24", 64500, irrd["IRRD_OTHER_MNTNER"], SOURCE, ["someone else's"])
    assert submitter(irrd, irrd["IRRD_OTHER_PASSWORD"]).submit([("create", other)])[0]["result"] == "created"
    wait_served(irrd, lambda got: got.get("185.230.79.0/24 AS64500", (None,))[0] == "someone else's")

    run = playbook(PLAYBOOK, "-e", "routesec_submit=true", env=irrd)
    result = result_of(run)
    assert run.rc == 0, run.output
    assert "185.230.79.0/24 AS64500 is held by another maintainer (MAINT-ROUTESEC-OTHER): left alone" in run.output
    assert [parse_objects(t)[0].first("mnt-by") for t in result["plan"]["foreign"]] == ["MAINT-ROUTESEC-OTHER"]
    assert sorted(r["result"] for r in result["results"]) == ["created"] * 4
    wait_served(irrd, lambda got: got["185.230.79.0/24 AS64500"][:2] == ("someone else's", "MAINT-ROUTESEC-OTHER"))

    # A plan made before the other holder registered it: the registry refuses our creation, for that object.
    (refused,) = submitter(irrd).submit(
        [("create", route_object("185.230.79.0/24", 64500, irrd["IRRD_LAB_MNTNER"], SOURCE, ["ours"]))]
    )
    assert refused["result"] == "failed" and any("MAINT-ROUTESEC-OTHER" in m for m in refused["messages"]), refused


def test_a_wrong_password_fails_each_object_and_changes_nothing(playbook, irrd):
    wrong = "not-the-lab-password"
    run = playbook(PLAYBOOK, "-e", "routesec_submit=true", "-e", "routesec_irr_password=%s" % wrong, env=irrd)
    result = result_of(run)
    assert run.rc != 0 and result["submitted"] and "the registry refused" in result["msg"]
    assert [r["result"] for r in result["results"]] == ["failed"] * 5
    assert all(any("uthoris" in m for m in r["messages"]) for r in result["results"]), result["results"]
    assert wrong not in run.output
    time.sleep(2)
    assert served(irrd) == []


def test_a_registry_that_is_down_is_reported_with_nothing_applied(playbook, irrd):
    port = free_port()  # nothing listens on it
    run = playbook(
        PLAYBOOK, "-e", "routesec_submit=true", "-e", "routesec_submit_url=http://127.0.0.1:%d" % port, env=irrd
    )
    result = result_of(run)
    assert run.rc != 0 and "could not be reached" in result["msg"] and "were not applied" in result["msg"]
    assert result["applied"] == [] and result["unknown"] == [] and len(result["not_applied"]) == 5
    assert served(irrd) == []

    down = dict(irrd, IRRD_WHOIS_PORT=str(port))
    reading = playbook(PLAYBOOK, env=down)
    assert reading.rc != 0 and "127.0.0.1:%d" % port in result_of(reading)["msg"], reading.output


def test_an_rpki_invalid_object_stops_the_run_before_anything_is_sent(playbook, irrd, tmp_path):
    vrps = tmp_path / "vrps.json"
    vrps.write_text(json.dumps({"roas": [{"prefix": "185.230.79.0/24", "maxLength": 24, "asn": 65010}]}))
    run = playbook(PLAYBOOK, "-e", "routesec_submit=true", "-e", "routesec_current_vrps=%s" % vrps, env=irrd)
    result = result_of(run)
    assert run.rc != 0 and "RPKI-invalid route objects" in result["msg"]
    assert "185.230.79.0/24 AS64500" in result["msg"] and served(irrd) == []


def test_the_playbook_shows_the_plan_in_check_mode_and_sends_nothing(playbook, irrd):
    run = playbook("route_objects.yml", "--check", "--diff", "-e", "routesec_submit=true", env={"IRR_PASSWORD": "x"})
    assert run.rc == 0, run.output
    assert len(result_of(run)["plan"]["create"]) == 5
    assert "+as-set:         AS64500:AS-ROUTESEC-LAB" in run.output  # the --diff of the plan
    assert served(irrd) == []
