# -*- coding: utf-8 -*-
"""Parity of routesec's AS-SET expansion with bgpq4, against the lab's real IRRd and real RIPE data.

Needs the lab IRRd (``bash tests/lab/irrd.sh up``: ``$STATE/irrd.env``) and bgpq4 on
the PATH; fails, does not skip, when either is missing.

Two independent comparisons per set and address family:

- routesec's client-side walk + ``!g``/``!6`` per AS number, against plain
  ``bgpq4 -S ...`` which (IRRd 4, no ``-L``) asks the server for the whole set
  in one ``!a4``/``!a6`` query: two different paths through the same data. Only
  for sets whose walk reached the bottom within max_depth (``!a`` has no limit).
- routesec's walk with ``max_depth=N`` against ``bgpq4 -L N -p``, which walks the
  set on the client with ``!i`` like routesec. ``-L N`` expands the same levels
  as ``max_depth=N`` (the named set is level 1; bgpq4 expands a set at 0-based
  depth d while d < N). ``-p`` because without it bgpq4's client-side walk drops
  private and reserved AS numbers (64496-65551, 4200000000 and up) while its
  ``!a`` path keeps them, as routesec does; test_bgpq4_without_p_drops_... shows
  the difference is exactly that.

Missing member sets and loops need no adjustment: both tools skip a set the IRR
does not know and expand every set once. The comparisons are of plain prefix
lists (bgpq4 without ``-A``); test_aggregated_like_bgpq4 then checks
``prefix_ops.aggregate`` of routesec's prefixes against ``bgpq4 -A``, entry for
entry and in order, on real sets.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.intent.prefix_ops import aggregate
from ansible_collections.routesec.bgp.plugins.module_utils.irr.expand import (
    IncompleteSetError,
    check_complete,
    collect_prefixes,
    collect_prefixes_for_set,
    expand_as_set,
)
from ansible_collections.routesec.bgp.plugins.module_utils.irr.whois import WhoisClient
from ansible_collections.routesec.bgp.plugins.module_utils.render import renderer

pytestmark = pytest.mark.lab(reads=("irrd-daemon",))

SOURCES = "RIPE,RIPE-NONAUTH"
MAX_DEPTH = 20
BGPQ4 = "bgpq4"

# (AS-SET, why it is here). Figures are from the 2024-01 RIPE dump as loaded in the lab.
SETS = [
    ("AS-DFNFROMCOLOGNE", "tiny: two AS numbers, one level"),
    ("AS-TMPEBONECWIX", "flat: 24 AS numbers, no member sets"),
    ("AS-RESTENA", "small nested: two member sets, two levels"),
    ("AS-FREENET", "small, three levels, 32-bit AS numbers"),
    ("AS-PEERING-TESTBED", "members also by reference: mbrs-by-ref + member-of on aut-nums"),
    ("AS-ISEUROPE", "exists with no members: empty on both sides, not missing"),
    ("AS-KLINGLER", "only private AS numbers (64512-65534): kept by bgpq4 -p and by !a"),
    ("AS-WE-SPEAK", "one private AS number"),
    ("AS-RIKSNET", "lists itself: IRRd's !i leaves a set's own name out, so this self-loop never shows"),
    ("AS-NIS", "two sets that contain each other (AS-NIS <-> AS-MEGAMAX)"),
    ("AS-P2W", "a loop through a member set (AS-P2W -> AS-STUEBERL -> AS-P2W), three levels"),
    ("AS-WORLD", "six member sets the IRR does not hold (other registries), six levels"),
    ("AS15562:AS-LEVEL19", "a 19-level chain: inside max_depth 20"),
    ("AS15562:AS-LEVEL20", "a 20-level chain: exactly max_depth 20"),
    ("AS15562:AS-LEVEL21", "a 21-level chain: one level beyond max_depth, cut"),
    ("AS15562:AS-LEVEL300", "a 300-level chain: cut at 20 and reported"),
    ("AS-TELENOR", "medium, 14 levels, loops and missing members"),
    ("AS-ASTPEERIT", "medium, 15 levels"),
    ("AS-SEABONECUSTIT", "medium, 15 levels, one private AS number"),
    ("AS-BELBONETOPEERS", "large-ish: 4,500 AS numbers, 14 levels"),
    ("AS-HOUSINGCITY", "16 levels deep, 2,600 AS numbers"),
    ("AS24748:AS-CUSTOMERS:AS8308", "three-part hierarchical name: 164 AS numbers, 159 sets, 6 levels"),
    ("AS8308:AS-CUSTOMERS:AS-RECEIVED", "hierarchical name with two set components"),
    ("AS-DECIX", "large IX set: 45,000 AS numbers, 13,000 sets"),
    ("AS3326:AS-PEERS-UAE", "the largest: 51,000 AS numbers, 13,000 sets"),
]
# Sets run with ``bgpq4 -L`` too (its client-side walk is slow on the largest sets).
LARGEST = ("AS-DECIX", "AS3326:AS-PEERS-UAE")
WALK_WITH_BGPQ4 = [entry[0] for entry in SETS if entry[0] not in LARGEST]


def irrd_env():
    state = Path(os.environ.get("ROUTESEC_LAB_STATE", "/run/routesec-lab"))
    path = state / "irrd.env"
    if not path.exists():
        pytest.fail("the lab IRRd is not up (no %s): run `bash tests/lab/irrd.sh up` first" % path)
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#"))
    env = {key.strip(): value.strip().strip('"') for key, value in pairs}
    return env["IRRD_HOST"], int(env["IRRD_WHOIS_PORT"])


@pytest.fixture(scope="module")
def server():
    if shutil.which(BGPQ4) is None:
        pytest.fail("bgpq4 is not installed (apt-get install bgpq4)")
    return irrd_env()


@pytest.fixture(scope="module")
def client(server):
    with WhoisClient(server[0], server[1], sources=SOURCES, timeout=60) as whois:
        yield whois


def bgpq4(server, name, afi, *options):
    """The prefixes bgpq4 prints for ``name``, one per line (``-F "%n/%l\\n"``, no aggregation)."""
    command = [BGPQ4, "-h", "%s:%d" % server, "-S", SOURCES, "-%d" % afi, "-F", "%n/%l\n", *options, name]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, "%s failed: %s" % (" ".join(command), run.stderr[-2000:])
    return {ipaddress.ip_network(line) for line in run.stdout.split()}


@pytest.fixture(scope="module")
def walks():
    """Expansions by set name, prefixes by (set name, afi): the largest sets take seconds each."""
    return {}


def walk(client, walks, name):
    """routesec's walk with max_depth 20, once per set."""
    if name not in walks:
        walks[name] = expand_as_set(client, name, max_depth=MAX_DEPTH)
    return walks[name]


