# -*- coding: utf-8 -*-
"""Benchmark: routesec's AS-SET expansion and route collection against bgpq4, side by side.

Runs against the lab IRRd (``bash tests/lab/irrd.sh up``; host and port from
``$STATE/irrd.env``) with sources RIPE,RIPE-NONAUTH, for a few large AS-SETs and
both address families. Each variant produces the same prefix list (checked:
"same" or the difference is printed), each run is its own process, and every
variant is run ``--repeat`` times (default 3), interleaved; medians are printed.

    bgpq4         bgpq4 -S RIPE,RIPE-NONAUTH -4|-6 -F '%n/%l\\n' SET: on IRRd 4 a single
                  "!a4SET" query, the server resolves the set (no depth limit, and no
                  report of missing member sets)
    bgpq4 -L      bgpq4 ... -L 20 -p SET: walks the set on the client with one "!i" per
                  set, like routesec, then one "!g"/"!6" per AS number
    routesec      expand_as_set (the "!i" walk with max_depth 20, the fail-closed
                  report, spread over 4 whois connections) then the prefixes: "!a"
                  when the walk was complete, else "!g"; nothing cached
    routesec 1c   the same on a single connection
    routesec warm the same with the answer cache (irr/cache.py) filled by an earlier,
                  untimed run: the IRR reports its sources unchanged (one "!J"), so the
                  expansion and the "!a" answer come from the cache, checked against it
    routesec !g   the walk, then one "!g"/"!6" per AS number (4 connections)

Wall time and peak memory are those of the whole process (peak RSS by GNU time,
/usr/bin/time, package "time"). For routesec the
child also reports the seconds of the work itself, without Python's start-up and
imports ("work" column), and how that splits between the walk and the prefixes.
Printed, not asserted. ``ratio`` is routesec / bgpq4 on wall time.

    PYTHONPATH=$ANSIBLE_COLLECTIONS_PATH python bench/irr_expand_vs_bgpq4.py \\
        [--sets AS3326:AS-PEERS-UAE AS-DECIX ...] [--afi 4 6] [--repeat 3] [--no-bgpq4-walk]
"""

from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from irr_expand_child import MAX_DEPTH, SOURCES  # the child's settings, so that both sides ask the same

TIME = "/usr/bin/time"  # GNU time, for the peak memory of a process
CHILD = Path(__file__).with_name("irr_expand_child.py")  # one routesec run, in its own process
SETS = ("AS3326:AS-PEERS-UAE", "AS39533:AS-PEERS", "AS-DECIX", "AS-HOUSINGCITY")


def irrd_server():
    state = Path(os.environ.get("ROUTESEC_LAB_STATE", "/run/routesec-lab"))
    path = state / "irrd.env"
    if not path.exists():
        sys.exit("the lab IRRd is not up (no %s): bash tests/lab/irrd.sh up" % path)
    env = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and line[0] != "#")
    return env["IRRD_HOST"].strip('"'), int(env["IRRD_WHOIS_PORT"].strip('"'))


def digest(networks):
    text = "\n".join(str(n) for n in sorted(networks, key=lambda n: (n.network_address, n.prefixlen)))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_measured(command):
    """Run ``command``; return its stdout, stderr, wall seconds and peak RSS in MiB.

    The peak comes from GNU time (``%M``, the wait4 rusage of a child of that small
    process). Reaping the child here with os.wait4 would not do: Linux carries the
    high-water mark of the address space a child had before exec (this Python's,
    about 17 MiB) into the child's ru_maxrss.
    """
    with tempfile.NamedTemporaryFile("r") as peak:
        started = time.perf_counter()
        run = subprocess.run([TIME, "-f", "%M", "-o", peak.name, *command], capture_output=True, check=False)
        seconds = time.perf_counter() - started
        if run.returncode:
            sys.exit("%s failed (%d): %s" % (" ".join(command), run.returncode, run.stderr.decode()[-2000:]))
        return run.stdout.decode(), run.stderr.decode(), seconds, int(peak.read().split()[-1]) / 1024.0


def bgpq4(server, name, afi, walk):
    command = ["bgpq4", "-h", "%s:%d" % server, "-S", SOURCES, "-%d" % afi, "-F", "%n/%l\n"]
    if walk:
        command += ["-L", str(MAX_DEPTH), "-p"]
    out, _err, seconds, rss = run_measured(command + [name])
    return dict(listed(out), seconds=seconds, rss=rss)


