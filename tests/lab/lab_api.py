"""Helpers for tests that use the lab's routers (see routers.sh beside this file).

Standard library only. The lab itself is started with
``bash tests/lab/routers.sh up``; these helpers talk to it directly:

* FRR routers ``r1``, ``r2`` (AS 64500, ours) and ``transit`` (AS 64496) run in
  network namespaces; :func:`vtysh` reaches their vty sockets under
  ``$STATE/<node>/run`` without SSH. Their live configuration (what
  ``write memory`` saves) is ``$STATE/<node>/etc/{zebra,bgpd}.conf``.
* Two ExaBGP speakers, both AS 65000 (``SPEAKERS``): ``exa`` (198.18.0.100 /
  fdff:5e5::100) has sessions to r1 and r2 and r1/r2 accept all it sends;
  ``cust`` (198.18.0.101 / fdff:5e5::101), the customer AS65000 of r2, has
  sessions to r2 only, and r2 accepts its routes only through the prefix-lists
  ``ROUTESEC-AS65000-IN-V4``/``-V6`` (route-maps ``RS-CUST-IN-V4``/``-V6``),
  which the base config lacks: until they are pushed r2 accepts nothing from
  cust. :func:`exabgp` hands a speaker API commands through its FIFO,
  ``$STATE/exabgp.cmd`` (exa) or ``$STATE/exabgp-cust.cmd`` (cust).

* A BIRD 2 router, ``bird`` (198.18.0.102, AS 65000, IPv4 only), is a second customer router of AS65000 at
  r2, from which r2 accepts nothing until a policy is pushed; :func:`birdc` asks it, :func:`bird_configure`
  gives it a new configuration.

* StayRTR (``RTR_CACHE``: 198.18.0.20, port 3323, plain TCP) serves the
  lab-only VRPs of ``LAB_VRPS`` (validator JSON, documentation prefixes) to
  any router that configures it; bgpd of r1 and r2 runs with the rpki module.
  :func:`rpki_connections` and :func:`rpki_prefix_table` read a router's side.

``$STATE`` is ``$ROUTESEC_LAB_STATE`` or ``/run/routesec-lab``.

Run as a script (routers.sh does): ``python3 lab_api.py status`` prints the BGP
session states, ``wait-established [SECONDS]`` waits for all of them,
``wait-no-exa-routes [SECONDS]`` until r1/r2 hold no route from exa or cust and
``wait-clean [SECONDS]`` until :func:`is_clean`; each exits 1 on timeout.
"""

from __future__ import annotations

import errno
import ipaddress
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

HERE = Path(__file__).resolve().parent
ROUTERS_SH = HERE / "routers.sh"
VTYSH = "/usr/bin/vtysh"

#: FRR nodes reachable with :func:`vtysh`.
NODES = ("r1", "r2", "transit")

#: ExaBGP speakers (AS 65000), the ``speaker`` of :func:`exabgp`.
SPEAKERS = ("exa", "cust")

#: BGP neighbours each FRR node is configured with (address -> peer name).
PEERS = {
    "r1": {
        "198.18.0.100": "exa",
        "fdff:5e5::100": "exa",
        "198.18.0.10": "transit",
        "fdff:5e5::10": "transit",
    },
    "r2": {
        "198.18.0.100": "exa",
        "fdff:5e5::100": "exa",
        "198.18.0.10": "transit",
        "fdff:5e5::10": "transit",
        "198.18.0.101": "cust",
        "fdff:5e5::101": "cust",
        "198.18.0.102": "bird",
    },
    "transit": {
        "198.18.0.1": "r1",
        "fdff:5e5::1": "r1",
        "198.18.0.2": "r2",
        "fdff:5e5::2": "r2",
        "198.18.0.102": "bird",
    },
}