def bgpq4_aggregated(server, name, afi):
    """bgpq4 -A's entries (Cisco output, read back with routesec's IOS parser), in its order."""
    command = [BGPQ4, "-h", "%s:%d" % server, "-S", SOURCES, "-%d" % afi, "-A", name]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, "%s failed: %s" % (" ".join(command), run.stderr[-2000:])
    return list(renderer("cisco_ios").parse_prefix_lists(run.stdout).get((afi, "NN"), {}).values())


def routesec(client, walks, name, afi):
    """The walk and the prefixes of its AS numbers (!g/!6 per AS number), once per set and family."""
    expansion = walk(client, walks, name)
    if (name, afi) not in walks:
        walks[name, afi] = collect_prefixes(client, expansion.asns, afi)
    return expansion, walks[name, afi]


@pytest.mark.parametrize("afi", [4, 6])
@pytest.mark.parametrize("name", [entry[0] for entry in SETS])
def test_same_prefixes_as_bgpq4_from_the_server_side_expansion(server, client, walks, name, afi):
    expansion, ours = routesec(client, walks, name, afi)
    if expansion.too_deep:
        # bgpq4 without -L (the !a path) has no depth limit: the comparison is with -L below.
        assert name.startswith("AS15562:AS-LEVEL") and int(name.rsplit("LEVEL", 1)[1]) > MAX_DEPTH
        return
    assert ours == bgpq4(server, name, afi)


@pytest.mark.parametrize("afi", [4, 6])
@pytest.mark.parametrize("name", WALK_WITH_BGPQ4)
def test_same_prefixes_as_bgpq4_walking_with_the_same_depth_limit(server, client, walks, name, afi):
    _expansion, ours = routesec(client, walks, name, afi)
    assert ours == bgpq4(server, name, afi, "-L", str(MAX_DEPTH), "-p")


