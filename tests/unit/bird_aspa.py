# -*- coding: utf-8 -*-
"""BIRD 2.17's ASPA verification (``aspa_check``) of many AS paths in one BIRD run, to set beside routesec's.

**The configuration** (``bird_config(aspas, paths)``) holds the ASPA set as the routes of ``protocol static
aspa_set`` in ``aspa table aspas``: ``route aspa CUSTOMER providers P1, P2;`` per customer AS with its U-SPAS, and
``route aspa CUSTOMER transit;`` for an empty provider set (an AS0 ASPA), which BIRD stores as the provider list
[0]. Path number i is the static route ``ROUTES_FROM + i`` (a /32) of ``ipv4 table paths``, whose statement block
sets ``bgp_path`` to the empty path and prepends the path's ASes from the origin to the neighbour, prepending
included. BIRD's filter language builds AS_SEQUENCE segments only: a path holding an AS_SET cannot be given to it
(``feedable``). With static routes only, BIRD opens no socket besides its control socket.

**The verdicts** (``verdicts``): for each direction and state, ``show route table paths where aspa_check(aspas,
bgp_path, IS_UPSTREAM) = ASPA_STATE`` lists the routes, so the paths, with that verdict: six walks of the table
whatever the number of paths, each route checked when the command runs. ``aspa_check(table, path, is_upstream)``
takes the path as BGP carries it (neighbour first, origin last, the local AS not in it) and has no neighbour-AS
argument: in BIRD the first-AS check is the BGP session's ``enforce first as`` option, which drops a route whose
first AS is not the neighbour's instead of giving it an ASPA state.

``running_trixie_bird(conf, workdir, expected_routes)`` runs Debian trixie's BIRD (``trixie.py``) in the foreground
and yields a ``BirdControl``, a client of the control socket's line protocol (no birdc process per command), once
the tables hold the expected number of routes: the configuration is then in force, every route checkable.
``bird_verdicts(aspas, paths, workdir)`` does all of it: ``{direction: {path: state}}``.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from ansible_collections.routesec.bgp.plugins.module_utils.rpki.aspa import (
    DIRECTIONS,
    INVALID,
    UNKNOWN,
    UPSTREAM,
    VALID,
)
from trixie import trixie_argv

ROUTES_FROM = ipaddress.IPv4Address("10.0.0.0")  # path i is ROUTES_FROM + i; a /8 holds 16 million paths
BIRD_STATES = {VALID: "ASPA_VALID", INVALID: "ASPA_INVALID", UNKNOWN: "ASPA_UNKNOWN"}
READY_WITHIN = 60  # seconds for BIRD to read its configuration and fill its tables
ROUTE_LINE = re.compile(r"^\s*(\d+\.\d+\.\d+\.\d+)/32\s")
ROUTE_COUNT = re.compile(r"^(\d+) of \d+ routes for \d+ networks in table (\w+)")


class BirdError(RuntimeError):
    """BIRD answered a command with an error (a reply code 8xxx or 9xxx)."""


def feedable(path):
    """Can BIRD's filters build ``path``? Only paths of AS numbers: no filter statement makes an AS_SET."""
    return all(asn.__class__ is int for asn in path)


def bird_config(aspas, paths):
    """The BIRD configuration holding ``aspas`` ({customer: providers}) and one route per path of ``paths``."""
    lines = ["router id 192.0.2.1;", "ipv4 table paths;", "aspa table aspas;", ""]
    lines += ["protocol static aspa_set {", "  aspa { table aspas; };"]
    lines += ["  route aspa %d %s;" % (customer, provider_clause(aspas[customer])) for customer in sorted(aspas)]
    lines += ["}", "", "protocol static path_routes {", "  ipv4 { table paths; };"]
    lines += [
        "  route %s/32 unreachable { %s };" % (ROUTES_FROM + index, path_statements(path))
        for index, path in enumerate(paths)
    ]
    lines += ["}", ""]
    return "\n".join(lines)


def provider_clause(providers):
    if not providers:
        return "transit"  # the AS0 ASPA; BIRD keeps it as the provider list [0]
    return "providers " + ", ".join(str(asn) for asn in sorted(providers))


def path_statements(path):
    """Filter statements making ``bgp_path`` equal to ``path`` (neighbour first): prepend from the origin up."""
    if not feedable(path):
        raise ValueError("BIRD's filters cannot build the AS_SET of %r" % (path,))
    return "bgp_path = +empty+; " + "".join("bgp_path.prepend(%d); " % asn for asn in reversed(path))