#: Link addresses of every node (IPv4, IPv6) on the shared 198.18.0.0/24 and
#: fdff:5e5::/64 segment.
ADDRESSES = {
    "r1": ("198.18.0.1", "fdff:5e5::1"),
    "r2": ("198.18.0.2", "fdff:5e5::2"),
    "transit": ("198.18.0.10", "fdff:5e5::10"),
    "exa": ("198.18.0.100", "fdff:5e5::100"),
    "cust": ("198.18.0.101", "fdff:5e5::101"),
    "bird": ("198.18.0.102", "fdff:5e5::102"),
}

#: The lab's BIRD 2 router (a customer router of AS65000 at r2, IPv4): its configuration file and control
#: socket live in ``$STATE/bird``; :func:`bird_configure` gives it a new configuration.
BIRD_NODE = "bird"

#: SSH management endpoints (host, port) for netmiko; user/password below.
SSH = {
    "r1": ("127.0.10.1", 2222),
    "r2": ("127.0.10.2", 2222),
    "transit": ("127.0.10.10", 2222),
}
SSH_USERNAME = "routesec"
SSH_PASSWORD = "routesec-lab"

#: The lab's RTR cache (StayRTR in namespace rslab-rpki): (address, TCP port).
#: Reachable from every router namespace; nothing is configured to use it.
RTR_CACHE = ("198.18.0.20", 3323)

#: The VRPs StayRTR serves (``{"roas": [{"prefix", "maxLength", "asn"}]}``),
#: copied to ``$STATE/rpki/vrps.json`` when the lab starts.
LAB_VRPS = HERE / "routers" / "vrps.json"


def state_dir() -> Path:
    """Return the lab's runtime directory ($ROUTESEC_LAB_STATE or /run/routesec-lab).

    Layout: ``<node>/run`` (vty sockets, pid files), ``<node>/etc`` (live FRR
    configuration), ``exa/`` and ``cust/`` (ExaBGP), ``rpki/`` (StayRTR, its
    ``vrps.json``), ``ssh/<node>/`` (sshd), ``known_hosts`` (the routers' SSH host keys),
    ``log/`` (all logs), ``exabgp.cmd`` and ``exabgp-cust.cmd`` (the command
    FIFOs of exa and cust).
    """
    return Path(os.environ.get("ROUTESEC_LAB_STATE", "/run/routesec-lab"))


def lab_env() -> dict[str, str]:
    """The settings of the running lab (``lab.env`` in its state directory: hosts, ports, logins)."""
    path = state_dir() / "lab.env"
    if not path.exists():
        raise RuntimeError("the lab is not up (no %s): run `bash tests/lab/lab.sh up` first" % path)
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip().strip('"') for key, value in pairs}


def known_hosts() -> Path:
    """The known_hosts file holding the routers' SSH host keys (as ``[address]:port``), written by routers.sh up."""
    return state_dir() / "known_hosts"


def _check_node(node: str) -> None:
    if node not in NODES:
        raise ValueError(f"unknown FRR node {node!r}; expected one of {NODES}")


def vtysh_argv(node: str) -> list[str]:
    """Return the vtysh command line (without -c) that reaches ``node``'s daemons.

    The same command is what the node's sshd runs for SSH logins.
    """
    _check_node(node)
    base = state_dir() / node
    return [VTYSH, "--vty_socket", str(base / "run"), "--config_dir", str(base / "etc")]


