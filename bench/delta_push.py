# -*- coding: utf-8 -*-
"""Benchmark: a 1% change to a long prefix-list, sent as the delta vs as a full replace, on FRR and BIRD 2.

FRR: a bgpd of its own; the list is built, then a 1% change (1% of entries
removed, as many added) goes through the FRR driver by its delta path (only
those entries, sequence numbers kept) and the same-sized change back by a full
replace (``no ip prefix-list`` + every entry), both as one ``vtysh -f`` file.
FRR 8.4 checks every new entry against all entries of its list, so building or
replacing a list costs time in the square of its length: the sizes are
measured one by one and the largest is taken as far as a run allows (100,000
entries would take FRR many hours to build at all).

BIRD 2: the list is a prefix set in its configuration file. BIRD has no way to
change part of a set: every change rewrites the file, has ``bird -p`` check it
and reconfigures from the whole file. The figures show what a 1% change costs
that way, next to FRR's.

    PYTHONPATH=$ANSIBLE_COLLECTIONS_PATH python bench/delta_push.py [--frr-sizes 2000,5000] [--bird-size 100000]
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ansible_collections.routesec.bgp.plugins.module_utils.drivers.bird2 import Bird2Driver
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.frr import FrrDriver
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.runner import LocalRunner
from render_prefix_lists import ipv4_entries

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "unit"))
from frr_daemon import standalone_bgpd  # a test helper, found beside the tests


def one_percent_change(prefixes, size):
    """The list of ``size`` prefixes, and the same list with 1% removed and as many new ones."""
    step = size // 100
    base = prefixes[:size]
    return base, base[step:] + prefixes[size : size + step]


def frr_text(prefixes):
    return "".join("ip prefix-list BIG seq %d permit %s\n" % (5 * (i + 1), p) for i, p in enumerate(prefixes))


def timed_frr_push(daemon, prefixes, method):
    """Seconds to load, plan and push ``prefixes`` by ``method``, and the lines sent."""
    driver = FrrDriver(LocalRunner(timeout=86400), daemon["state"], daemon["vtysh"], save=False, method=method)
    started = time.monotonic()
    with driver:
        driver.load_candidate(frr_text(prefixes))
        driver.commit()
    return time.monotonic() - started, len(driver.sent)


def bench_frr(prefixes, size):
    base, changed = one_percent_change(prefixes, size)
    with standalone_bgpd("hostname bench\n") as daemon:
        build, sent = timed_frr_push(daemon, base, "replace")
        delta, delta_sent = timed_frr_push(daemon, changed, "delta")
        full, full_sent = timed_frr_push(daemon, base, "replace")
    print(
        "FRR   %7d entries  build %8.1f s | 1%% change: delta %6.1f s (%d lines)  full replace %8.1f s "
        "(%d lines)  delta/full %5.1f%%" % (size, build, delta, delta_sent, full, full_sent, 100 * delta / full)
    )
    assert sent == size
    return delta, full


def bird_text(prefixes):
    members = ",\n  ".join(str(p) for p in prefixes)
    return (
        "router id 192.0.2.1;\nprotocol device {}\n"
        "define BIG = [\n  %s\n];\n"
        "filter customer { if net ~ BIG then accept; reject; }\n"
        "protocol static s1 { ipv4 { import filter customer; }; route 192.0.2.0/24 blackhole; }\n" % members
    )


def timed_bird_push(driver, text):
    started = time.monotonic()
    with driver:
        driver.load_candidate(text)
        checked = time.monotonic()
        driver.commit()
    return checked - started, time.monotonic() - checked


def bench_bird(prefixes, size):
    base, changed = one_percent_change(prefixes, size)
    with tempfile.TemporaryDirectory(prefix="routesec-bird-") as folder:
        conf, ctl = Path(folder) / "bird.conf", Path(folder) / "bird.ctl"
        conf.write_text(bird_text(base))
        subprocess.run(["bird", "-c", conf, "-s", ctl, "-P", Path(folder) / "pid"], check=True)
        try:
            while not ctl.exists():
                time.sleep(0.05)
            driver = Bird2Driver(LocalRunner(), str(conf), socket=str(ctl), name="bench")
            check, commit = timed_bird_push(driver, bird_text(changed))
        finally:
            subprocess.run(["kill", (Path(folder) / "pid").read_text().strip()], check=False)
    print(
        "BIRD  %7d entries  1%% change = the whole file: bird -p + diff %.2f s, configure %.2f s, total %.2f s"
        % (size, check, commit, check + commit)
    )


def print_growth(sizes, results, target):
    """How both paths grew between the two largest sizes, and where that growth leads at ``target``."""
    (small, large), ((d1, f1), (d2, f2)) = sizes, results
    full_exp, delta_exp = math.log(f2 / f1) / math.log(large / small), math.log(d2 / d1) / math.log(large / small)
    print(
        "FRR   from %d to %d entries the full replace grew as n^%.2f and the delta as n^%.2f (n^1 is linear)"
        % (small, large, full_exp, delta_exp)
    )
    scale = target / large
    full, delta = f2 * scale**full_exp, d2 * scale**delta_exp
    print(
        "FRR   projected from that growth (not measured) at %d entries: full replace %.0f s (%.1f h), delta %.0f s, "
        "delta/full %.1f%%" % (target, full, full / 3600, delta, 100 * delta / full)
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frr-sizes", default="2000,5000", help="comma-separated list lengths for FRR")
    parser.add_argument("--bird-size", type=int, default=100000)
    parser.add_argument("--project", type=int, default=100000, help="FRR list length to project the growth to")
    args = parser.parse_args()
    sizes = [int(s) for s in args.frr_sizes.split(",")]
    prefixes = [e.prefix for e in ipv4_entries(max(sizes + [args.bird_size]) * 101 // 100)]
    results = [bench_frr(prefixes, size) for size in sizes]
    if len(results) > 1:
        print_growth(sizes[-2:], results[-2:], args.project)
    bench_bird(prefixes, args.bird_size)


if __name__ == "__main__":
    main()
