# -*- coding: utf-8 -*-
"""IrrdSubmitter against the lab's real IRRd: create, modify and delete, checked over whois."""

from __future__ import annotations

import time

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.irr.rpsl import as_set_object, parse_objects, route_object
from ansible_collections.routesec.bgp.plugins.module_utils.irr.submit import IrrdSubmitter, SubmitError
from ansible_collections.routesec.bgp.plugins.module_utils.irr.whois import WhoisClient
from lab_helpers import lab_env
from ports import free_port

pytestmark = pytest.mark.lab(changes=("irrd",))

SOURCE = "ROUTESEC-LAB"
PREFIX, ORIGIN = "192.0.2.128/25", 64510
SET = "AS64510:AS-ROUTESEC-SUBMIT-TEST"
CONTACTS = (("admin-c", "RLA1-ROUTESEC-LAB"), ("tech-c", "RLA1-ROUTESEC-LAB"))


@pytest.fixture(scope="module")
def lab():
    return lab_env()


def objects(lab, descr):
    mntner = lab["IRRD_LAB_MNTNER"]
    return [
        route_object(PREFIX, ORIGIN, mntner, SOURCE, descr=[descr]),
        as_set_object(SET, ["AS64510"], mntner, SOURCE, descr=[descr], contacts=CONTACTS),
    ]


def submitter(lab, password=None):
    url = "http://%s:%s/" % (lab["IRRD_HOST"], lab["IRRD_HTTP_PORT"])
    return IrrdSubmitter(url, password=password or lab["IRRD_LAB_PASSWORD"], timeout=60)


def lookup(lab):
    """The descr of the test route and as-set as one fresh whois connection sees them (None if absent)."""
    with WhoisClient(lab["IRRD_HOST"], int(lab["IRRD_WHOIS_PORT"]), sources=SOURCE, timeout=30) as whois:
        found = []
        for query in ("!r%s" % PREFIX, "!m%s,%s" % ("as-set", SET)):
            answer = whois.query(query)
            objs = [o for o in parse_objects((answer or b"").decode()) if o.first("source") == SOURCE]
            if query.startswith("!r"):
                objs = [o for o in objs if o.first("origin") == "AS%d" % ORIGIN]
            found.append(objs[0].first("descr") if objs else None)
    return tuple(found)


def served(lab, wanted):
    """Wait until every IRRd whois worker answers ``wanted``: 20 fresh connections in a row agree."""
    deadline, agreeing = time.monotonic() + 60, 0
    while time.monotonic() < deadline and agreeing < 20:
        agreeing = agreeing + 1 if lookup(lab) == wanted else 0
        time.sleep(0 if agreeing else 0.5)
    if agreeing < 20:
        pytest.fail("IRRd did not serve %r within 60 s (last: %r)" % (wanted, lookup(lab)))


@pytest.fixture
def clean(lab):
    """Make sure the test objects are absent before and after, whatever happens in the test."""

    def remove():
        for obj in objects(lab, "cleanup"):
            try:
                submitter(lab).submit([("delete", obj)])  # fails harmlessly when absent
            except SubmitError:
                pass

    remove()
    served(lab, (None, None))
    yield
    remove()


def test_create_modify_delete_are_reported_and_served(lab, clean):
    sub = submitter(lab)
    created = sub.submit([("create", obj) for obj in objects(lab, "routesec submit test")])
    assert [r["result"] for r in created] == ["created", "created"], created
    served(lab, ("routesec submit test", "routesec submit test"))

    same = sub.submit([("modify", obj) for obj in objects(lab, "routesec submit test")])
    assert [r["result"] for r in same] == ["no change", "no change"], same

    modified = sub.submit([("modify", obj) for obj in objects(lab, "routesec submit test, changed")])
    assert [r["result"] for r in modified] == ["modified", "modified"], modified
    served(lab, ("routesec submit test, changed",) * 2)

    deleted = sub.submit([("delete", obj) for obj in objects(lab, "routesec submit test, changed")])
    assert [(r["action"], r["result"]) for r in deleted] == [("delete", "deleted")] * 2, deleted
    served(lab, (None, None))


def test_a_wrong_password_fails_each_object_and_changes_nothing(lab, clean):
    wrong = "not-the-lab-password"
    results = submitter(lab, password=wrong).submit([("create", obj) for obj in objects(lab, "must not exist")])
    assert [r["result"] for r in results] == ["failed", "failed"], results
    assert all(any("uthoris" in m for m in r["messages"]) for r in results), results
    assert wrong not in repr(results)
    time.sleep(2)
    assert lookup(lab) == (None, None)


def test_a_closed_port_is_a_clear_error(lab):
    port = free_port()  # nothing listens on it
    sub = IrrdSubmitter("http://127.0.0.1:%d/" % port, password=lab["IRRD_LAB_PASSWORD"], timeout=10)
    with pytest.raises(SubmitError, match="could not be reached.*were not applied") as raised:
        sub.submit([("create", objects(lab, "never")[0])])
    assert lab["IRRD_LAB_PASSWORD"] not in str(raised.value) and lab["IRRD_LAB_PASSWORD"] not in repr(sub)
