# -*- coding: utf-8 -*-
"""Benchmark: a compliance run (playbooks/compliance.yml) over 50 BIRD 2 routers and 50,000 NetBox prefixes.

The routers are bench/fleet_run.py's: each a real BIRD 2 in a network namespace of its own (rsbench-r01 ...) with
a BGP session to a hub, exporting its routes through its announcement prefix set. BIRD 2 rather than FRR: a BIRD
router is one process that starts on its 50,000-entry set at once (all 50 are up in about 16 s here), where an
FRR router is several daemons (zebra, bgpd, staticd) whose configuration goes in through vtysh. The run reads them
as it reads any BIRD router, over SSH: one sshd per router on its management address (127.2.0.N:2222, loopback,
key login), SFTP of its configuration file.

NetBox (the lab's) gets the 50,000 announced /24s of bench/netbox_intent_scale.py (straight into its database),
the 50 routers as managed devices (platform bird2, local AS64500, primary IP their management address) and an RTR
cache (a service ``rtr`` at the hub's address, where nothing listens: compliance checks the configuration, not the
session). Each router then runs what routesec renders for it from that NetBox: its prefix sets (ROUTESEC-OWN-V4
with every announced prefix) and RTR sessions, inline on odd routers and ``include``d from their own files on
even ones. Seeded problems, which the run must find exactly: r05's set lacks two prefixes and has one too many,
r10 has no RTR session, the last router cannot be reached (no sshd). The VRPs (a validator's JSON export, written
here) cover every announced prefix but three (roa-missing), and one is invalid (another origin); the lab IRRd
holds no route objects for the 10/8 prefixes, so each is a route-object-missing finding and the reports hold
50,000 of them.

Printed: the wall time of ``ansible-playbook -f 50 playbooks/compliance.yml`` (its start-up included) and of each
phase (netbox_intent, router_state on all routers, compliance) with how long its module processes ran; NetBox API
calls (netbox_intent + compliance); peak memory (the largest process of the run exactly, from wait4; each kind of
process's peak RSS, sampled every half second; the whole process tree's proportional set size, sampled every 5 s
as reading it costs CPU); routers, prefixes and findings per check.

Needs root (network namespaces). Everything it started is stopped and its namespaces deleted at the end, and the
lab is restored (``tests/lab/lab.sh reset``).

    eval "$(bash scripts/setup.sh)"; set -a; source /run/routesec-lab/lab.env; set +a
    PYTHONPATH=$ANSIBLE_COLLECTIONS_PATH python bench/compliance_scale.py [--routers 50] [--prefixes 50000]
"""

from __future__ import annotations

import argparse
import getpass
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from ipaddress import ip_network
from pathlib import Path

import yaml
from ansible_collections.routesec.bgp.plugins.module_utils.intent.build import Problems, build_intent
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import PrefixEntry, PrefixList
from ansible_collections.routesec.bgp.plugins.module_utils.netbox.reader import QUERIES, connect, read_snapshot
from ansible_collections.routesec.bgp.plugins.module_utils.render import bird2
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.roa_plan import RoaPolicy, roa_intent
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.router_policy import RovPolicy
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.rov_intent import rtr_caches
from fleet_run import (
    HUB_ADDR,
    REPO,
    callback_env,
    established,
    name,
    router_text,
    start_hub,
    start_router,
    wait_until,
    work_folder,
)
from netbox_intent_scale import create_routers, seed_announced

sys.path.insert(0, str(REPO / "tests" / "unit"))
sys.path.insert(0, str(REPO / "tests" / "lab"))
from seed_netbox import add_rtr_service  # the lab's seeding helpers
from sshd import key_login, known_hosts_line, start_sshd  # a test helper, found beside the tests

PLAYBOOK = REPO / "playbooks" / "compliance.yml"
CALLBACKS = REPO / "bench" / "callback_plugins"  # phase_log: each task's times and small figures
LIST_NAMES = {4: "ROUTESEC-OWN-V4", 6: "ROUTESEC-OWN-V6"}
RTR_PORT, SSH_PORT = 3323, 2222
DRIFT, NO_RTR = 5, 10  # r05's set drifts, r10 has no RTR session; the last router is unreachable
EXTRA = PrefixEntry(ip_network("10.255.255.0/24"))
MISSING_ROAS, INVALID_ROA = (100, 200, 300), 400  # positions among the ROAs NetBox asks for


def mgmt(n):
    return "127.2.0.%d" % n


