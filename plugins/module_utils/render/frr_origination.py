# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FRR: originating our prefixes, the way operators do it.

Each prefix gets a blackhole route (staticd), which keeps it in the routing table
whatever happens to its more-specifics, and a ``network`` statement in its address
family of ``router bgp``, which BGP originates because that route exists.
"""

from __future__ import annotations

import ipaddress
import re

NETWORK = re.compile(r"^  network (\S+)\s*$")
BLACKHOLE = re.compile(r"^ip(?:v6)? route (\S+) (?:blackhole|Null0)\b")
ROUTER_BGP = re.compile(r"^router bgp (\d+)\s*$")


def _family(prefix):
    return "ipv4 unicast" if prefix.version == 4 else "ipv6 unicast"


def origination_lines(asn, prefixes, negate=False):
    """The configuration lines that originate ``prefixes`` (networks) from ``router bgp asn``
    (with ``negate``, that stop originating them: the ``network`` statements first)."""
    no = "no " if negate else ""
    ordered = sorted(prefixes, key=lambda p: (p.version, p))
    routes = ["%s%s route %s blackhole" % (no, "ip" if p.version == 4 else "ipv6", p) for p in ordered]
    lines = [] if negate else routes
    if ordered:
        lines.append("router bgp %d" % asn)
    for family in ("ipv4 unicast", "ipv6 unicast"):
        networks = [p for p in ordered if _family(p) == family]
        if networks:
            lines.append(" address-family %s" % family)
            lines += ["  %snetwork %s" % (no, p) for p in networks]
            lines.append(" exit-address-family")
    if negate and ordered:
        lines += ["exit"] + routes
    return lines


def withdrawal_lines(asn, prefixes):
    """The lines that stop originating ``prefixes`` (undoing origination_lines)."""
    return origination_lines(asn, prefixes, negate=True)


def parse_originations(text, asn):
    """(the ``network`` statements of ``router bgp asn``, the blackhole routes) in running-config ``text``."""
    networks, blackholes, inside = set(), set(), False
    for line in text.splitlines():
        router = ROUTER_BGP.match(line)
        if router or (line and not line.startswith(" ")):
            inside = bool(router) and int(router.group(1)) == asn
        match = NETWORK.match(line) if inside else BLACKHOLE.match(line)
        if match:
            (networks if inside else blackholes).add(ipaddress.ip_network(match.group(1)))
    return networks, blackholes
