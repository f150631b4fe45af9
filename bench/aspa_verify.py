# -*- coding: utf-8 -*-
"""Benchmark: ASPA path verification by routesec (rpki/aspa.py) and by BIRD 2.17 (``aspa_check``) side by side, on
real data: the 6,647 ASPAs of the shared rpki-client export (2023, RIPE NCC prepdev trust anchor) and the AS paths
of the shared RIPE RIS updates file, each path verified upstream and downstream as received from its vantage point.

routesec: verifications per second, the best of five runs over every path. It is given the collector's peer as the
neighbour AS; that is every path's first AS, so its neighbour check, which BIRD's ``aspa_check`` lacks, passes.

BIRD (Debian trixie's, run from the host as ``tests/unit/bird_aspa.py`` does): the ASPAs in an ASPA table and one
static route per path carrying it as ``bgp_path``. Printed: the time from starting BIRD to the configuration being
loaded (every route in its table), the time to list every path's verdict in both directions (six ``show route``
commands), and the rate of ``aspa_check`` alone: one CLI command counting the routes whose check gives Valid runs
the check once per route; a command walking the same routes with a filter that only reads ``bgp_path``
(``bgp_path.len = 0``) is the baseline, and the difference, the best of RUNS of each, is the time of the checks.
The rate of the whole command (walk, filter and check) is printed too.

Both sides' counts per state are printed; nothing is asserted.

    eval "$(bash scripts/setup.sh)"; PYTHONPATH=$ANSIBLE_COLLECTIONS_PATH python bench/aspa_verify.py
"""

from __future__ import annotations

import collections
import sys
import tempfile
import time
from pathlib import Path

from ansible_collections.routesec.bgp.plugins.module_utils.observe.mrt import announcements
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.aspa import (
    DIRECTIONS,
    STATES,
    VALID,
    read_aspas,
    verify,
)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
ASPAS = SHARED / "vrp" / "rpki-client_ripe-prepdev_2023-05-04.json.gz"
UPDATES = SHARED / "bgp" / "ris_updates.20160811.1600.gz"
RUNS = 50  # CLI commands timed per figure; the best is kept
WALK_ONLY = "show route table paths where bgp_path.len = 0 count"

sys.path.insert(0, str(REPO / "tests" / "unit"))
from bird_aspa import check_query, running_trixie_bird, verdicts, write_config  # a test helper, found beside the tests


def main():
    aspas = read_aspas(ASPAS)
    announced = [(a.path, a.peer_asn) for a in announcements(UPDATES)]
    print("ASPA customers: %d; AS paths: %d" % (len(aspas), len(announced)))
    ours = {direction: routesec_figures(announced, aspas, direction) for direction in DIRECTIONS}
    theirs = bird_figures(aspas, [path for path, _peer in announced])
    for direction in DIRECTIONS:
        print_side_by_side(direction, ours[direction], theirs[direction])


def routesec_figures(announced, aspas, direction):
    """(states, verifications per second) of routesec on ``announced`` [(path, peer AS)]."""
    states = collections.Counter(verify(path, aspas, direction, peer) for path, peer in announced)
    best = min(timed(announced, aspas, direction) for _run in range(5))
    print(
        "routesec %-10s %s; %.0f verifications/s (%.2f µs each)"
        % (direction, ordered(states), len(announced) / best, best / len(announced) * 1e6)
    )
    return ordered(states), len(announced) / best


def timed(announced, aspas, direction):
    start = time.perf_counter()
    for path, peer in announced:
        verify(path, aspas, direction, peer)
    return time.perf_counter() - start


def ordered(states):
    return {state: states[state] for state in STATES}


def bird_figures(aspas, paths):
    """{direction: (states, aspa_check per second)} of BIRD on ``paths``, with its load and listing times printed."""
    with tempfile.TemporaryDirectory(prefix="aspa-bench-") as workdir:
        conf = write_config(aspas, paths, workdir)
        start = time.perf_counter()
        with running_trixie_bird(conf, workdir, {"aspas": len(aspas), "paths": len(paths)}) as control:
            loaded = time.perf_counter() - start
            version = control.command("show status")[0]
            start = time.perf_counter()
            listed = verdicts(control, len(paths))
            print(
                "%s: %d ASPAs and %d path routes loaded %.2f s after start; every verdict listed in %.3f s"
                % (version, len(aspas), len(paths), loaded, time.perf_counter() - start)
            )
            walk, *walks_and_checks = best_times(
                control, [WALK_ONLY] + [check_query(direction, VALID, count=True) for direction in DIRECTIONS]
            )
    print("BIRD     a walk of the %d routes reading bgp_path: %.2f ms" % (len(paths), walk * 1e3))
    return {
        direction: bird_direction(direction, listed[direction], walk, walk_and_check)
        for direction, walk_and_check in zip(DIRECTIONS, walks_and_checks)
    }


def bird_direction(direction, states, walk, walk_and_check):
    """(states, aspa_check per second) of one direction, printed."""
    counted, checks, count = ordered(collections.Counter(states)), walk_and_check - walk, len(states)
    print(
        "BIRD     %-10s %s; aspa_check %.0f verifications/s (%.2f µs each, %.2f ms beyond the walk); "
        "walk and check %.0f/s"
        % (direction, counted, count / checks, checks / count * 1e6, checks * 1e3, count / walk_and_check)
    )
    return counted, count / checks


def best_times(control, commands):
    """The best time of each of ``commands`` over RUNS rounds, the commands interleaved so that drift hits them alike."""
    best = [float("inf")] * len(commands)
    for _round in range(RUNS):
        for index, command in enumerate(commands):
            start = time.perf_counter()
            control.command(command)
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def print_side_by_side(direction, ours, theirs):
    (our_states, our_rate), (their_states, their_rate) = ours, theirs
    print(
        "%-10s routesec %.0f/s, BIRD aspa_check %.0f/s: BIRD/routesec %.1f; same states: %s"
        % (direction, our_rate, their_rate, their_rate / our_rate, "yes" if our_states == their_states else "NO")
    )


if __name__ == "__main__":
    main()