def seed_netbox(api, routers, prefixes):
    """The announced prefixes, the routers and an RTR cache at the hub (a service on the lab's transit device)."""
    seed_announced(api, prefixes)
    create_routers(api, [name(n) for n in range(1, routers + 1)], "bird2", lambda host: mgmt(int(host[1:])) + "/32")
    add_rtr_service(api, "transit", HUB_ADDR, RTR_PORT, "routesec bench: RTR cache at the hub")


def netbox_intent(url, token):
    """(intent per router, RTR caches, the ROAs NetBox asks for), as the modules build them from NetBox."""
    records = read_snapshot(url, token, timeout=600, kinds=[*QUERIES, "rtr_services"]).records
    caches = rtr_caches(records["rtr_services"], Problems())
    roas = roa_intent(records, RoaPolicy(wide_max_length=True)).roas
    return build_intent(records, None, LIST_NAMES), caches, roas


def router_files(n, lists, caches):
    """(BIRD configuration, included files) of router ``n``: its sets and RTR sessions as routesec renders them,
    with the seeded drift; inline on odd routers, included on even ones."""
    if n == DRIFT:
        v4 = next(p for p in lists if p.afi == 4)
        drifted = PrefixList(v4.name, 4, v4.entries[:-2] + (EXTRA,), v4.description)
        lists = [drifted if p is v4 else p for p in lists]
    parts = {"routesec/filters.conf": bird2.render_prefix_lists(list(lists))}
    if n != NO_RTR:
        parts["routesec/rov.conf"] = bird2.render_rov(caches, RovPolicy(reject_invalid=True))
    if n % 2:
        return router_text(n, "".join(parts.values()), "'ROUTESEC-OWN-V4'"), {}
    includes = "".join('include "%s";\n' % path for path in parts)
    return router_text(n, includes, "'ROUTESEC-OWN-V4'"), parts


def write_vrps(path, roas):
    """A validator's JSON export: every ROA NetBox asks for, but three left out and one with another origin."""
    ordered = sorted(roas, key=lambda r: (r.prefix.version, r.prefix))
    vrps = [
        {"prefix": str(r.prefix), "maxLength": r.max_length, "asn": "AS%d" % (64511 if i == INVALID_ROA else r.asn)}
        for i, r in enumerate(ordered)
        if i not in MISSING_ROAS
    ]
    path.write_text(json.dumps({"roas": vrps}))


def inventory(work, routers, client_key, known_hosts):
    """The lab inventory's settings (IRR, registries) and the bench routers, read over SSH with the client key,
    their host keys checked against ``known_hosts``."""
    lab = yaml.safe_load((REPO / "inventories" / "lab" / "group_vars" / "all.yml").read_text())
    hosts = {name(n): {"routesec_bird_config": str(work / name(n) / "bird.conf")} for n in range(1, routers + 1)}
    login = {
        "routesec_ssh_port": SSH_PORT,
        "routesec_ssh_username": getpass.getuser(),
        "routesec_ssh_key": str(client_key),
        "routesec_known_hosts": str(known_hosts),
    }
    group = {"hosts": hosts, "vars": dict(login, ansible_connection="local")}
    tree = {"all": {"vars": dict(lab, ansible_python_interpreter=sys.executable), "children": {"routers": group}}}
    path = work / "inventory.json"
    path.write_text(json.dumps(tree))
    return path


