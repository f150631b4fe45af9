# -*- coding: utf-8 -*-
"""Benchmark: one change to a fleet of 50 BIRD 2 routers by Ansible, at 1, 10 and 50 forks.

Each router is a real BIRD 2 in a network namespace of its own (rsbench-r01 ...) with one BGP session
``hub`` to a BIRD route collector in rsbench-hub (one bridge, 198.19.0.0/16). It exports its static
routes through a filter on a prefix set of 250 entries. A run of bench/fleet/fleet.yml changes that set
by 4 removed and 4 added entries on every router with routesec.bgp.daemon_config, on this host through
the router's control socket: ``bird -p`` on the candidate, the diff, ``configure ... timeout 60``, the
session Established, ``configure confirm``. The runs alternate between the two versions of the set, so
each one is a real change; each must report every router changed and none failed, and afterwards a few
routers must run the new file and export its routes over an Established session, which the hub gets.

Printed: the wall time of ``ansible-playbook`` (its start-up included) for each number of forks and that
time per router, the machine's CPU cores, and a ``--check --diff`` run that must change nothing.
Needs root (network namespaces); everything it started is stopped and its namespaces deleted at the end.

    eval "$(bash scripts/setup.sh)"; python bench/fleet_run.py [--routers 50] [--forks 1,10,50]
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PLAYBOOK = REPO / "bench" / "fleet" / "fleet.yml"
CALLBACKS = REPO / "tests" / "integration" / "callback_plugins"  # result_log: task results as JSON lines
PREFIX = "rsbench-"
HUB, HUB_ADDR, HUB_AS = PREFIX + "hub", "198.19.0.1", 64512
# Router n originates 10.n.X.0/24 for these X; version "a" of its set holds X 0-249, "b" X 4-253.
STATICS = (0, 1, 2, 250, 251)
VERSIONS = {"a": range(250), "b": range(4, 254)}
NET = re.compile(r"^(\d+\.\d+\.\d+\.\d+/\d+)", re.MULTILINE)


def sh(*argv, check=True):
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, check=check).stdout


def name(n):
    return "r%02d" % n


def address(n):
    return "198.19.1.%d" % n


def exported(n, version):
    return {"10.%d.%d.0/24" % (n, x) for x in STATICS if x in VERSIONS[version]}


def router_conf(n, version):
    members = ",\n  ".join("10.%d.%d.0/24" % (n, x) for x in VERSIONS[version])
    return router_text(n, "define ROUTESEC_OWN = [\n  %s\n];\n" % members, "ROUTESEC_OWN")


def router_text(n, definitions, prefix_set):
    """Router ``n``'s BIRD configuration: ``definitions`` (its prefix set named ``prefix_set`` among them), its static
    routes, exported to the hub through that set."""
    routes = "".join("  route 10.%d.%d.0/24 blackhole;\n" % (n, x) for x in STATICS)
    return (
        "router id %s;\nprotocol device {}\n%s"
        "protocol static own {\n  ipv4;\n%s}\n"
        "filter to_hub { if net ~ %s then accept; reject; }\n"
        "protocol bgp hub {\n  local %s as %d;\n  neighbor %s as %d;\n  connect delay time 1;\n"
        "  connect retry time 2;\n  ipv4 { import none; export filter to_hub; };\n}\n"
    ) % (address(n), definitions, routes, prefix_set, address(n), 65000 + n, HUB_ADDR, HUB_AS)


def hub_conf(count):
    peers = "".join(
        "protocol bgp %s from peer { neighbor %s as %d; }\n" % (name(n), address(n), 65000 + n)
        for n in range(1, count + 1)
    )
    return (
        "router id %s;\nprotocol device {}\n"
        "template bgp peer { local %s as %d; passive; ipv4 { import all; export none; }; }\n%s"
    ) % (HUB_ADDR, HUB_ADDR, HUB_AS, peers)


def routes_at_hub(hub, n, version):
    """A test for wait_until: the hub has router ``n``'s exported routes of ``version``."""
    return lambda: nets(hub, "show", "route", "protocol", name(n)) == exported(n, version)


