# -*- coding: utf-8 -*-
"""ASPA path verification on real routers: BIRD 2.17 and OpenBGPD 8.8 (Debian trixie's, trixie.py), each with a
customer, a peer and a transit, deployed with routesec's session policy and fed ROAs and ASPAs over RTR version 2.

Each daemon gets network namespaces of its own: the router's, which also runs the RTR cache on its loopback, and
the neighbours', one ExaBGP 4.2 with three sessions (customer AS64501, peer AS64502, transit AS64503) over one veth
pair. Nothing has an address outside them. Each daemon runs with each of two caches serving ``DATA``:

* ``rtr_cache``: rtr_cache.py, a cache written for tests, serving ``DATA`` as it is;
* ``fort_1_7``: FORT 1.7 (Debian sid's), which validates an RPKI repository the test signed with ``DATA``'s ROAs
  and ASPAs (rpki_repository.py) and serves what it validated, with the configuration routesec renders for it
  (``fort_config`` with ``fort_version: "1.7"``): the whole chain from signed objects to the routers' tables.

The routers' origin-validation part is ``render_rov`` with ``aspa``, their session file is deployed through the
session policy's planner and the file drivers (``bird -p`` and ``birdc configure``, ``bgpd -n`` and ``bgpctl
reload`` of the same daemons), with ``aspa`` on.

Each neighbour announces a valid path, a leak (a path the ASPAs make invalid: from the customer and the peer
verified upstream, from the transit downstream) and a path through ASes without an ASPA (unknown). What the
router accepted is read from its own table once it has received every route: the valid paths always, the
invalid never, the unknown ones with ``aspa_unknown: accept`` and not with ``reject``. The states are those
routesec's own verifier (rpki/aspa.py) gives the same paths. Check mode changes nothing on the router, and a
second run changes nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.bird2 import Bird2Driver
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.openbgpd import OpenbgpdDriver
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.runner import LocalRunner
from ansible_collections.routesec.bgp.plugins.module_utils.intent import model
from ansible_collections.routesec.bgp.plugins.module_utils.intent.sessions import Session
from ansible_collections.routesec.bgp.plugins.module_utils.plan.deploy import DeployOptions, deploy
from ansible_collections.routesec.bgp.plugins.module_utils.plan.session_policy import session_policy_plan
from ansible_collections.routesec.bgp.plugins.module_utils.policy import objects
from ansible_collections.routesec.bgp.plugins.module_utils.policy.options import ASPA_DIRECTION, PolicyOptions
from ansible_collections.routesec.bgp.plugins.module_utils.render import bird2, openbgpd
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.aspa import aspas_from_json, verify
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.router_policy import RovPolicy, RtrCache
from rpki_repository import signed_json
from rpki_validation import FIRST_VALIDATION, fort_argv, fort_configuration, fort_output
from trixie import shared_folder, trixie_argv, trixie_chroot_argv, trixie_root, trixie_script

HERE = Path(__file__).resolve().parent
EXABGP = "/usr/sbin/exabgp"
OURS, ROUTER = 64500, "10.64.0.1"
NEIGHBORS = {  # relationship: (AS, address)
    "customer": (64501, "10.64.0.11"),
    "peer": (64502, "10.64.0.12"),
    "transit": (64503, "10.64.0.13"),
}
# The customer's customer 64504, the peer's customer 64508, the transit's customer 64505; 64506, 64507 and 64509
# publish no ASPA; the transit's own provider is 64510.
DATA = {
    "roas": [{"prefix": "193.0.1.0/24", "maxLength": 24, "asn": "AS64504"}],
    "aspas": [
        {"customer_asid": 64501, "providers": [64500]},
        {"customer_asid": 64502, "providers": [64503]},
        {"customer_asid": 64503, "providers": [64510]},
        {"customer_asid": 64504, "providers": [64501]},
        {"customer_asid": 64505, "providers": [64503]},
        {"customer_asid": 64508, "providers": [64502]},
    ],
}
# relationship: {prefix: (AS path, the ASPA state the path has from that neighbour)}
ROUTES = {
    "customer": {
        "193.0.1.0/24": ((64501, 64504), "valid"),
        "193.0.2.0/24": ((64501, 64505), "invalid"),  # the transit's customer's route, leaked by our customer
        "193.0.3.0/24": ((64501, 64507), "unknown"),
    },
    "peer": {
        "193.0.11.0/24": ((64502, 64508), "valid"),
        "193.0.12.0/24": ((64502, 64505), "invalid"),  # leaked by the peer
        "193.0.13.0/24": ((64502, 64509), "unknown"),
    },
    "transit": {
        "193.0.21.0/24": ((64503, 64505), "valid"),
        "193.0.22.0/24": ((64503, 64506, 64501, 64504), "invalid"),  # our customer's route through a valley
        "193.0.23.0/24": ((64503, 64507, 64509), "unknown"),
    },
}
OWN = "185.230.76.0/22"
SETTLE = 60  # seconds for routes to reach a table once their session is up
CONFIRM = 20  # seconds of the commit-confirmed timer (OpenBGPD's is a shell on the router that outlives the test)


def expected(relationship, unknown="accept"):
    """The prefixes the router keeps from ``relationship`` with ``aspa_unknown`` set to ``unknown``."""
    kept = ("valid", "unknown") if unknown == "accept" else ("valid",)
    return {prefix for prefix, (_path, state) in ROUTES[relationship].items() if state in kept}


def test_the_paths_have_the_states_routesecs_verifier_gives_them():
    aspas = aspas_from_json(json.dumps(DATA))
    for relationship, routes in ROUTES.items():
        asn = NEIGHBORS[relationship][0]
        for prefix, (path, state) in routes.items():
            assert verify(path, aspas, ASPA_DIRECTION[relationship], asn) == state, prefix


def intent(platform):
    """Our router (AS64500) with its three sessions and their IRR lists; the peer's role is turned off in NetBox
    (OpenBGPD still needs one for the ASPA direction), the others have the ones their relationships imply."""
    roles = {"customer": "provider", "peer": None, "transit": "customer"}
    sessions = tuple(
        Session(address, asn, rel, name=rel, role=roles[rel], as_set="AS-TEST" if rel != "transit" else None)
        for rel, (asn, address) in NEIGHBORS.items()
    )
    lists = [model.PrefixList(objects.own_list(4), 4, (model.PrefixEntry(model.parse_prefix(OWN)),))]
    origins = []
    for relationship in ("customer", "peer"):
        asn = NEIGHBORS[relationship][0]
        entries = tuple(model.PrefixEntry(model.parse_prefix(prefix)) for prefix in sorted(ROUTES[relationship]))
        lists.append(model.PrefixList(objects.irr_list(asn, 4), 4, entries))
        path_ases = sorted({a for path, _state in ROUTES[relationship].values() for a in path})
        origins.append(model.AsPathList(objects.origin_list(asn), asn, tuple(path_ases)))
    device = model.Device("ours", platform, None, OURS)
    return model.DeviceIntent(device, tuple(lists), as_path_lists=tuple(origins), sessions=sessions)


def options(unknown="accept"):
    return PolicyOptions(aspa=True, aspa_unknown=unknown, bogon_asn_exceptions=((64496, 64511),))


def sh(*argv, **kwargs):
    return subprocess.run([str(a) for a in argv], check=True, capture_output=True, text=True, **kwargs).stdout


def wait_for(condition, what, seconds=SETTLE):
    """``condition()``'s first true value within ``seconds``; AssertionError naming ``what`` otherwise."""
    deadline = time.monotonic() + seconds
    while True:
        found = condition()
        if found:
            return found
        assert time.monotonic() < deadline, "no %s within %d s" % (what, seconds)
        time.sleep(0.1)


