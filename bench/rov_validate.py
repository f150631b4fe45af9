# -*- coding: utf-8 -*-
"""Benchmark: route origin validation of a full IPv4 table against a full VRP set.

Reads the 424k VRPs of ``shared/data/vrp/rpki-client_ripe-prepdev_2023-05-04.json.gz``
and the 998k routes (1.0M route/origin pairs) of CAIDA's RouteViews prefix-to-AS
file for 2024-04-06, builds routesec's index (``rpki/rov.py``) and validates
every pair, ``--repeat`` times. Prints the load time (reading the VRPs, building
the index), validations per second after load (best of the repeats), the states
counted, and the peak memory of the process. Printed, not asserted.

    PYTHONPATH=$ANSIBLE_COLLECTIONS_PATH python bench/rov_validate.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import resource
import socket
import time
from collections import Counter
from pathlib import Path

from ansible_collections.routesec.bgp.plugins.module_utils.rpki.rov import STATES, RovIndex
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.vrp import read_vrps

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
VRPS = DATA / "vrp" / "rpki-client_ripe-prepdev_2023-05-04.json.gz"
ROUTES = DATA / "bgp" / "routeviews-rv2-20240406.pfx2as.gz"


def read_routes(path):
    """(address int, length, origin) per route and origin; an AS_SET origin ("1,2") is None."""
    routes = []
    pton = socket.inet_pton
    with gzip.open(path, "rt") as handle:
        for line in handle:
            address, length, origins = line.split()
            value = int.from_bytes(pton(socket.AF_INET, address), "big")
            routes.extend((value, int(length), None if "," in o else int(o)) for o in origins.split("_"))
    return routes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    vrps = read_vrps(VRPS)
    read = time.perf_counter()
    index = RovIndex(vrps)
    built = time.perf_counter()
    routes = read_routes(ROUTES)
    parsed = time.perf_counter()
    best, states = None, None
    for _run in range(args.repeat):
        begin = time.perf_counter()
        states = index.validate_many(routes)
        seconds = time.perf_counter() - begin
        best = seconds if best is None else min(best, seconds)
    counts = Counter(states)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("route origin validation, %s against %s" % (ROUTES.name, VRPS.name))
    print("  load: %d VRPs read in %.2f s, index built in %.2f s" % (len(vrps), read - started, built - read))
    print("  %d route/origin pairs read in %.2f s (not part of validation)" % (len(routes), parsed - built))
    print("  validation: %.3f s best of %d, %.2f million validations/s" % (best, args.repeat, len(routes) / best / 1e6))
    print("  states: %s" % ", ".join("%s %d" % (state, counts[state]) for state in STATES))
    print("  peak memory (RSS) %.0f MiB" % peak)


if __name__ == "__main__":
    main()
