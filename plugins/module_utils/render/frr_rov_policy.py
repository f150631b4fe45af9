# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FRR: reading back whether a router's origin-validation policy is in force.

RTR sessions alone validate nothing: a route-map must deny ``match rpki invalid``
and a neighbour must use it inbound. A route-map rejects invalid routes when one
of its ``deny`` entries matches ``rpki invalid``, or when one of its entries
``call``s a route-map that does (a denying called map denies the route).
"""

from __future__ import annotations

import re

ROUTE_MAP = re.compile(r"^route-map (\S+) (permit|deny) (\d+)\s*$")
NEIGHBOR_IN = re.compile(r"^\s+neighbor (\S+) route-map (\S+) in\s*$")


def _route_maps(text):
    """{name: [(action, {"match rpki invalid", "call X", ...})]} in running-config order."""
    maps, current = {}, None
    for line in text.splitlines():
        header = ROUTE_MAP.match(line)
        if header:
            current = set()
            maps.setdefault(header.group(1), []).append((header.group(2), current))
        elif current is not None and line.startswith(" "):
            current.add(line.strip())
        else:
            current = None
    return maps


def _rejects(name, maps, seen=()):
    if name in seen:
        return False
    for action, lines in maps.get(name, ()):
        if action == "deny" and "match rpki invalid" in lines:
            return True
        called = [line.split()[1] for line in lines if line.startswith("call ")]
        if any(_rejects(other, maps, (*seen, name)) for other in called):
            return True
    return False


def parse_rov_policy(text):
    """What FRR running-config ``text`` does with RPKI-invalid routes:
    ``{"rejecting": route-maps that reject them, "inbound": {neighbour: its inbound route-map},
    "validated": neighbours whose inbound route-map rejects them}`` (names sorted)."""
    maps = _route_maps(text)
    inbound = {m.group(1): m.group(2) for m in map(NEIGHBOR_IN.match, text.splitlines()) if m}
    rejecting = sorted(name for name in maps if _rejects(name, maps))
    validated = sorted(peer for peer, name in inbound.items() if name in rejecting)
    return {"rejecting": rejecting, "inbound": dict(sorted(inbound.items())), "validated": validated}
