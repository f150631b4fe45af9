# -*- coding: utf-8 -*-
"""One routesec AS-SET expansion and route collection, for bench/irr_expand_vs_bgpq4.py.

    python bench/irr_expand_child.py SET AFI auto|g HOST PORT CONNECTIONS CACHE_DIR|-

Run in its own process so that its wall time and peak memory compare with a bgpq4
process; it imports only what a routesec run needs.
"""

from __future__ import annotations

import json
import socket
import sys
import time

SOURCES = "RIPE,RIPE-NONAUTH"
MAX_DEPTH = 20


def child(name, afi, method, host, port, connections, cache):
    """One routesec expansion + collection, timed in-process.

    Prints the prefixes one per line, as bgpq4 does, and the figures as JSON on stderr.
    """
    started = time.perf_counter()
    from ansible_collections.routesec.bgp.plugins.module_utils.irr.cache import CachedClient
    from ansible_collections.routesec.bgp.plugins.module_utils.irr.expand import (
        collect_prefixes,
        collect_prefixes_for_set,
        expand_as_set,
    )
    from ansible_collections.routesec.bgp.plugins.module_utils.irr.whois import WhoisClient

    imported = time.perf_counter()
    client = WhoisClient(host, int(port), sources=SOURCES, timeout=120, connections=int(connections))
    if cache != "-":
        client = CachedClient(client, cache)
    with client:
        expansion = expand_as_set(client, name, max_depth=MAX_DEPTH)
        walked = time.perf_counter()
        if method == "auto" and client.supports_a and not expansion.too_deep:
            networks = collect_prefixes_for_set(client, name, int(afi))
        else:
            networks = collect_prefixes(client, expansion.asns, int(afi))
        done = time.perf_counter()
    ntop, family = socket.inet_ntop, socket.AF_INET if int(afi) == 4 else socket.AF_INET6
    sys.stdout.write("".join(["%s/%d\n" % (ntop(family, n.network_address.packed), n.prefixlen) for n in networks]))
    print(
        json.dumps(
            {
                "work": done - imported,
                "walk": walked - imported,
                "prefixes": done - walked,
                "startup": imported - started,
                "asns": len(expansion.asns),
                "sets": len(expansion.sets),
                "missing": len(expansion.missing),
                "too_deep": len(expansion.too_deep),
                "depth": expansion.depth,
                "queries": client.queries,
                "cache": client.report() if cache != "-" else None,
            }
        ),
        file=sys.stderr,
    )


if __name__ == "__main__":
    child(*sys.argv[1:8])
