# -*- coding: utf-8 -*-
"""Benchmark: render a 100,000-entry prefix-list (IPv4 and IPv6) for every platform.

Prints seconds per platform and entries per second. Prefixes are real: the
first 100,000 distinct prefixes of the RouteViews prefix-to-AS table in
../shared/data/bgp (IPv4), and synthetic /48s for IPv6.

    PYTHONPATH=$ANSIBLE_COLLECTIONS_PATH python bench/render_prefix_lists.py [--entries N]
"""

from __future__ import annotations

import argparse
import gzip
import ipaddress
import time
from pathlib import Path

from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import PLATFORMS, PrefixEntry, PrefixList
from ansible_collections.routesec.bgp.plugins.module_utils.render import render_prefix_lists

PFX2AS = Path(__file__).resolve().parents[2] / "shared" / "data" / "bgp" / "routeviews-rv2-20240406.pfx2as.gz"


def ipv4_entries(count):
    seen = set()
    with gzip.open(PFX2AS, "rt") as handle:
        for line in handle:
            address, length, _origin = line.split("\t", 2)
            network = ipaddress.ip_network("%s/%s" % (address, length))
            if network not in seen:
                seen.add(network)
                if len(seen) == count:
                    break
    return tuple(PrefixEntry(n, le=24 if n.prefixlen < 24 else None) for n in sorted(seen))


def ipv6_entries(count):
    base = int(ipaddress.ip_network("2a00::/12").network_address)
    return tuple(PrefixEntry(ipaddress.IPv6Network((base + (i << 80), 48))) for i in range(count))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    lists = [
        PrefixList("BENCH-V4", 4, ipv4_entries(args.entries)),
        PrefixList("BENCH-V6", 6, ipv6_entries(args.entries)),
    ]
    total = sum(len(p.entries) for p in lists)
    print(
        "render: %d entries (%d IPv4 from RouteViews, %d IPv6)" % (total, len(lists[0].entries), len(lists[1].entries))
    )
    print("%-14s %10s %14s %12s" % ("platform", "seconds", "entries/s", "output MB"))
    for platform in PLATFORMS:
        started = time.perf_counter()
        text = render_prefix_lists(platform, lists)
        seconds = time.perf_counter() - started
        print("%-14s %10.3f %14.0f %12.1f" % (platform, seconds, total / seconds, len(text) / 1e6))


if __name__ == "__main__":
    main()
