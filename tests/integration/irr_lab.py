# -*- coding: utf-8 -*-
"""The lab IRRd for the tests that write to it: what the lab NetBox's objects are, a submitter with the lab
maintainer's password, what IRRd serves for them over whois, and a clean-up that leaves it as it was."""

from __future__ import annotations

import time

from ansible_collections.routesec.bgp.plugins.module_utils.irr.rpsl import parse_objects
from ansible_collections.routesec.bgp.plugins.module_utils.irr.submit import IrrdSubmitter
from ansible_collections.routesec.bgp.plugins.module_utils.irr.whois import WhoisClient

KEYS = ("IRRD_HOST", "IRRD_WHOIS_PORT", "IRRD_HTTP_PORT", "IRRD_LAB_MNTNER", "IRRD_LAB_PASSWORD")
KEYS += ("IRRD_OTHER_MNTNER", "IRRD_OTHER_PASSWORD")

PREFIXES = ("185.230.76.0/22", "185.230.79.0/24", "2a0f:b300::/32", "2a0f:b300:100::/48")  # the lab NetBox's
UNANNOUNCED = "185.230.78.0/24"  # in the lab NetBox, not tagged routesec-announce
ONBOARDED = "185.230.72.0/22"  # the block the onboarding tests record in NetBox
OUR_SET, MEMBERS = "AS64500:AS-ROUTESEC-LAB", ["AS64500", "AS65000:AS-CUSTOMERS"]  # the lab NetBox's
SOURCE = "ROUTESEC-LAB"


def clean(lab):
    """Delete what these tests create (ours, and the other maintainer's), then wait until no worker serves it."""
    held = served(lab)
    for mntner, password in (
        (lab["IRRD_LAB_MNTNER"], lab["IRRD_LAB_PASSWORD"]),
        (lab["IRRD_OTHER_MNTNER"], lab["IRRD_OTHER_PASSWORD"]),
    ):
        mine = [obj for obj in held if obj.first("mnt-by") == mntner]
        if mine:
            submitter(lab, password).submit([("delete", obj) for obj in mine])
    wait_served(lab, {})


def submitter(lab, password=None):
    url = "http://%s:%s" % (lab["IRRD_HOST"], lab["IRRD_HTTP_PORT"])
    return IrrdSubmitter(url, password=password or lab["IRRD_LAB_PASSWORD"], timeout=60)


def served(lab):
    """The route objects the lab IRRd holds for the lab NetBox's prefixes (and UNANNOUNCED, ONBOARDED), and our
    AS-SET."""
    queries = ["!r%s" % p for p in PREFIXES + (UNANNOUNCED, ONBOARDED)] + ["!mas-set,%s" % OUR_SET]
    with WhoisClient(lab["IRRD_HOST"], int(lab["IRRD_WHOIS_PORT"]), sources=SOURCE) as client:
        answers = client.query_many(queries)
    return [obj for answer in answers if answer for obj in parse_objects(answer.decode())]


def summary(lab):
    """key text -> (descr, mnt-by, members) of what the lab IRRd serves."""
    return {" ".join(o.key[1:]): (o.first("descr"), o.first("mnt-by"), tuple(o.values("members"))) for o in served(lab)}


def wait_served(lab, check, seconds=60):
    """Wait until 10 fresh whois connections in a row serve what ``check`` (a dict of key text -> descr, or a
    callable on the summary) expects: every IRRd whois worker refreshes on its own."""
    test = check if callable(check) else (lambda got: {k: v[0] for k, v in got.items()} == check)
    deadline, agreeing = time.monotonic() + seconds, 0
    while agreeing < 10:
        got = summary(lab)
        agreeing = agreeing + 1 if test(got) else 0
        assert time.monotonic() < deadline, "IRRd serves %r" % got
        time.sleep(0 if agreeing else 0.5)
