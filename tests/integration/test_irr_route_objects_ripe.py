# -*- coding: utf-8 -*-
"""irr_route_objects with registry_api=ripe: the lab NetBox's route objects and AS-SET planned against, and
submitted to, the RIPE Database REST API's contract-test server (tests/unit/ripe_db_server.py, written from
RIPE's published API documentation; no real RIPE Database is reached)."""

from __future__ import annotations

import json
import sys

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.irr.rpsl import route_object
from lab_helpers import REPO, lab_env

sys.path.insert(0, str(REPO / "tests" / "unit"))
from ripe_db_server import RipeDbServer  # the contract-test server of the unit tests

pytestmark = pytest.mark.lab(reads=("irrd", "netbox"))

PLAYBOOK = "tests/integration/playbooks/irr_route_objects.yml"
PASSWORD = "ripe-contract-Secret"
KEYS = ("185.230.76.0/22AS64500", "185.230.79.0/24AS64500", "2A0F:B300::/32AS64500", "2A0F:B300:100::/48AS64500")


@pytest.fixture
def playbook(playbook):
    """The lab's playbook run with the lab maintainer's name from the lab's environment."""
    env = {key: lab_env()[key] for key in ("IRRD_HOST", "IRRD_WHOIS_PORT", "IRRD_HTTP_PORT", "IRRD_LAB_MNTNER")}
    return lambda *arguments: playbook(*arguments, env=env)


@pytest.fixture
def ripe():
    server = RipeDbServer("RIPE").start()
    server.add_mntner(lab_env()["IRRD_LAB_MNTNER"], password=PASSWORD)
    server.add_mntner("MAINT-ROUTESEC-OTHER", password="theirs")
    yield server
    server.stop()


def args(server, *extra):
    base = {"routesec_registry_api": "ripe", "routesec_source": "RIPE", "routesec_submit_url": server.url}
    base.update({"routesec_irr_password": PASSWORD, "routesec_submit": True}, **dict(extra))
    return ["-e", json.dumps(base)]


def writes(server):
    return [(r["method"], r["path"]) for r in server.received if r["method"] != "GET"]


def result_of(run):
    (task,) = run.for_action("irr_route_objects")
    return task["result"]


def test_check_mode_reads_only_then_submit_creates_then_nothing_then_modify(playbook, ripe):
    checked = playbook(PLAYBOOK, "--check", *args(ripe))
    assert checked.rc == 0, checked.output
    assert len(result_of(checked)["plan"]["create"]) == 5 and writes(ripe) == [] and ripe.received

    applied = playbook(PLAYBOOK, *args(ripe))
    result = result_of(applied)
    assert applied.rc == 0, applied.output
    assert [r["result"] for r in result["results"]] == ["created"] * 5
    assert writes(ripe) == [("POST", "/RIPE/as-set")] + [("POST", "/RIPE/route")] * 2 + [("POST", "/RIPE/route6")] * 2
    assert all(ripe.held(kind, key) for kind, key in [("route", KEYS[0]), ("route6", KEYS[3])])
    members = [v for n, v in ripe.held("as-set", "AS64500:AS-ROUTESEC-LAB") if n == "members"]
    assert members == ["AS64500", "AS65000:AS-CUSTOMERS"]
    assert PASSWORD not in applied.output

    count = len(writes(ripe))
    again = playbook(PLAYBOOK, *args(ripe))
    assert again.rc == 0 and not result_of(again)["changed"] and len(writes(ripe)) == count, again.output

    renamed = playbook(PLAYBOOK, *args(ripe, ("routesec_descr", "renamed")))
    result = result_of(renamed)
    assert renamed.rc == 0 and [r["result"] for r in result["results"]] == ["modified"] * 4, renamed.output
    assert {m for m, _p in writes(ripe)[count:]} == {"PUT"} and dict(ripe.held("route", KEYS[0]))["descr"] == "renamed"


def test_another_maintainers_object_is_left_alone_and_a_wrong_password_fails_each_object(playbook, ripe):
    theirs = route_object("185.230.79.0/24", 64500, "MAINT-ROUTESEC-OTHER", "RIPE", ["theirs"])
    ripe.add(theirs)
    run = playbook(PLAYBOOK, *args(ripe, ("routesec_irr_password", "wrong-password")))
    result = result_of(run)
    assert run.rc != 0 and "held by another maintainer (MAINT-ROUTESEC-OTHER): left alone" in run.output
    assert [r["result"] for r in result["results"]] == ["failed"] * 4
    assert all("Authorisation" in " ".join(r["messages"]) for r in result["results"]), result["results"]
    assert dict(ripe.held("route", KEYS[1]))["mnt-by"] == "MAINT-ROUTESEC-OTHER"
    assert ripe.held("route", KEYS[0]) is None and "wrong-password" not in run.output


def test_a_registry_failing_mid_way_says_what_was_applied_unknown_and_not_sent(playbook, ripe):
    playbook(PLAYBOOK, "--check", *args(ripe))
    reads = len(ripe.received)
    ripe.fail("status", 503, b"Service Unavailable", after=reads + 1)  # the second write of the next run
    run = playbook(PLAYBOOK, *args(ripe))
    result = result_of(run)
    assert run.rc != 0 and "may or may not have been applied" in result["msg"], run.output
    assert [r["result"] for r in result["applied"]] == ["created"]
    assert result["unknown"] == ["route 185.230.76.0/22 AS64500"] and len(result["not_applied"]) == 3
    assert ripe.held("as-set", "AS64500:AS-ROUTESEC-LAB") and ripe.held("route", KEYS[1]) is None