def check_query(direction, state, count=False):
    """The CLI command listing (or counting) the routes of table ``paths`` whose path has ``state``."""
    is_upstream = "true" if direction == UPSTREAM else "false"
    query = "show route table paths where aspa_check(aspas, bgp_path, %s) = %s" % (is_upstream, BIRD_STATES[state])
    return query + " count" if count else query


class BirdControl:
    """A client of BIRD's control socket: ``command(line)`` is the list of the reply's text lines."""

    def __init__(self, path):
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket.connect(str(path))
        self._stream = self._socket.makefile("rwb")
        self._reply("greeting")  # "0001 BIRD 2.17.6 ready."

    def command(self, line):
        self._stream.write(line.encode() + b"\n")
        self._stream.flush()
        return self._reply(line)

    def _reply(self, line):
        """Lines "DDDD-text" (more follow), " text" (same code as the line before) until "DDDD text" (the last).
        An error (code 8xxx or 9xxx) is raised once its reply is read whole."""
        texts, error = [], None
        while True:
            raw = self._stream.readline()
            if not raw:
                raise BirdError("BIRD closed its control socket while answering %r" % line)
            text = raw.decode().rstrip("\n")
            if not text[:4].isdigit():
                texts.append(text[1:])
                continue
            error = error or (text if text[0] in "89" else None)
            texts.append(text[5:])
            if text[4:5] == " ":
                break
        if error:
            raise BirdError("%r: %s" % (line, error))
        return texts

    def close(self):
        self._stream.close()
        self._socket.close()


def route_counts(control, tables):
    """{table name: number of routes} of ``tables``."""
    lines = control.command("show route %s count" % " ".join("table " + name for name in tables))
    return {match[2]: int(match[1]) for match in map(ROUTE_COUNT.match, lines) if match}


@contextmanager
def running_trixie_bird(conf, workdir, expected_routes):
    """Trixie's BIRD running ``conf``; yields a BirdControl once the tables hold ``expected_routes``
    ({table: number of routes}). BIRD's messages go to ``workdir``/bird.log, quoted when it fails."""
    workdir = Path(workdir)
    sock, log = workdir / "bird.ctl", workdir / "bird.log"
    with open(log, "wb") as messages:
        daemon = subprocess.Popen(
            trixie_argv("bird") + ["-f", "-c", str(conf), "-s", str(sock)], stdout=messages, stderr=messages
        )
    control = None
    try:
        control = wait_until_loaded(daemon, sock, log, expected_routes)
        yield control
    finally:
        if control is not None:
            control.close()
        daemon.terminate()
        daemon.wait(timeout=10)


def wait_until_loaded(daemon, sock, log, expected_routes):
    """Poll the control socket until the route counts are ``expected_routes``, within READY_WITHIN seconds."""
    deadline = time.monotonic() + READY_WITHIN
    control, seen = None, "no answer"
    while True:
        if daemon.poll() is not None:
            raise BirdError("BIRD exited with status %s:\n%s" % (daemon.returncode, log.read_text()[-3000:]))
        try:
            control = control or BirdControl(sock)
            seen = route_counts(control, expected_routes)
        except (OSError, BirdError) as error:  # no socket yet, or the configuration not yet in force
            if control is not None:
                control.close()
            control, seen = None, error
        if seen == expected_routes:
            return control
        if time.monotonic() > deadline:
            raise BirdError("BIRD did not load %s within %d s; last seen: %s" % (expected_routes, READY_WITHIN, seen))
        time.sleep(0.02)


def listed_indexes(lines):
    """The path numbers of the routes a ``show route`` reply lists."""
    matches = filter(None, map(ROUTE_LINE.match, lines))
    return [int(ipaddress.IPv4Address(match[1])) - int(ROUTES_FROM) for match in matches]


def verdicts(control, count):
    """{direction: [state of path i]} of the ``count`` paths; None where BIRD listed a path under no state."""
    found = {}
    for direction in DIRECTIONS:
        states = [None] * count
        for state in BIRD_STATES:
            for index in listed_indexes(control.command(check_query(direction, state))):
                states[index] = state
        found[direction] = states
    return found


def write_config(aspas, paths, workdir):
    conf = Path(workdir) / "bird.conf"
    conf.write_text(bird_config(aspas, paths))
    return conf


def bird_verdicts(aspas, paths, workdir):
    """{direction: {path: state}} of BIRD's aspa_check on the distinct ``paths`` (each ``feedable``) against ``aspas``."""
    paths = list(dict.fromkeys(tuple(path) for path in paths))
    conf = write_config(aspas, paths, workdir)
    with running_trixie_bird(conf, workdir, {"aspas": len(aspas), "paths": len(paths)}) as control:
        found = verdicts(control, len(paths))
    return {direction: dict(zip(paths, states)) for direction, states in found.items()}