def vtysh(
    node: str,
    command: str,
    check: bool = True,
    timeout: float = 30,
    daemon: str | None = None,
) -> str:
    """Run one vtysh command on ``node`` (r1, r2 or transit) and return its output.

    Talks to the daemons' vty sockets directly (no SSH). ``command`` may hold
    several commands separated by newlines, e.g.
    ``"configure terminal\\nip prefix-list X seq 5 permit 10.0.0.0/8"``;
    vtysh then runs them in order in one session. With ``check`` (default) a
    non-zero vtysh exit status raises :class:`RuntimeError` with the output.
    ``daemon="bgpd"`` talks to bgpd only (faster; enough for ``show bgp ...``).
    """
    argv = vtysh_argv(node) + (["-d", daemon] if daemon else []) + ["-c", command]
    proc = subprocess.run(
        argv,
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    output = proc.stdout + proc.stderr
    if check and proc.returncode != 0:
        raise RuntimeError(f"vtysh on {node} failed (exit {proc.returncode}) for {command!r}:\n{output}")
    return output


def vtysh_json(node: str, command: str, daemon: str | None = None) -> Any:
    """Run a ``show ... json`` command on ``node`` and return the decoded JSON.

    `` json`` is appended to ``command`` when missing. Raises
    :class:`ValueError` when the output is not JSON (e.g. an unknown command).
    ``daemon`` as for :func:`vtysh`.
    """
    if not command.rstrip().endswith(" json"):
        command = command.rstrip() + " json"
    output = vtysh(node, command, daemon=daemon)
    try:
        return json.loads(output)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{node}: {command!r} did not return JSON:\n{output}") from exc


def running_config(node: str) -> str:
    """Return ``show running-config`` of ``node`` (all its daemons, merged)."""
    return vtysh(node, "show running-config")


def birdc(*words: str) -> str:
    """Run one ``birdc`` command on the lab's BIRD router and return its output (RuntimeError when it fails)."""
    sock = state_dir() / BIRD_NODE / "bird.ctl"
    proc = subprocess.run(["birdc", "-s", str(sock), *words], capture_output=True, text=True, timeout=30, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"birdc {' '.join(words)} failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def bird_configure(text: str) -> None:
    """Replace the BIRD router's configuration with ``text`` and have BIRD read it (``routers.sh reset`` puts the
    base configuration back). RuntimeError when BIRD refuses it."""
    path = state_dir() / BIRD_NODE / "bird.conf"
    path.write_text(text)
    output = birdc("configure", f'"{path}"')
    if "Reconfigured" not in output and "Reconfiguration in progress" not in output:
        raise RuntimeError(f"BIRD did not take the configuration:\n{output}")


def exabgp_fifo(speaker: str = "exa") -> Path:
    """Return the path of the FIFO that feeds ``speaker``'s API (see :data:`SPEAKERS`):
    ``$STATE/exabgp.cmd`` for exa, ``$STATE/exabgp-cust.cmd`` for cust."""
    if speaker not in SPEAKERS:
        raise ValueError(f"unknown ExaBGP speaker {speaker!r}; expected one of {SPEAKERS}")
    return state_dir() / ("exabgp.cmd" if speaker == "exa" else f"exabgp-{speaker}.cmd")


def exabgp(command: str, speaker: str = "exa") -> None:
    """Send one ExaBGP API command line, e.g. ``announce route 185.230.76.0/24 next-hop self``.

    ``speaker`` picks the ExaBGP instance: ``"exa"`` (default; sessions to r1
    and r2) or ``"cust"`` (the customer AS65000; sessions to r2 only, whose
    routes r2 accepts only as far as ``ROUTESEC-AS65000-IN-V4``/``-V6`` permit).
    Without a ``neighbor X`` prefix the command applies to every neighbour of
    that speaker in the route's family: for exa, IPv4 routes go to r1 and r2
    over the IPv4 sessions, IPv6 routes (``announce route 2a0f:b300::/32
    next-hop self`` or ``... next-hop fdff:5e5::100``) over the IPv6 sessions.
    Useful forms: ``withdraw route P next-hop self``, ``neighbor 198.18.0.1
    announce route ...`` (exa to r1 only) and ``clear adj-rib out`` (withdraw
    everything that speaker announced).

    The command is queued; ExaBGP applies it within milliseconds, use
    :func:`wait_for` to wait for its effect. Raises :class:`RuntimeError` when
    that ExaBGP is not running (nobody reads the FIFO), :class:`ValueError` for
    an unknown speaker.
    """
    fifo = exabgp_fifo(speaker)
    line = " ".join(command.split())
    if not line:
        raise ValueError("empty ExaBGP command")
    data = (line + "\n").encode()
    if len(data) > 4096:  # PIPE_BUF: larger writes could interleave
        raise ValueError("ExaBGP command longer than 4096 bytes")
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno in (errno.ENXIO, errno.ENOENT):
            raise RuntimeError(f"ExaBGP {speaker} is not reading {fifo}: is the lab up?") from exc
        raise
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def wait_for(
    predicate: Callable[[], T],
    timeout: float = 30,
    interval: float = 0.5,
    message: str | None = None,
) -> T:
    """Call ``predicate`` until it returns something truthy, and return that.

    Raises :class:`TimeoutError` (mentioning ``message`` and the last value or
    exception) after ``timeout`` seconds. Exceptions raised by ``predicate``
    count as "not yet" until the timeout.
    """
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = predicate()
            if last:
                return last
        except Exception as exc:  # noqa: BLE001 - reported on timeout
            last = exc
        if time.monotonic() >= deadline:
            what = message or getattr(predicate, "__name__", "condition")
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")
        time.sleep(interval)


def _afi_name(afi: int) -> str:
    if afi not in (4, 6):
        raise ValueError("afi must be 4 or 6")
    return "ipv4" if afi == 4 else "ipv6"


def bgp_table(node: str = "transit", afi: int = 4) -> dict[str, list[dict]]:
    """Return ``node``'s BGP table for IPv4 or IPv6 unicast: prefix -> list of paths.

    Straight from ``show bgp ipv4|ipv6 unicast json`` (``routes``); each path
    has e.g. ``peerId`` (the neighbour it came from, or "(unspec)" if local),
    ``path`` (AS path), ``valid``, ``bestpath``.
    """
    data = vtysh_json(node, f"show bgp {_afi_name(afi)} unicast json", daemon="bgpd")
    return data.get("routes", {}) if isinstance(data, dict) else {}


def received_prefixes(node: str = "transit", afi: int = 4) -> set[str]:
    """Return the set of prefixes in ``node``'s BGP table for ``afi`` (4 or 6).

    E.g. ``received_prefixes("transit")`` is what r1 and r2 announced upstream,
    ``received_prefixes("r1", 6)`` what r1 accepted (from ExaBGP) over IPv6.
    Prefixes are in FRR's notation ("185.230.76.0/24", "2a0f:b300::/32").
    """
    return set(bgp_table(node, afi))


def received_from(node: str, neighbor_ip: str, afi: int | None = None) -> set[str]:
    """Return the prefixes in ``node``'s BGP table that have a path from ``neighbor_ip``.

    ``afi`` defaults to the neighbour address' family (the lab's IPv4 sessions
    carry IPv4 unicast, the IPv6 sessions IPv6 unicast). E.g.
    ``received_from("transit", "198.18.0.1")`` is what r1 announced to transit.
    """
    if afi is None:
        afi = ipaddress.ip_address(neighbor_ip).version
    want = str(ipaddress.ip_address(neighbor_ip))
    result = set()
    for prefix, paths in bgp_table(node, afi).items():
        for path in paths:
            peer = path.get("peerId", "")
            try:
                peer = str(ipaddress.ip_address(peer))
            except ValueError:
                pass
            if peer == want:
                result.add(prefix)
                break
    return result


def peer_summary(node: str) -> dict[str, dict[str, Any]]:
    """Return ``{neighbor address: {"state": ..., "pfxRcd": n, "pfxSnt": n, "afi": 4|6}}``.

    From ``show bgp summary json`` (one vtysh call for both families): the
    FSM state ("Established", "Active", "Connect", "Idle", ...) and how many
    prefixes were accepted from / announced to each neighbour. A neighbour
    configured in the lab (``PEERS``) but absent is reported with state
    "Missing". Raises like :func:`vtysh` when the router is not running.
    """
    data = vtysh_json(node, "show bgp summary json", daemon="bgpd")
    result: dict[str, dict[str, Any]] = {}
    for key, afi in (("ipv4Unicast", 4), ("ipv6Unicast", 6)):
        for peer, info in (data.get(key) or {}).get("peers", {}).items():
            result[str(ipaddress.ip_address(peer))] = {
                "state": info.get("state", "?"),
                "pfxRcd": info.get("pfxRcd", 0),
                "pfxSnt": info.get("pfxSnt", 0),
                "afi": afi,
            }
    for peer in PEERS[node]:
        result.setdefault(
            peer,
            {
                "state": "Missing",
                "pfxRcd": 0,
                "pfxSnt": 0,
                "afi": ipaddress.ip_address(peer).version,
            },
        )
    return result


def rpki_connections(node: str) -> list[dict[str, Any]]:
    """Return ``node``'s RTR cache connections from ``show rpki cache-connection json``.

    Each is e.g. ``{"mode": "tcp", "host": "198.18.0.20", "port": "3323",
    "preference": 1, "state": "connected"}``; an empty list when no cache is
    configured or none is connected yet (FRR then prints a sentence, not JSON).
    """
    output = vtysh(node, "show rpki cache-connection json", daemon="bgpd")
    try:
        data = json.loads(output)
    except json.JSONDecodeError:
        return []
    return list(data.get("connections", [])) if isinstance(data, dict) else []


def rpki_prefix_table(node: str) -> set[tuple[str, int, int]]:
    """Return the VRPs ``node`` got over RTR as ``{(prefix, max length, asn)}``, the
    prefix in ``ipaddress`` notation (``"192.0.2.0/24"``); empty without a connection."""
    output = vtysh(node, "show rpki prefix-table json", daemon="bgpd")
    try:
        data = json.loads(output)
    except json.JSONDecodeError:
        return set()
    return {
        (
            str(ipaddress.ip_network(f"{entry['prefix']}/{entry['prefixLenMin']}")),
            int(entry["prefixLenMax"]),
            int(entry["asn"]),
        )
        for entry in (data.get("prefixes", []) if isinstance(data, dict) else [])
    }


def _parallel(calls: list[Callable[[], T]]) -> list[T]:
    """Run independent vtysh queries at once."""
    with ThreadPoolExecutor(max_workers=len(calls) or 1) as pool:
        return list(pool.map(lambda call: call(), calls))


def _all_summaries() -> dict[str, dict[str, dict[str, Any]]]:
    def one(node: str) -> dict[str, dict[str, Any]]:
        try:
            return peer_summary(node)
        except Exception:  # noqa: BLE001 - a stopped router is just "Down"
            return {
                peer: {
                    "state": "Down",
                    "pfxRcd": 0,
                    "pfxSnt": 0,
                    "afi": ipaddress.ip_address(peer).version,
                }
                for peer in PEERS[node]
            }

    return dict(zip(NODES, _parallel([lambda node=node: one(node) for node in NODES])))


def sessions(node: str) -> dict[str, str]:
    """Return ``{neighbor address: FSM state}`` for every BGP neighbour of ``node``
    (see :func:`peer_summary`; "Established" when up)."""
    return {peer: info["state"] for peer, info in peer_summary(node).items()}


def all_sessions() -> dict[str, dict[str, str]]:
    """Return :func:`sessions` for every FRR node; a node whose vtysh fails maps
    every configured peer to "Down"."""
    return {node: {peer: info["state"] for peer, info in peers.items()} for node, peers in _all_summaries().items()}


def all_established() -> bool:
    """Return True when every configured BGP session of the lab is Established."""
    return all(info["state"] == "Established" for peers in _all_summaries().values() for info in peers.values())


def exa_routes_on_borders() -> int:
    """Return how many prefixes r1 and r2 hold from the ExaBGP speakers, exa
    and cust (both families)."""
    speakers = {address for speaker in SPEAKERS for address in ADDRESSES[speaker]}
    return sum(info["pfxRcd"] for node in ("r1", "r2") for peer, info in peer_summary(node).items() if peer in speakers)


def is_clean() -> bool:
    """Return True in the lab's base state: every session Established and no
    neighbour has sent any accepted prefix, i.e. every BGP table is empty
    (what ``reset()`` leaves behind)."""
    return all(
        info["state"] == "Established" and info["pfxRcd"] == 0
        for peers in _all_summaries().values()
        for info in peers.values()
    )


def format_status() -> str:
    """Return a table of all BGP sessions: node, neighbour, peer name, state,
    prefixes received (accepted) and sent."""
    lines = [f"{'node':<8} {'neighbor':<16} {'peer':<8} {'state':<12} {'rcvd':>5} {'sent':>5}"]
    for node, peers in _all_summaries().items():
        for peer in sorted(peers, key=lambda p: (":" in p, p)):
            info = peers[peer]
            lines.append(
                f"{node:<8} {peer:<16} {PEERS[node].get(peer, '?'):<8} "
                f"{info['state']:<12} {info['pfxRcd']:>5} {info['pfxSnt']:>5}"
            )
    return "\n".join(lines)


def _routers_sh(action: str) -> None:
    subprocess.run(["bash", str(ROUTERS_SH), action], check=True)


def up() -> None:
    """Run ``routers.sh up``: start the lab if needed and wait for all sessions."""
    _routers_sh("up")


def reset() -> None:
    """Run ``routers.sh reset``: r1 and r2 back to their base configuration
    (anything pushed is gone), every route of both ExaBGP speakers (exa and
    cust) withdrawn, every BGP table empty, all sessions Established again.
    Takes a few seconds."""
    _routers_sh("reset")


def down() -> None:
    """Run ``routers.sh down``: stop every lab process and delete the namespaces."""
    _routers_sh("down")


def _main(argv: list[str]) -> int:
    if argv[:1] == ["status"]:
        print(format_status())
        return 0 if all_established() else 1
    if argv[:1] == ["wait-established"]:
        timeout = float(argv[1]) if len(argv) > 1 else 60
        try:
            wait_for(
                all_established,
                timeout=timeout,
                interval=0.25,
                message="all BGP sessions Established",
            )
        except TimeoutError as exc:
            print(exc, file=sys.stderr)
            print(format_status(), file=sys.stderr)
            return 1
        return 0
    if argv[:1] == ["wait-no-exa-routes"]:
        timeout = float(argv[1]) if len(argv) > 1 else 5
        try:
            wait_for(lambda: not exa_routes_on_borders(), timeout=timeout, interval=0.1)
        except TimeoutError:
            return 1
        return 0
    if argv[:1] == ["wait-clean"]:
        # After a reset: ExaBGP's "clear adj-rib out" is repeated now and then
        # in case a restarted router got routes re-announced before it applied.
        timeout = float(argv[1]) if len(argv) > 1 else 60
        deadline = time.monotonic() + timeout
        next_clear = time.monotonic() + 2
        while not is_clean():
            if time.monotonic() >= deadline:
                print(
                    f"lab not clean after {timeout}s:\n{format_status()}",
                    file=sys.stderr,
                )
                for node in NODES:
                    for afi in (4, 6):
                        if received_prefixes(node, afi):
                            print(
                                f"{node} IPv{afi}: {sorted(received_prefixes(node, afi))}",
                                file=sys.stderr,
                            )
                return 1
            if time.monotonic() >= next_clear:
                for speaker in SPEAKERS:
                    exabgp("clear adj-rib out", speaker)
                next_clear = time.monotonic() + 2
            time.sleep(0.1)
        return 0
    print(
        "usage: lab_api.py status | wait-established [SECONDS] | wait-no-exa-routes [SECONDS] | wait-clean [SECONDS]",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