def listed(out):
    """Count and digest of a prefix list printed one per line (by bgpq4 -F '%n/%l', or a routesec child)."""
    networks = {ipaddress.ip_network(line) for line in out.split()}
    return {"count": len(networks), "digest": digest(networks)}


def routesec(server, name, afi, method, connections=4, cache="-"):
    command = [sys.executable, str(CHILD), name, str(afi), method, server[0], str(server[1]), str(connections), cache]
    out, err, seconds, rss = run_measured(command)
    result = json.loads(err.splitlines()[-1])
    result.update(listed(out), seconds=seconds, rss=rss)
    return result


def median(runs, key):
    return statistics.median(r[key] for r in runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS))
    parser.add_argument("--afi", nargs="+", type=int, default=[4, 6])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-bgpq4-walk", action="store_true", help="skip bgpq4 -L (slow on large sets)")
    args = parser.parse_args()
    server = irrd_server()
    if not os.access(TIME, os.X_OK):
        sys.exit("%s (GNU time) is needed for the peak memory: apt-get install time" % TIME)
    variants = [("bgpq4", lambda n, a: bgpq4(server, n, a, walk=False))]
    if not args.no_bgpq4_walk:
        variants.append(("bgpq4 -L", lambda n, a: bgpq4(server, n, a, walk=True)))
    cache = tempfile.mkdtemp(prefix="routesec-bench-irr-")
    variants += [
        ("routesec", lambda n, a: routesec(server, n, a, "auto")),
        ("routesec 1c", lambda n, a: routesec(server, n, a, "auto", connections=1)),
        ("routesec warm", lambda n, a: routesec(server, n, a, "auto", cache=cache)),
        ("routesec !g", lambda n, a: routesec(server, n, a, "g")),
    ]
    print("IRRd %s:%d, sources %s, max_depth %d, median of %d runs" % (server + (SOURCES, MAX_DEPTH, args.repeat)))
    for name in args.sets:
        for afi in args.afi:
            bgpq4(server, name, afi, walk=False)  # warm the server's caches; not counted
            filled = routesec(server, name, afi, "auto", cache=cache)["cache"]  # fill routesec's; not counted
            if not filled["saved"] and not filled["results_loaded"]:
                print("  (cache not filled: %s)" % filled["reason"])
            results = {variant[0]: [] for variant in variants}
            for _run in range(args.repeat):
                for label, variant in variants:
                    results[label].append(variant(name, afi))
            report(name, afi, results)


def report(name, afi, results):
    first = results["routesec"][0]
    print()
    print(
        "%s IPv%d: %d AS numbers, %d sets (%d missing), depth %d, %d prefixes"
        % (name, afi, first["asns"], first["sets"], first["missing"], first["depth"], first["count"])
    )
    print("  %-12s %8s %8s %8s %9s %8s  %s" % ("", "wall s", "work s", "walk s", "peak MiB", "ratio", "prefixes"))
    plain = median(results["bgpq4"], "seconds")
    reference = results["bgpq4"][0]["digest"]
    for label, runs in results.items():
        wall = median(runs, "seconds")
        work = "%8.2f" % median(runs, "work") if "work" in runs[0] else "%8s" % "-"
        walk = "%8.2f" % median(runs, "walk") if "walk" in runs[0] else "%8s" % "-"
        same = "same" if runs[0]["digest"] == reference else "DIFFERENT (%d)" % runs[0]["count"]
        if runs[0].get("too_deep"):
            same += ", cut at max_depth"
        ratio = "%8.2f" % (wall / plain) if label.startswith("routesec") else "%8s" % "-"
        print("  %-12s %8.2f %s %s %9.1f %s  %s" % (label, wall, work, walk, max(r["rss"] for r in runs), ratio, same))
    if "bgpq4 -L" in results:
        walked = median(results["bgpq4 -L"], "seconds")
        print("  routesec / bgpq4 -L (same client-side walk): %.2f" % (median(results["routesec"], "seconds") / walked))
    warm = results["routesec warm"][0]["cache"]
    print(
        "  routesec warm: %d results and %d raw answers read from the cache, %d whois queries"
        % (warm["results_loaded"], warm["answers_loaded"], results["routesec warm"][0]["queries"])
    )


if __name__ == "__main__":
    main()
