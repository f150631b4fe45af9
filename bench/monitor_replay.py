# -*- coding: utf-8 -*-
"""Benchmark: the monitor's detection core (monitor/detect.py) and its MRT replay (monitor/replay.py).

1. Replay of the shared RIPE RIS updates file (17,216 BGP UPDATE messages, 41,212 route events in five minutes
   of 35 peers): the MRT reading alone (``observe.mrt.route_events``, mrtparse), the whole replay (reading,
   detection, alert store), and the detector alone on the events read beforehand; beside the reading, bgpdump
   (Debian's, 1.6) printing the same file. The watch list: the prefixes
   six ASes of the file originate (as the replay test takes them), and, for the detector alone, also every
   prefix of the file watched (every event in our space: the per-event cost of the rules themselves).
2. A full table from one vantage point: the 1.0 million routes of CAIDA's RouteViews prefix-to-AS file
   (2024-04-06), each announced with a plausible path (the vantage point's AS, a transit chosen by the origin,
   the origin). Per watch list, in a process of its own: events/s through the detector, the routes it holds,
   the memory its state takes (tracemalloc, in a second run) and the process's peak RSS. The watch lists: 1,000
   prefixes of the file (an operator's own space, generously), and every prefix of the file with its origin
   (the detector holding the whole table).

Printed, not asserted.

    PYTHONPATH=$ANSIBLE_COLLECTIONS_PATH python bench/monitor_replay.py
"""

from __future__ import annotations

import collections
import gzip
import resource
import socket
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from ansible_collections.routesec.bgp.plugins.module_utils.fastnet import network_builder
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.detect import Detector
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.model import RouteEvent, Watched, WatchList
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.replay import replay
from ansible_collections.routesec.bgp.plugins.module_utils.observe.feeds import RouteTable
from ansible_collections.routesec.bgp.plugins.module_utils.observe.mrt import route_events

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "bgp"
UPDATES = DATA / "ris_updates.20160811.1600.gz"
TABLE = DATA / "routeviews-rv2-20240406.pfx2as.gz"
OURS = frozenset({18196, 49550, 36958, 30496, 12252, 56636})  # as in tests/unit/test_monitor_replay.py
VANTAGE_AS = 3356
TRANSITS = (1299, 174, 2914, 3257, 6453, 6762, 6939)
RUNS = 3


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--full-table":
        full_table(sys.argv[2])
        return
    replay_figures()
    for watched in ("1000", "all"):
        sys.stdout.flush()
        subprocess.run([sys.executable, __file__, "--full-table", watched], check=True)


def best_of(runs, work):
    """(the shortest of ``runs`` timings of ``work()``, its result)."""
    best, result = None, None
    for _run in range(runs):
        start = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - start
        best = seconds if best is None else min(best, seconds)
    return best, result


def replay_figures():
    events = list(route_events(UPDATES, "rrc00", RouteTable()))
    updates = 17216
    watch = watch_of(events)
    print("monitor replay of %s: %d UPDATE messages, %d route events" % (UPDATES.name, updates, len(events)))
    read, _count = best_of(RUNS, lambda: sum(1 for _event in route_events(UPDATES, "rrc00", RouteTable())))
    print(
        "  reading (mrtparse + route events): %.2f s, %.0f updates/s, %.0f events/s"
        % (read, updates / read, len(events) / read)
    )
    dump, _done = best_of(
        RUNS, lambda: subprocess.run(["bgpdump", "-m", str(UPDATES)], capture_output=True, check=True)
    )
    print(
        "  beside it, bgpdump -m (C, libbgpdump; every record printed as a line): %.2f s, %.0f updates/s; "
        "routesec's reading / bgpdump: %.1f" % (dump, updates / dump, read / dump)
    )
    whole, alerts = best_of(RUNS, lambda: replay([UPDATES], watch, collector="rrc00"))
    rules = collections.Counter(alert.rule for alert in alerts)
    print(
        "  whole replay (%d watched prefixes): %.2f s, %.0f updates/s; %d alerts %s"
        % (len(watch.prefixes), whole, updates / whole, len(alerts), dict(rules))
    )
    everything = watch_of(events, every_origin=True)
    for name, chosen in (("six ASes' prefixes", watch), ("every prefix of the file", everything)):
        seconds, _changes = best_of(RUNS, lambda chosen=chosen: detect_all(chosen, events))
        print(
            "  detector alone, %s (%d): %.3f s, %.0f events/s (%.1f µs each)"
            % (name, len(chosen.prefixes), seconds, len(events) / seconds, seconds / len(events) * 1e6)
        )


def watch_of(events, every_origin=False):
    """The prefixes our six ASes originate, or every prefix of the file with the origins it shows, as ours."""
    origins = collections.defaultdict(set)
    for event in events:
        if event.path and (every_origin or event.path[-1] in OURS):
            origins[event.prefix].add(event.path[-1])
    return WatchList(tuple(Watched(p, frozenset(o), p.prefixlen) for p, o in origins.items()), OURS)


def detect_all(watch, events):
    detector = Detector(watch)
    for event in events:
        detector.observe(event)
    return detector


def table_routes():
    """(network, origin) of every route of the prefix-to-AS file; its first origin for a MOAS, an AS_SET's
    members as a frozenset."""
    build = network_builder(4)
    pton = socket.inet_pton
    routes = []
    with gzip.open(TABLE, "rt") as handle:
        for line in handle:
            address, length, origins = line.split()
            first = origins.split("_")[0]
            origin = frozenset(map(int, first.split(","))) if "," in first else int(first)
            routes.append((build(pton(socket.AF_INET, address), int(length)), origin))
    return routes


def full_table_events(routes):
    """One announcement per route from one vantage point, the path (vantage AS, transit, origin); the paths of
    one origin share one tuple, as a feed's reader makes them."""
    paths = {}
    for network, origin in routes:
        path = paths.get(origin)
        if path is None:
            transit = TRANSITS[hash(origin) % len(TRANSITS)]
            path = paths[origin] = (VANTAGE_AS, transit, origin)
        yield RouteEvent(1712361600, "routeviews route-views2 203.0.113.1", network, path)


def full_table(watched):
    routes = table_routes()
    chosen = routes[::1000] if watched == "1000" else routes
    watch = WatchList(
        tuple(
            Watched(n, frozenset([o]) if isinstance(o, int) else frozenset(), n.prefixlen)
            for n, o in dict(chosen).items()
        ),
        frozenset({64500}),
    )
    label = "every prefix" if watched == "all" else "%d prefixes" % len(watch.prefixes)
    start = time.perf_counter()
    detector = detect_all(watch, full_table_events(routes))
    seconds = time.perf_counter() - start
    alerts = len(detector.active())
    held = detector.routes_held()
    del detector
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    detector = Detector(watch)
    indexed = tracemalloc.get_traced_memory()[0]
    for event in full_table_events(routes):
        detector.observe(event)
    state = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("full table from one vantage point, %d routes, watching %s:" % (len(routes), label))
    print(
        "  %.2f s through the detector, %.0f events/s; %d routes held, %d alerts active"
        % (seconds, len(routes) / seconds, held, alerts)
    )
    print(
        "  memory: index of the watch list %.1f MiB, routes and alerts %.1f MiB (%.0f bytes a route held); "
        "peak RSS %.0f MiB"
        % ((indexed - before) / 2**20, (state - indexed) / 2**20, (state - indexed) / max(held, 1), peak)
    )


if __name__ == "__main__":
    main()