def teardown():
    """Stop every process in the rsbench-* namespaces (ours, or an interrupted run's) and delete them."""
    names = [line.split()[0] for line in sh("ip", "netns", "list").splitlines() if line.startswith(PREFIX)]
    pids = [pid for ns in names for pid in sh("ip", "netns", "pids", ns).split()]
    if pids:
        sh("kill", *pids, check=False)
        deadline = time.monotonic() + 5
        while any(Path("/proc", pid).exists() for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        sh("kill", "-KILL", *pids, check=False)
    for ns in names:
        sh("ip", "netns", "del", ns)


def start_bird(ns, folder, text, files=None):
    """BIRD in namespace ``ns`` on ``folder``/bird.conf (``text``), beside ``files`` ({relative path: text})."""
    folder.mkdir()
    for relative, content in (files or {}).items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(content)
    (folder / "bird.conf").write_text(text)
    ctl = folder / "bird.ctl"
    sh("ip", "netns", "exec", ns, "bird", "-c", folder / "bird.conf", "-s", ctl, "-P", folder / "bird.pid")
    return ctl


def start_hub(work, count):
    """The hub's namespace, bridge and BIRD, which has a session to each of ``count`` routers."""
    sh("ip", "netns", "add", HUB)
    sh("ip", "-n", HUB, "link", "set", "lo", "up")
    sh("ip", "-n", HUB, "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0")
    sh("ip", "-n", HUB, "addr", "add", HUB_ADDR + "/16", "dev", "br0")
    sh("ip", "-n", HUB, "link", "set", "br0", "up")
    start_bird(HUB, work / "hub", hub_conf(count))


def start_router(work, n, text, files=None):
    """Router ``n``: a namespace, a veth into the hub's bridge, a BIRD on ``text`` (and ``files``) in work/rNN.
    Returns its control socket."""
    ns = PREFIX + name(n)
    sh("ip", "netns", "add", ns)
    sh("ip", "-n", ns, "link", "set", "lo", "up")
    sh("ip", "-n", HUB, "link", "add", name(n), "type", "veth", "peer", "name", "eth0", "netns", ns)
    sh("ip", "-n", HUB, "link", "set", name(n), "master", "br0", "up")
    sh("ip", "-n", ns, "addr", "add", address(n) + "/16", "dev", "eth0")
    sh("ip", "-n", ns, "link", "set", "eth0", "up")
    return start_bird(ns, work / name(n), text, files)


def start_lab(work, count):
    """The hub, then every router on version a."""
    start_hub(work, count)
    hosts = {}
    for n in range(1, count + 1):
        folder = work / name(n)
        ctl = start_router(work, n, router_conf(n, "a"))
        for version in VERSIONS:
            (folder / ("%s.conf" % version)).write_text(router_conf(n, version))
        hosts[name(n)] = {"bird_path": str(folder / "bird.conf"), "bird_socket": str(ctl)}
    group = {"hosts": hosts, "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}
    (work / "inventory.json").write_text(json.dumps({"fleet": group}))


def established(ctl):
    out = sh("birdc", "-s", ctl, "show", "protocols", check=False)
    return {line.split()[0] for line in out.splitlines() if "Established" in line}


def nets(ctl, *command):
    return set(NET.findall(sh("birdc", "-s", ctl, *command)))


def wait_until(what, condition, seconds=120):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            sys.exit("fleet_run: not within %d s: %s" % (seconds, what))
        time.sleep(0.5)


def callback_env(folder, callback, log_variable, log):
    """The environment of an ansible-playbook run with the callback plugin ``callback`` from ``folder`` enabled,
    writing to ``log`` (named by the environment variable ``log_variable``)."""
    settings = {"ANSIBLE_CALLBACK_PLUGINS": str(folder), "ANSIBLE_CALLBACKS_ENABLED": callback}
    return dict(os.environ, **settings, **{log_variable: str(log)}, ANSIBLE_NOCOLOR="1")


def playbook(work, forks, version, *options):
    """Wall seconds of one ansible-playbook run, and the hosts it reported changed; exits on any failure."""
    log = work / ("results-%d.jsonl" % len(list(work.glob("results-*"))))
    env = callback_env(CALLBACKS, "result_log", "ROUTESEC_RESULT_LOG", log)
    command = ["ansible-playbook", "-i", work / "inventory.json", PLAYBOOK, "-f", str(forks)]
    started = time.monotonic()
    done = subprocess.run(
        [*map(str, command), "-e", "fleet_version=" + version, *options],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    results = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    if done.returncode or any(r["status"] != "ok" for r in results):
        sys.exit("fleet_run: ansible-playbook -f %d failed:\n%s%s" % (forks, done.stdout[-3000:], done.stderr))
    return seconds, {r["host"] for r in results if r["result"].get("changed")}


def check_routers(work, count, version):
    """A few routers run ``version``: its file, its routes exported over an Established session, the hub's."""
    hub = work / "hub" / "bird.ctl"
    for n in sorted({1, (count + 1) // 2, count}):
        ctl = work / name(n) / "bird.ctl"
        assert (work / name(n) / "bird.conf").read_text() == router_conf(n, version), name(n)
        assert "hub" in established(ctl), "%s: session hub not Established" % name(n)
        assert nets(ctl, "show", "route", "export", "hub") == exported(n, version), name(n)
        wait_until("the routes of %s at the hub" % name(n), routes_at_hub(hub, n, version), 10)
        assert name(n) in established(hub)


def work_folder(bench, *cleanups):
    """A fresh work folder for ``bench`` (root only: network namespaces), after stopping what an interrupted run
    left; at exit, and on SIGTERM, the namespaces go, ``cleanups`` run and the folder is removed. Returns
    (the folder, the clean-up, which may also be called earlier; it runs once)."""
    if os.geteuid() != 0:
        sys.exit("%s: needs root for its network namespaces" % bench)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so that the clean-up runs
    teardown()  # what an interrupted run left
    work = Path(tempfile.mkdtemp(prefix="routesec-%s-" % bench))

    done = []

    def clean():
        if done:
            return
        done.append(True)
        teardown()
        for cleanup in cleanups:
            cleanup()
        shutil.rmtree(work, ignore_errors=True)

    atexit.register(clean)
    return work, clean


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routers", type=int, default=50, choices=range(1, 255), metavar="N")
    parser.add_argument("--forks", default="1,10,50", help="comma-separated numbers of forks, one run each")
    args = parser.parse_args()
    forks = [int(f) for f in args.forks.split(",")]
    work, clean = work_folder("fleet")
    try:
        started = time.monotonic()
        start_lab(work, args.routers)
        every = {name(n) for n in range(1, args.routers + 1)}
        wait_until("all BGP sessions to the hub Established", lambda: established(work / "hub" / "bird.ctl") >= every)
        print(
            "%d BIRD 2 routers, one network namespace each, all Established to the hub after %.1f s; %d CPU cores"
            % (args.routers, time.monotonic() - started, os.cpu_count())
        )
        print("change: prefix set of %d entries, 4 removed and 4 added, on every router" % len(VERSIONS["a"]))
        print("%6s %10s %14s %9s" % ("forks", "wall s", "s per router", "changed"))
        version = "a"
        for fork in forks:
            version = "b" if version == "a" else "a"
            seconds, changed = playbook(work, fork, version)
            assert changed == every, "not changed: %s" % sorted(every - changed)
            check_routers(work, args.routers, version)
            print("%6d %10.1f %14.2f %9d" % (fork, seconds, seconds / args.routers, len(changed)))
        other = "b" if version == "a" else "a"
        seconds, would = playbook(work, 10, other, "--check", "--diff")
        check_routers(work, args.routers, version)
        assert all((work / h / "bird.conf").read_text() == router_conf(int(h[1:]), version) for h in every)
        print(
            "check mode (--check --diff), forks 10: %.1f s, %.2f s per router; would change %d, changed 0 "
            "(every file and the routes checked as before)" % (seconds, seconds / args.routers, len(would))
        )
    finally:
        clean()


if __name__ == "__main__":
    main()