@pytest.mark.parametrize("afi", [4, 6])
@pytest.mark.parametrize("name", ["AS-TELENOR", "AS-BELBONETOPEERS", "AS-HOUSINGCITY", "AS3326:AS-PEERS-UAE"])
def test_aggregated_like_bgpq4(server, client, walks, name, afi):
    _expansion, ours = routesec(client, walks, name, afi)
    theirs = bgpq4_aggregated(server, name, afi)
    if afi == 4:
        assert len(theirs) < len(ours)  # something was aggregated (the IPv6 lists are tiny)
    assert aggregate(ours) == theirs


def test_the_300_level_chain_is_cut_and_reported(server, client):
    expansion = expand_as_set(client, "AS15562:AS-LEVEL300", max_depth=MAX_DEPTH)
    assert expansion.depth == MAX_DEPTH
    assert expansion.too_deep == ("AS15562:AS-LEVEL280",)
    assert expansion.asns == frozenset()  # the chain's only AS number, AS15562, is in AS-LEVEL1
    assert not expansion.complete
    # bgpq4 -L 20 cuts at the same place (nothing), bgpq4 without -L goes to the bottom.
    assert bgpq4(server, "AS15562:AS-LEVEL300", 4, "-L", str(MAX_DEPTH)) == set()
    whole = expand_as_set(client, "AS15562:AS-LEVEL300", max_depth=300)
    assert whole.complete and whole.depth == 300 and whole.asns == {15562}
    assert collect_prefixes(client, whole.asns, 4) == bgpq4(server, "AS15562:AS-LEVEL300", 4)


def test_chain_at_the_limit_is_complete_one_beyond_is_not(client):
    assert expand_as_set(client, "AS15562:AS-LEVEL20").complete
    beyond = expand_as_set(client, "AS15562:AS-LEVEL21")
    assert beyond.too_deep == ("AS15562:AS-LEVEL1",)
    assert beyond.asns == frozenset()


def test_bgpq4_without_p_drops_exactly_the_private_asns(server, client, walks):
    name = "AS-KLINGLER"
    expansion, ours = routesec(client, walks, name, 4)
    private = {a for a in expansion.asns if 64496 <= a <= 65551 or a >= 4200000000}
    assert private, "AS-KLINGLER lists private AS numbers"
    public = expansion.asns - private
    assert bgpq4(server, name, 4, "-L", str(MAX_DEPTH)) == collect_prefixes(client, public, 4)
    assert ours == bgpq4(server, name, 4, "-L", str(MAX_DEPTH), "-p")


def test_loops_missing_and_empty_sets_are_reported(client):
    assert expand_as_set(client, "AS-NIS").loops == ("AS-MEGAMAX", "AS-NIS")
    assert expand_as_set(client, "AS-P2W").loops == ("AS-P2W", "AS-STUEBERL")
    assert expand_as_set(client, "AS-RIKSNET").loops == ()  # its self-reference is not in IRRd's answer
    world = expand_as_set(client, "AS-WORLD")
    assert len(world.missing) == 6 and world.loops == ()
    empty = expand_as_set(client, "AS-ISEUROPE")
    assert empty.empty == {"AS-ISEUROPE"} and empty.missing == frozenset() and empty.asns == frozenset()


def test_the_largest_set(client, walks):
    expansion = walk(client, walks, "AS3326:AS-PEERS-UAE")
    assert len(expansion.asns) > 50000
    assert len(expansion.sets) > 12000
    assert expansion.missing and expansion.loops
    with pytest.raises(IncompleteSetError, match="member sets not in the IRR"):
        check_complete(expansion)


@pytest.mark.parametrize("name", [entry[0] for entry in SETS])
def test_the_walk_finds_the_asns_irrd_finds_recursively(client, walks, name):
    """IRRd's own recursion (!i<set>,1: AS numbers only) against the walk, where the walk was not cut."""
    expansion = walk(client, walks, name)
    if expansion.too_deep:
        return
    answer = client.query("!i%s,1" % name) or b""
    assert {int(token[2:]) for token in answer.split()} == expansion.asns


@pytest.mark.parametrize("name", ["AS-RESTENA", "AS-TELENOR", "AS-HOUSINGCITY", "AS3326:AS-PEERS-UAE"])
def test_server_side_collection_agrees_with_the_walk(client, walks, name):
    expansion = walk(client, walks, name)
    assert not expansion.too_deep
    for afi in (4, 6):
        assert collect_prefixes_for_set(client, name, afi) == routesec(client, walks, name, afi)[1]