class TreeMemory(threading.Thread):
    """Samples the processes below ``root`` every ``interval`` s: per kind of process (the module an AnsiballZ process
    runs, else the program) its peak RSS and when it was first and last seen; every ``pss_every``-th time also the
    sum of their PSS (shared pages counted once, in shares), whose peak is kept. Reading a large process's PSS costs
    tens of milliseconds of CPU (the kernel walks its pages), so that sum is taken less often; ``cpu`` is what the
    sampling cost."""

    def __init__(self, root, interval=0.5, pss_every=10):
        super().__init__(daemon=True)
        self.root, self.interval, self.pss_every, self.done = root, interval, pss_every, threading.Event()
        self.peak_pss, self.peak_rss, self.seen, self.cpu = 0, Counter(), {}, 0.0

    def run(self):
        for tick in itertools.count():
            if self.done.is_set():
                break
            self.sample(tick % self.pss_every == 0)
            self.done.wait(self.interval)
        self.cpu = time.thread_time()

    def sample(self, pss):
        children = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                ppid = int(Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
        todo, total, page_kb = [self.root], 0, os.sysconf("SC_PAGE_SIZE") // 1024
        while todo:
            pid = todo.pop()
            todo += children.get(pid, [])
            try:
                rss = int(Path("/proc", str(pid), "statm").read_text().split()[1]) * page_kb
                argv = Path("/proc", str(pid), "cmdline").read_bytes().split(b"\0")
                total += self.pss(pid) if pss else 0
            except (OSError, ValueError, IndexError):
                continue
            kind = self.kind(pid, [a.decode(errors="replace") for a in argv if a])
            self.peak_rss[kind] = max(self.peak_rss[kind], rss)
            self.seen[kind] = (self.seen.get(kind, (time.time(),))[0], time.time())
        self.peak_pss = max(self.peak_pss, total)

    @staticmethod
    def pss(pid):
        rollup = Path("/proc", str(pid), "smaps_rollup").read_text().split()
        return int(rollup[rollup.index("Pss:") + 1])

    def kind(self, pid, argv):
        module = next((a.rsplit("AnsiballZ_", 1)[1][:-3] for a in argv if "AnsiballZ_" in a), None)
        if module:
            return "%s module" % module
        if pid == self.root:
            return "ansible-playbook"
        if any(a.endswith("/ansible-playbook") for a in argv):
            return "ansible-playbook forks"
        try:  # a process that is exiting shows no command line
            program = os.path.basename(argv[0]) if argv else Path("/proc", str(pid), "comm").read_text().strip()
        except OSError:
            program = "?"
        return "ansible-playbook forks" if program.startswith("ansible-playboo") else program

    def ran(self, kind):
        """Seconds from the first to the last sample that saw a process of ``kind``."""
        first, last = self.seen.get(kind, (0, 0))
        return last - first


def playbook(work, inventory_path, vrps, forks):
    """Run compliance.yml: ({start, end (epoch s), status, maxrss (wait4's peak RSS, kB), memory (TreeMemory)},
    the phase log)."""
    log = work / "phases.json"
    env = callback_env(CALLBACKS, "phase_log", "ROUTESEC_PHASE_LOG", log)
    variables = {
        "routesec_current_vrps": str(vrps),
        "routesec_report_dir": str(work / "report"),
        "routesec_compliance_max_findings": 10**9,  # the findings are the figures here, not a failure
    }
    command = ["ansible-playbook", "-i", inventory_path, PLAYBOOK, "-f", forks, "-e", json.dumps(variables)]
    with (work / "ansible.out").open("w") as out:
        started = time.time()
        proc = subprocess.Popen([str(a) for a in command], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        memory = TreeMemory(proc.pid)
        memory.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        ended = time.time()
    memory.done.set()
    memory.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    phases = json.loads(log.read_text()) if log.exists() else []
    run = {"start": started, "end": ended, "status": proc.returncode, "maxrss": usage.ru_maxrss, "memory": memory}
    return run, phases


def start_fleet(work, routers, intent, caches, daemons):
    """The hub and the routers, each with its sshd (but the last), added to ``daemons``; returns the client key
    and a known_hosts file naming every sshd."""
    start_hub(work, routers)
    for n in range(1, routers + 1):
        text, files = router_files(n, intent[name(n)].prefix_lists, caches)
        start_router(work, n, text, files)
    keys = work / "ssh"
    keys.mkdir()
    host_key, client_key, authorized = key_login(keys)
    for n in range(1, routers):
        folder = keys / name(n)
        folder.mkdir()
        daemons.append(start_sshd(folder, SSH_PORT, host_key, authorized, mgmt(n)))
    known_hosts = keys / "known_hosts"
    known_hosts.write_text("".join(known_hosts_line(mgmt(n), SSH_PORT, host_key) for n in range(1, routers)))
    return client_key, known_hosts


def check_findings(findings):
    """The seeded problems are found, and nothing else on the routers or in the RPKI."""
    expected = {
        "filter-drift": 1,
        "rtr-missing": 1,
        "router-unreachable": 1,
        "roa-missing": len(MISSING_ROAS),
        "rpki-invalid": 1,
    }
    got = {check: findings.get(check, 0) for check in expected}
    assert got == expected, "findings %s, seeded %s" % (got, expected)
    assert set(findings) <= set(expected) | {"route-object-missing", "roa-wide-max-length"}, findings


def report(args, run, phases):
    by_action = {task["action"].rsplit(".", 1)[-1]: task for task in phases}
    intent, state, compliance = (by_action[a] for a in ("netbox_intent", "router_state", "compliance"))
    result = next(iter(compliance["hosts"].values()))
    if run["status"] or result["status"] != "ok":
        sys.exit("compliance_scale: ansible-playbook failed (status %d): %s" % (run["status"], result.get("msg")))
    netbox = next(iter(intent["hosts"].values()))
    findings = result["findings"]
    check_findings(findings)
    reached = sum(1 for h in state["hosts"].values() if h["status"] == "ok")
    print(
        "compliance run: %d BIRD 2 routers read over SSH, %d NetBox prefixes checked, ansible-playbook -f %d, %d CPU cores"
        % (args.routers, result["summary"]["prefixes"], args.forks, os.cpu_count())
    )
    print("wall time: %.1f s (ansible-playbook, start to exit)" % (run["end"] - run["start"]))
    memory = run["memory"]
    print("  %-58s %8s %18s" % ("phase", "wall s", "its modules ran s"))
    print("  %-58s %8.1f" % ("start-up (inventory, playbook) until the first task", phases[0]["start"] - run["start"]))
    for label, task in (
        ("netbox_intent (the managed routers, once)", intent),
        ("router_state (%d routers, %d read)" % (args.routers, reached), state),
        ("compliance (NetBox, VRPs, IRR whois, checks, 3 reports)", compliance),
    ):
        ran = memory.ran("%s module" % task["action"].rsplit(".", 1)[-1])
        print("  %-58s %8.1f %18.1f" % (label, task["end"] - task["start"], ran))
    print(
        "NetBox API calls: %d (netbox_intent %d, of which reading NetBox %.1f s; compliance %d)"
        % (netbox["api_calls"] + result["api_calls"], netbox["api_calls"], netbox["seconds"], result["api_calls"])
    )
    print(
        "peak memory: largest process %.0f MB RSS (exact, wait4); whole process tree %.0f MB PSS (sampled every %.0f s)"
        % (run["maxrss"] / 1024, memory.peak_pss / 1024, memory.interval * memory.pss_every)
    )
    peaks = sorted(memory.peak_rss.items(), key=lambda item: -item[1])
    listed = ", ".join("%s %.0f MB" % (k, kb / 1024) for k, kb in peaks if kb > 10240)
    print(
        "  peak RSS by process (sampled every %.1f s): %s; sampling cost %.1f s CPU"
        % (memory.interval, listed, memory.cpu)
    )
    ordered = sorted(findings.items(), key=lambda item: -item[1])
    print("findings: %d (%s)" % (sum(findings.values()), ", ".join("%s %d" % item for item in ordered)))
    print(
        "as seeded: filter-drift on r%02d, rtr-missing on r%02d, %s unreachable, %d roa-missing, 1 rpki-invalid"
        % (DRIFT, NO_RTR, name(args.routers), len(MISSING_ROAS))
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routers", type=int, default=50, choices=range(NO_RTR + 1, 255), metavar="N")
    parser.add_argument("--prefixes", type=int, default=50_000)
    parser.add_argument("--forks", type=int, default=50)
    args = parser.parse_args()
    daemons = []

    def stop_sshd():
        for daemon in daemons:
            daemon.terminate()
            daemon.wait(timeout=10)

    def reset_lab():
        # A reset that fails half-way (a lab daemon slow to start) can leave a daemon stopped: up, then reset again.
        for verb in ("reset", "up", "reset"):
            done = subprocess.run(["bash", REPO / "tests" / "lab" / "lab.sh", verb], capture_output=True, check=False)
            if done.returncode == 0 and verb == "reset":
                return
            if done.returncode:
                print("compliance_scale: lab.sh %s failed:\n%s" % (verb, done.stderr.decode()[-3000:]), file=sys.stderr)

    work, clean = work_folder("compliance", stop_sshd, reset_lab)
    url, token = os.environ["NETBOX_URL"], os.environ["NETBOX_TOKEN"]
    try:
        started = time.monotonic()
        seed_netbox(connect(url, token, timeout=600), args.routers, args.prefixes)
        intent, caches, roas = netbox_intent(url, token)
        write_vrps(work / "vrps.json", roas)
        seeded = time.monotonic()
        client_key, known_hosts = start_fleet(work, args.routers, intent, caches, daemons)
        up = time.monotonic()
        every = {name(n) for n in range(1, args.routers + 1)}
        wait_until("all BGP sessions to the hub Established", lambda: established(work / "hub" / "bird.ctl") >= every)
        print(
            "NetBox seeded in %.1f s; %d routers rendered and started in %.1f s, all Established to the hub %.1f s later"
            % (seeded - started, args.routers, up - seeded, time.monotonic() - up)
        )
        inventory_path = inventory(work, args.routers, client_key, known_hosts)
        report(args, *playbook(work, inventory_path, work / "vrps.json", args.forks))
    finally:
        clean()


if __name__ == "__main__":
    main()
