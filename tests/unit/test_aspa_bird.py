# -*- coding: utf-8 -*-
"""routesec's ASPA verification (draft-ietf-sidrops-aspa-verification-28) answer for answer beside BIRD 2.17's
``aspa_check``, on the hand-made branch paths of test_aspa.py, on every distinct AS path of the shared RIPE RIS
updates file against the 6,647 shared ASPAs, and on random paths that follow those ASPAs. Each data set is one BIRD
run (``bird_aspa.py``); every path is verified upstream and downstream by both.

What the two are given: the same U-SPAS per customer AS, and the same path. BIRD's ``aspa_check`` has no
neighbour-AS argument (BIRD checks the first AS at the BGP session, ``enforce first as``, and drops the route), so
routesec is given the path's first AS as the neighbour: its Section 5.1 check passes, as it does on a session
whose neighbour check BIRD would pass. BIRD's filters cannot build an AS_SET, so paths holding one are not asked;
routesec finds them Invalid (Section 5.5/5.6 step 3), as BIRD's source does (``as_path_contains_set``).

One documented difference: BIRD keeps an AS0 ASPA (its ``transit``) as the provider list [0] and compares the path's
ASes with that list as they are, so AS 0 beside the holder of an AS0 ASPA counts as that holder's attested
provider. routesec, with the draft, gives AS 0 no influence (Section 4): the holder of an AS0 ASPA has no provider
at all. Only paths holding AS 0 (malformed per RFC 7607) can differ; the shared RIS file holds none.

The counts per state are printed (``pytest -s -p no:xdist``) and asserted.
"""

from __future__ import annotations

import collections
import itertools
import random

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.observe.mrt import announcements
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.aspa import (
    DIRECTIONS,
    DOWNSTREAM,
    INVALID,
    STATES,
    UNKNOWN,
    UPSTREAM,
    VALID,
    compressed,
    read_aspas,
    verify,
)
from bird_aspa import bird_verdicts, feedable, path_statements
from test_aspa import ASPAS, DOWNSTREAM_CASES, RPKI_CLIENT_2023, UPSTREAM_CASES
from test_mrt import RIS_UPDATES

CASES = {UPSTREAM: UPSTREAM_CASES, DOWNSTREAM: DOWNSTREAM_CASES}

# AS 0 beside 64520 and 64530, which hold AS0 ASPAs, and beside 64510, which does not.
AS0_PROBES = [(0, 64520), (64520, 0), (64510, 0, 64520), (64530, 0), (0, 64510), (64520, 64510, 0)]
# (direction, path, routesec's state, BIRD's state): BIRD takes 0 for an attested provider of 64520.
AS0_DIFFERENCES = [
    (UPSTREAM, (0, 64520), INVALID, VALID),
    (UPSTREAM, (64510, 0, 64520), INVALID, UNKNOWN),
    (DOWNSTREAM, (64510, 0, 64520), INVALID, VALID),
]

RIS_PATHS = 7204
RIS_COUNTS = {UPSTREAM: {VALID: 1, INVALID: 2951, UNKNOWN: 4252}, DOWNSTREAM: {VALID: 52, INVALID: 1032, UNKNOWN: 6120}}
RANDOM_PATHS, RANDOM_SEED = 4000, 20260824
RANDOM_COUNTS = {
    UPSTREAM: {VALID: 334, INVALID: 2645, UNKNOWN: 1021},
    DOWNSTREAM: {VALID: 1475, INVALID: 542, UNKNOWN: 1983},
}


def routesec_state(path, aspas, direction):
    """routesec's state of ``path``, the first AS being the neighbour's (see the module's description)."""
    return verify(path, aspas, direction, path[0] if path else None)


def comparisons(bird, aspas):
    """[(direction, path, routesec's state, BIRD's state)] of every path BIRD verified."""
    return [
        (direction, path, routesec_state(path, aspas, direction), state)
        for direction, states in bird.items()
        for path, state in states.items()
    ]


def disagreements(bird, aspas):
    return [compared for compared in comparisons(bird, aspas) if compared[2] != compared[3]]


def as0_beside_an_as0_aspa(path, aspas):
    """Does AS 0 stand next to the holder of an AS0 ASPA in ``path``? Only there can BIRD and routesec differ."""
    hops = compressed(path)
    return any(
        0 in pair and any(asn and aspas.get(asn) == frozenset() for asn in pair) for pair in itertools.pairwise(hops)
    )


def state_counts(bird):
    """{direction: {state: number of paths}} of BIRD's verdicts."""
    return {
        direction: {state: collections.Counter(states.values())[state] for state in STATES}
        for direction, states in bird.items()
    }


def explained(found, limit=20):
    lines = ["%s %s: routesec %s, BIRD %s" % compared for compared in found[:limit]]
    return "%d disagreements:\n%s" % (len(found), "\n".join(lines))


def report(name, paths, counts):
    for direction in DIRECTIONS:
        print("%s, %d paths, %s: %s" % (name, len(paths), direction, counts[direction]))


def case_paths():
    return [tuple(case.values[0]) for cases in CASES.values() for case in cases]