@contextmanager
def namespaces():
    """The router's network namespace and the neighbours', joined by a veth pair: ``(router, neighbours)``."""
    tag = "rsaspa%s" % uuid.uuid4().hex[:8]
    router, neighbors = tag + "r", tag + "n"
    try:
        for ns in (router, neighbors):
            sh("ip", "netns", "add", ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", router, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", neighbors)
        sh("ip", "-n", router, "addr", "add", ROUTER + "/24", "dev", "eth0")
        for _asn, address in NEIGHBORS.values():
            sh("ip", "-n", neighbors, "addr", "add", address + "/24", "dev", "eth0")
        for ns in (router, neighbors):
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
        yield router, neighbors
    finally:
        for ns in (router, neighbors):
            subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True)


class Processes:
    """The processes a test starts, each ended (by its own id) when the test is done."""

    def __init__(self):
        self.started = []

    def start(self, argv, log, **kwargs):
        with open(log, "ab") as out:
            process = subprocess.Popen([str(a) for a in argv], stdout=out, stderr=subprocess.STDOUT, **kwargs)
        self.started.append(process)
        return process

    def stop(self):
        for process in reversed(self.started):
            process.terminate()
        for process in reversed(self.started):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def start_test_cache(processes, router_ns, folder):
    """rtr_cache.py serving DATA on the router namespace's loopback, port 323, once it listens."""
    data = folder / "rpki.json"
    data.write_text(json.dumps(DATA))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    argv = ["ip", "netns", "exec", router_ns, sys.executable, HERE / "rtr_cache.py", data, "127.0.0.1", "323"]
    log = folder / "rtr_cache.log"
    started(processes.start(argv, log, env=env), log, "listening")


