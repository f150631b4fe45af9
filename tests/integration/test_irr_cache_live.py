# -*- coding: utf-8 -*-
"""Parallel connections and the answer cache against the lab's real IRRd.

A change made through IRRd's submission API must be seen by the next cached run;
a run on unchanged data must get the same result while asking next to nothing.
"""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.irr.cache import CachedClient
from ansible_collections.routesec.bgp.plugins.module_utils.irr.expand import prefixes_for_set
from ansible_collections.routesec.bgp.plugins.module_utils.irr.whois import WhoisClient
from lab_helpers import lab_env

pytestmark = pytest.mark.lab(changes=("irrd",))

SOURCES = "ROUTESEC-LAB,RIPE,RIPE-NONAUTH"
TEST_SET = "AS65000:AS-ROUTESEC-CACHE-TEST"


@pytest.fixture(scope="module")
def irrd():
    env = lab_env()
    return env["IRRD_HOST"], int(env["IRRD_WHOIS_PORT"]), env


def client(irrd, **options):
    return WhoisClient(irrd[0], irrd[1], sources=SOURCES, timeout=60, **options)


def submit(irrd, members, delete=False):
    env = irrd[2]
    text = "".join(
        "%-16s%s\n" % (key + ":", value)
        for key, value in (
            ("as-set", TEST_SET),
            ("descr", "routesec cache test"),
            ("members", ", ".join(members)),
            ("admin-c", "RLA1-ROUTESEC-LAB"),
            ("tech-c", "RLA1-ROUTESEC-LAB"),
            ("mnt-by", env["IRRD_LAB_MNTNER"]),
            ("source", "ROUTESEC-LAB"),
        )
    )
    body = {"objects": [{"object_text": text}], "passwords": [env["IRRD_LAB_PASSWORD"]]}
    if delete:
        body["delete_reason"] = "routesec cache test done"
    request = urllib.request.Request(
        "http://%s:%s/v1/submit/" % (irrd[0], env["IRRD_HTTP_PORT"]),
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="DELETE" if delete else "POST",
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        report = json.load(answer)
    assert report["summary"]["failed"] == 0, report


def served(irrd, members):
    """Wait until whois answers the test set with ``members`` on every worker.

    Each IRRd whois worker process refreshes its in-memory copy of the sets on its
    own after a change: ask on fresh connections until enough in a row agree.
    """
    wanted = {m.encode() for m in members}
    deadline = time.monotonic() + 60
    agreeing = 0
    while time.monotonic() < deadline and agreeing < 20:
        with client(irrd) as whois:
            answer = whois.query("!i%s" % TEST_SET)
        agreeing = agreeing + 1 if set((answer or b"").split()) == wanted else 0
        time.sleep(0 if agreeing else 0.5)
    if agreeing < 20:
        pytest.fail("IRRd did not serve %s with %s within 60 s" % (TEST_SET, members))


def test_parallel_connections_give_the_same_expansion_and_prefixes(irrd):
    with client(irrd) as one:
        single = prefixes_for_set(one, "AS-DECIX", allow_missing=True)
    with client(irrd, connections=4) as four:
        spread = prefixes_for_set(four, "AS-DECIX", allow_missing=True)
        assert four.connects == 4
    assert spread.expansion == single.expansion and spread.prefixes == single.prefixes
    assert len(spread.expansion.sets) > 500 and len(spread[4]) > 1000


def test_unchanged_irr_is_read_from_the_cache_and_a_change_is_seen(irrd, tmp_path):
    def cached_run():
        with CachedClient(client(irrd, connections=2), tmp_path, settle=0) as cached:
            found = prefixes_for_set(cached, TEST_SET, allow_missing=True)
        return found, cached.report(), cached.queries

    submit(irrd, ["AS65001", "AS-DECIX"])
    try:
        served(irrd, ["AS65001", "AS-DECIX"])
        cold, report, cold_queries = cached_run()
        assert report["saved"] and report["results_loaded"] == 0 and cold_queries > 500
        warm, report, warm_queries = cached_run()
        assert warm.expansion == cold.expansion and warm.prefixes == cold.prefixes
        assert report["results_loaded"] == 3 and warm_queries == 3  # !v, !s and the status !J
        assert 65001 in warm.expansion.asns and 65002 not in warm.expansion.asns

        submit(irrd, ["AS65001", "AS65002", "AS-DECIX"])
        served(irrd, ["AS65001", "AS65002", "AS-DECIX"])
        changed, report, _queries = cached_run()
        assert report["results_loaded"] == 0, "a change in ROUTESEC-LAB must discard the cache"
        assert changed.expansion.asns == cold.expansion.asns | {65002}
    finally:
        submit(irrd, ["AS65001", "AS65002", "AS-DECIX"], delete=True)


def test_a_source_that_just_changed_is_not_cached(irrd, tmp_path):
    submit(irrd, ["AS65001"])
    try:
        served(irrd, ["AS65001"])
        with CachedClient(client(irrd), tmp_path, settle=600) as cached:
            assert prefixes_for_set(cached, TEST_SET).expansion.asns == {65001}
        assert not cached.report()["saved"] and "source ROUTESEC-LAB changed" in cached.report()["reason"]
    finally:
        submit(irrd, ["AS65001"], delete=True)