@pytest.fixture(scope="module")
def hand_made_bird(tmp_path_factory):
    paths = [path for path in case_paths() if feedable(path)] + AS0_PROBES
    return bird_verdicts(ASPAS, paths, tmp_path_factory.mktemp("bird"))


@pytest.fixture(scope="module")
def real_aspas():
    aspas = read_aspas(RPKI_CLIENT_2023)
    assert len(aspas) == 6647
    return aspas


def test_hand_made_paths_get_the_same_state_but_where_as0_stands_beside_an_as0_aspa(hand_made_bird):
    found = disagreements(hand_made_bird, ASPAS)
    assert [compared for compared in found if not as0_beside_an_as0_aspa(compared[1], ASPAS)] == [], explained(found)
    assert sorted(found) == sorted(AS0_DIFFERENCES)
    for direction in DIRECTIONS:  # every state occurs, so the agreement says something
        assert set(hand_made_bird[direction].values()) == set(STATES)


def test_paths_with_an_as_set_cannot_be_given_to_bird_and_are_invalid():
    unfed = [
        (direction, case.id) for direction, cases in CASES.items() for case in cases if not feedable(case.values[0])
    ]
    assert unfed == [
        (UPSTREAM, "5.5-step3-as-set-origin"),
        (UPSTREAM, "5.5-step3-as-set-tuple-middle"),
        (UPSTREAM, "5.5-step3-as-set-only"),
        (DOWNSTREAM, "5.6-step3-as-set"),
    ]
    as_set_paths = [path for path in case_paths() if not feedable(path)]
    assert all(verify(path, ASPAS, direction) == INVALID for path in as_set_paths for direction in DIRECTIONS)
    with pytest.raises(ValueError, match="AS_SET"):
        path_statements(as_set_paths[0])


def test_only_the_neighbour_mismatch_cases_change_when_the_first_as_is_taken_for_the_neighbour():
    # With the first AS as the neighbour, every hand-made case keeps its state but the three whose neighbour is
    # another AS (Section 5.1): there routesec says Invalid and BIRD's session drops the route (enforce first as).
    depending = [
        case.id
        for direction, cases in CASES.items()
        for case in cases
        if case.values[3] != routesec_state(case.values[0], ASPAS, direction)
    ]
    assert depending == [
        "5.5-step2-neighbour-mismatch",
        "5.6-step2-neighbour-mismatch",
        "5.6-step2-no-rs-client-exception",
    ]


@pytest.fixture(scope="module")
def ris_paths():
    """The distinct AS paths of the shared RIS updates file, each sent by the collector's peer whose AS is first."""
    seen = list(announcements(RIS_UPDATES))
    assert all(announcement.path[0] == announcement.peer_asn for announcement in seen)
    return sorted({announcement.path for announcement in seen})


def test_every_ris_path_gets_the_same_state_from_routesec_and_bird(ris_paths, real_aspas, tmp_path):
    assert len(ris_paths) == RIS_PATHS
    assert all(feedable(path) for path in ris_paths)  # no AS_SET in the file: every path is asked
    assert not any(0 in path for path in ris_paths)  # nor AS 0: no exception applies
    bird = bird_verdicts(real_aspas, ris_paths, tmp_path)
    assert all(len(bird[direction]) == RIS_PATHS for direction in DIRECTIONS)
    found = disagreements(bird, real_aspas)
    assert found == [], explained(found)
    counts = state_counts(bird)
    report("RIS updates 2016-08-11 16:00", ris_paths, counts)
    assert counts == RIS_COUNTS


def random_paths(aspas, count, seed):
    """``count`` distinct paths (neighbour first) that mostly follow ``aspas``: from a random origin up through
    attested providers, then down through attested customers; at a stray hop any AS of the ASPAs (a leak, or an AS
    without ASPA), and some ASes prepended."""
    rng = random.Random(seed)
    providers = {customer: sorted(listed) for customer, listed in aspas.items()}
    customers = collections.defaultdict(list)
    for customer in sorted(aspas):
        for provider in providers[customer]:
            customers[provider].append(customer)
    universe = sorted(set(aspas) | set(customers))
    paths = {}
    while len(paths) < count:
        origin_first = [rng.choice(universe)]
        for step in [providers] * rng.randint(0, 4) + [customers] * rng.randint(0, 3):
            attested = step.get(origin_first[-1])
            origin_first.append(rng.choice(attested) if attested and rng.random() > 0.15 else rng.choice(universe))
        path = tuple(asn for asn in reversed(origin_first) for _copy in range(prepends(rng)))
        paths[path] = None
    return list(paths)


def prepends(rng):
    return 1 + rng.randint(1, 3) if rng.random() < 0.1 else 1


def test_random_paths_along_the_real_aspas_get_the_same_state_from_routesec_and_bird(real_aspas, tmp_path):
    paths = random_paths(real_aspas, RANDOM_PATHS, RANDOM_SEED)
    assert not any(0 in path for path in paths)
    bird = bird_verdicts(real_aspas, paths, tmp_path)
    found = disagreements(bird, real_aspas)
    assert found == [], explained(found)
    counts = state_counts(bird)
    report("random paths along the ASPAs (seed %d)" % RANDOM_SEED, paths, counts)
    assert counts == RANDOM_COUNTS