def start_fort(processes, router_ns, folder):
    """FORT 1.7 validating the repository signed with DATA's ROAs and ASPAs, and serving what it validated over RTR
    on the router namespace's loopback, port 323, once its first validation is done; it must have validated
    DATA's ASPAs."""
    fort = folder / "fort"
    config = fort_configuration(signed_json(json.dumps(DATA)), fort, rtr={"address": "127.0.0.1", "port": 323})
    log = folder / "fort.log"
    started(processes.start(["ip", "netns", "exec", router_ns, *fort_argv(config)], log), log, FIRST_VALIDATION)
    assert fort_output(fort)[1] == aspas_from_json(json.dumps(DATA)), log.read_text()


def started(process, log, message):
    """Wait until ``process`` writes ``message`` into ``log``; it must be running then."""
    wait_for(lambda: message in log.read_text() or process.poll() is not None, "%r in %s" % (message, log.name), 30)
    assert process.poll() is None, log.read_text()


CACHES = {"rtr_cache": start_test_cache, "fort_1_7": start_fort}


def exabgp_config():
    """One neighbour block per session of ours, each announcing its ROUTES with their paths."""
    blocks = []
    for relationship, (asn, address) in NEIGHBORS.items():
        routes = "".join(
            "\t\troute %s next-hop self as-path [ %s ];\n" % (prefix, " ".join(str(a) for a in path))
            for prefix, (path, _state) in sorted(ROUTES[relationship].items())
        )
        blocks.append(
            "neighbor %s {\n\trouter-id %s;\n\tlocal-address %s;\n\tlocal-as %d;\n\tpeer-as %d;\n\thold-time 9;\n"
            "\tgroup-updates false;\n\tcapability {\n\t\troute-refresh;\n\t}\n\tfamily {\n\t\tipv4 unicast;\n\t}\n"
            "\tstatic {\n%s\t}\n}\n" % (ROUTER, address, address, asn, OURS, routes)
        )
    return "\n".join(blocks)


def start_neighbors(processes, neighbors_ns, folder):
    """ExaBGP with the three sessions: it connects to the router and announces ROUTES."""
    conf = folder / "exabgp.conf"
    conf.write_text(exabgp_config())
    settings = {
        "exabgp.daemon.user": "root",
        "exabgp.daemon.drop": "false",
        "exabgp.daemon.daemonize": "false",
        "exabgp.api.cli": "false",
        "exabgp.tcp.bind": "",
        "exabgp.log.destination": str(folder / "exabgp.log"),
    }
    env = dict(os.environ, **settings)
    processes.start(["ip", "netns", "exec", neighbors_ns, EXABGP, conf], folder / "exabgp.out", env=env)


