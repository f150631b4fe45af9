# -*- coding: utf-8 -*-
"""Benchmark: ASPA path verification (rpki/aspa.py) on real data: the 6,647 ASPAs of the shared rpki-client
export (2023, RIPE NCC prepdev trust anchor) and the AS paths of the shared RIPE RIS updates file, each path
verified upstream and downstream as received from its vantage point.

Printed: paths, the states per direction, and verifications per second (the best of five runs over every path),
so that BIRD's own verification (``aspa_check``, BIRD 2.16 and later) can be set beside it on the same paths.

    eval "$(bash scripts/setup.sh)"; PYTHONPATH=$ANSIBLE_COLLECTIONS_PATH python bench/aspa_verify.py
"""

from __future__ import annotations

import collections
import time
from pathlib import Path

from ansible_collections.routesec.bgp.plugins.module_utils.observe.mrt import announcements
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.aspa import DIRECTIONS, read_aspas, verify

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ASPAS = SHARED / "vrp" / "rpki-client_ripe-prepdev_2023-05-04.json.gz"
UPDATES = SHARED / "bgp" / "ris_updates.20160811.1600.gz"


def main():
    aspas = read_aspas(ASPAS)
    paths = [(a.path, a.peer_asn) for a in announcements(UPDATES)]
    print("ASPA customers: %d; AS paths: %d" % (len(aspas), len(paths)))
    for direction in DIRECTIONS:
        states = collections.Counter(verify(path, aspas, direction, peer) for path, peer in paths)
        best = min(timed(paths, aspas, direction) for _run in range(5))
        print(
            "%-10s %s; %.0f verifications/s (%.2f µs each)"
            % (direction, dict(sorted(states.items())), len(paths) / best, best / len(paths) * 1e6)
        )


def timed(paths, aspas, direction):
    start = time.perf_counter()
    for path, peer in paths:
        verify(path, aspas, direction, peer)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