class Bird:
    """BIRD 2.17 as our router."""

    platform = "bird2"
    MAIN = (
        'log "{folder}/bird.log" all;\nrouter id {router};\n\nprotocol device {{\n}}\n\n{rov}\ninclude "{sessions}";\n'
    )

    def __init__(self, folder):
        self.folder, self.sessions, self.main = folder, folder / "sessions.conf", folder / "bird.conf"
        self.socket = folder / "bird.ctl"

    def start(self, processes, router_ns):
        rov = bird2.render_rov([RtrCache("127.0.0.1", 323)], RovPolicy(aspa=True))
        self.main.write_text(self.MAIN.format(folder=self.folder, router=ROUTER, rov=rov, sessions=self.sessions))
        argv = ["ip", "netns", "exec", router_ns, *trixie_argv("bird"), "-f", "-c", self.main, "-s", self.socket]
        processes.start(argv, self.folder / "bird.out")
        wait_for(lambda: "up and running" in self.birdc("show", "status"), "BIRD", 30)

    def birdc(self, *words):
        argv = [*trixie_argv("birdc"), "-s", str(self.socket), *words]
        return subprocess.run(argv, capture_output=True, text=True, check=False).stdout

    def aspas(self):
        found = re.search(r"(\d+) of \d+ routes", self.birdc("show", "route", "table", bird2.ASPA_TABLE, "count"))
        return int(found[1]) if found else 0

    def driver(self):
        scripts = {name: trixie_script(name, self.folder) for name in ("bird", "birdc")}
        return Bird2Driver(LocalRunner(), str(self.sessions), str(self.socket), main_path=str(self.main), **scripts)

    def neighbors(self):
        """The BGP sessions routesec wrote that the running BIRD has."""
        lines = self.birdc("show", "protocols").splitlines()
        return [line.split()[0] for line in lines if line.startswith("routesec_") and " BGP " in line]

    def session_names(self):
        return [self.protocol(relationship) for relationship in NEIGHBORS]

    @staticmethod
    def protocol(relationship):
        asn, address = NEIGHBORS[relationship]
        return "routesec_%s_as%d_%s" % (relationship, asn, re.sub(r"\W", "_", address))

    def received(self, relationship):
        text = self.birdc("show", "protocols", "all", self.protocol(relationship))
        found = re.search(r"Import updates:\s+(\d+)", text)
        return int(found[1]) if found else 0

    def accepted(self, relationship):
        table = self.birdc("show", "route", "protocol", self.protocol(relationship))
        return {line.split()[0] for line in table.splitlines()[1:] if line[:1].isdigit()}


class Openbgpd:
    """OpenBGPD 8.8 as our router, chrooted in the trixie root (bgpd runs its engines as new processes)."""

    platform = "openbgpd"
    MAIN = 'AS {asn}\nrouter-id {router}\nsocket "{socket}"\nfib-update no\n{rtr}include "{sessions}"\n'

    def __init__(self, folder):
        self.folder, self.sessions, self.main = folder, folder / "sessions.conf", folder / "bgpd.conf"
        self.socket = folder / "bgpd.sock"

    def start(self, processes, router_ns):
        (trixie_root() / "run" / "openbgpd").mkdir(exist_ok=True)  # where bgpd's engines chroot to
        rtr, _rules = openbgpd.render_rov([RtrCache("127.0.0.1", 323)], RovPolicy(aspa=True))
        text = self.MAIN.format(asn=OURS, router=ROUTER, socket=self.socket, rtr=rtr, sessions=self.sessions)
        self.main.write_text(text)
        argv = ["ip", "netns", "exec", router_ns, *trixie_chroot_argv("bgpd"), "-d", "-f", self.main]
        processes.start(argv, self.folder / "bgpd.out")
        wait_for(self.socket.exists, "bgpd's control socket", 30)

    def bgpctl(self, *words):
        argv = [*trixie_argv("bgpctl"), "-s", str(self.socket), *words]
        return subprocess.run(argv, capture_output=True, text=True, check=False).stdout

    def aspas(self):
        found = re.search(r"^ASPA\s+RPKI ASPA\s+-\s+-\s+(\d+)", self.bgpctl("show", "sets"), re.MULTILINE)
        return int(found[1]) if found else 0

    def driver(self):
        scripts = {name: trixie_script(name, self.folder) for name in ("bgpd", "bgpctl")}
        return OpenbgpdDriver(LocalRunner(), str(self.sessions), str(self.socket), main_path=str(self.main), **scripts)

    def neighbors(self):
        """The neighbours the running bgpd has."""
        return [line.split()[0] for line in self.bgpctl("show", "summary").splitlines()[1:] if line.strip()]

    @staticmethod
    def session_names():
        return list(NEIGHBORS)  # bgpctl names a neighbour by its description, the session's name

    def rib(self, *words):
        text = self.bgpctl("-j", "show", "rib", *words)
        return json.loads(text).get("rib", []) if text.strip() else []

    def received(self, relationship):
        return len(self.rib("in", "neighbor", NEIGHBORS[relationship][1]))

    def accepted(self, relationship):
        return {route["prefix"] for route in self.rib("neighbor", NEIGHBORS[relationship][1])}


@contextmanager
def router_folder(daemon):
    """A folder for the daemon's files: inside the trixie root for the chrooted bgpd, else a short one in /tmp
    (a control socket's path must stay short)."""
    if daemon is Openbgpd:
        with shared_folder("routesec-aspa-") as folder:
            yield folder
        return
    folder = Path(tempfile.mkdtemp(prefix="routesec-aspa-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def deployed(router, settings, check_mode=False):
    """The session policy of ``intent`` under ``settings``, deployed through the planner and the file driver."""
    planner = session_policy_plan(intent(router.platform), settings, check_mode=check_mode)
    with router.driver() as driver:
        return deploy(driver, planner, DeployOptions(check_mode=check_mode, confirm_timeout=CONFIRM))


ROUTERS = [(daemon, cache) for daemon in (Bird, Openbgpd) for cache in CACHES]


@pytest.fixture(scope="module", params=ROUTERS, ids=["%s-%s" % (d.platform, c) for d, c in ROUTERS])
def router(request):
    """The daemon as our router with ASPAs loaded from the cache and its sessions deployed (check mode, then a run,
    then a second run: ``runs``), its neighbours announcing ROUTES, and what it kept from them then
    (``first_table``)."""
    kind, cache = request.param
    processes = Processes()
    with router_folder(kind) as folder, namespaces() as (router_ns, neighbors_ns):
        try:
            daemon = kind(folder)
            daemon.sessions.write_text("")
            CACHES[cache](processes, router_ns, folder)
            daemon.start(processes, router_ns)
            wait_for(lambda: daemon.aspas() == len(DATA["aspas"]), "ASPAs at the router over RTR", 30)
            checked = deployed(daemon, options(), check_mode=True)
            daemon.after_check = (daemon.sessions.read_text(), daemon.neighbors())
            daemon.runs = [checked, deployed(daemon, options()), deployed(daemon, options())]
            start_neighbors(processes, neighbors_ns, folder)
            daemon.first_table = table(daemon, "accept")
            yield daemon
        finally:
            processes.stop()


def table(router, unknown):
    """What the router keeps from each neighbour once it has received every route: the expected sets within
    SETTLE seconds, else what it holds then."""
    for relationship, routes in ROUTES.items():
        wait_for(
            lambda r=relationship: router.received(r) >= len(ROUTES[r]),
            "%s routes from the %s" % (len(routes), relationship),
        )
    want = {relationship: expected(relationship, unknown) for relationship in ROUTES}
    deadline = time.monotonic() + SETTLE
    while True:
        found = {relationship: router.accepted(relationship) for relationship in ROUTES}
        if found == want or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_check_mode_changes_nothing_then_deploys_then_a_second_run_changes_nothing(router):
    checked, applied, again = router.runs
    first_session = {"bird2": "+protocol bgp routesec_customer", "openbgpd": "+neighbor 10.64.0.11 {"}
    assert not checked.committed and first_session[router.platform] in checked.diff
    assert router.after_check == ("", [])  # the file and the router's sessions as they were
    assert applied.committed and "routesec session policy of ours" in router.sessions.read_text()
    assert sorted(router.neighbors()) == sorted(router.session_names())
    assert not again.changed and not again.committed


def test_leaks_are_rejected_and_valid_and_unknown_paths_accepted_once_deployed(router):
    assert router.first_table == {relationship: expected(relationship, "accept") for relationship in ROUTES}


@pytest.mark.parametrize("unknown, before", [("reject", "accept"), ("accept", "reject")])
def test_after_a_change_of_policy_unknown_paths_go_as_the_option_says_and_leaks_stay_rejected(router, unknown, before):
    """A change of the filters makes the router evaluate its routes again (on OpenBGPD 8.8 with every ASPA state
    unknown until the routes come again: the deployment asks every neighbour for them)."""
    deployed(router, options(before))
    deployed(router, options(unknown))
    assert table(router, unknown) == {relationship: expected(relationship, unknown) for relationship in ROUTES}
