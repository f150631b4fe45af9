# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an FRR candidate may hold, and how each part is planned against the running configuration.

An FRR candidate holds three kinds of configuration, as the renderers write them:

* prefix-lists: ``ip``/``ipv6 prefix-list`` entry lines with sequence numbers, and
  ``no ... prefix-list NAME`` lines; each list is planned as a whole against the
  running one (``list_delta.plan_list``: entries that stay keep their numbers);
* originations (``render.frr_origination``): a blackhole route and a ``network``
  statement in its address family of ``router bgp ASN`` per prefix; only added,
  never removed by a candidate, and taken back as a whole by a rollback;
* session policy (``render.frr_session_policy``): AS-path and community lists,
  route-maps, and what ``router bgp ASN`` says of a neighbour for the keywords the
  policy manages; planned object by object (``frr_policy``).

Any other line is refused with its line number.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from ..intent.model import PrefixList
from ..render import frr
from ..render.common import CISCO_LINE
from ..render.frr_origination import origination_lines, parse_originations, withdrawal_lines
from . import DriverError, frr_policy

ROUTE = re.compile(r"^ip(v6)? route (\S+) blackhole$")
ROUTER = re.compile(r"^router bgp (\d+)$")
FAMILY = re.compile(r"^address-family ipv[46] unicast$")
NETWORK = re.compile(r"^network (\S+)$")


@dataclass(frozen=True)
class Originations:
    """The prefixes to originate from ``router bgp asn`` that the router does not originate yet."""

    asn: int
    add: tuple

    def lines(self) -> list:
        return origination_lines(self.asn, self.add)

    def undo_lines(self) -> list:
        return withdrawal_lines(self.asn, self.add)


@dataclass(frozen=True)
class Candidate:
    """An FRR candidate read: its PrefixLists in its order, the prefixes it originates per ASN
    ({asn: [prefix]}), and its session-policy objects (``frr_policy.parse``)."""

    prefix_lists: list
    networks: dict
    policy: dict


def parse_candidate(text: str, where: str) -> Candidate:
    """The Candidate of ``text``; DriverError naming the first line that is none of its kinds."""
    found = frr.parse_prefix_lists(text)
    names, networks, routes, router, afi, in_map, opened = {}, {}, set(), None, None, False, {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("!"):
            continue
        indented = raw.startswith(" ")
        if in_map and indented:
            continue
        if in_map and line == "exit":
            in_map = False
            continue
        in_map = False
        if router is not None and not indented and line != "exit":
            router = None
        words = line.split()
        if ROUTER.match(line):
            router, afi = int(ROUTER.match(line).group(1)), None
            networks.setdefault(router, [])
            opened.setdefault(router, [number, line, False])
        elif router is not None and (FAMILY.match(line) or line in ("exit-address-family", "exit")):
            router = None if line == "exit" else router
            afi = int(line[len("address-family ipv")]) if FAMILY.match(line) else None
        elif router is not None and NETWORK.match(line):
            networks[router].append(_prefix(NETWORK.match(line).group(1), number, where))
        elif router is not None and frr_policy.NEIGHBOR.match(line) and frr_policy.keyword(words[2:], afi):
            opened[router][2] = True
        elif router is None and ROUTE.match(line):
            routes.add(_prefix(ROUTE.match(line).group(2), number, where))
        elif router is None and (frr_policy.LIST_LINE.match(line) or frr_policy.MAP_HEADER.match(line)):
            in_map = bool(frr_policy.MAP_HEADER.match(line))
        elif len(words) == 4 and words[0] == "no" and words[2] == "prefix-list" and words[1] in ("ip", "ipv6"):
            names.setdefault((4 if words[1] == "ip" else 6, words[3]), None)
        else:
            match = CISCO_LINE.match(line)
            if not match or match["seq"] is None or router is not None:
                raise _refused(number, line, where)
            names.setdefault((4 if match["kw"] == "ip" else 6, match["name"]), None)
    _check_originations(networks, routes, opened, where)
    lists = [
        PrefixList(name, afi, tuple(entry for _seq, entry in sorted(found.get((afi, name), {}).items())))
        for afi, name in names
    ]
    policy = {key: value for key, value in frr_policy.parse(text).items() if key[0] != "neighbor"}
    return Candidate(lists, {asn: prefixes for asn, prefixes in networks.items() if prefixes}, policy)


def plan_originations(networks: dict, running: str) -> list:
    """The Originations of ``networks`` ({asn: [prefix]}) that ``running`` lacks (its network statement or
    its blackhole route)."""
    plans = []
    for asn, prefixes in sorted(networks.items()):
        present, blackholes = parse_originations(running, asn)
        add = tuple(p for p in prefixes if p not in present or p not in blackholes)
        if add:
            plans.append(Originations(asn, add))
    return plans


def _prefix(text, number, where):
    try:
        return ipaddress.ip_network(text)
    except ValueError:
        raise DriverError("candidate line %d: %r is not a prefix" % (number, text), where) from None


def _check_originations(networks, routes, opened, where):
    """Every ``router bgp`` section originates something, and every origination is complete."""
    for asn, prefixes in networks.items():
        number, line, policy = opened[asn]
        if not prefixes and not policy:
            raise _refused(number, line, where)
    originated = {p for prefixes in networks.values() for p in prefixes}
    unpaired = sorted(originated ^ routes, key=lambda p: (p.version, p))
    if unpaired:
        raise DriverError(
            "candidate: an origination is a blackhole route and a network statement; %s has only one of them"
            % ", ".join(map(str, unpaired)),
            where,
        )


def _refused(number, line, where):
    return DriverError(
        "candidate line %d is not a prefix-list entry with a sequence number, an origination, or a session-policy "
        "line (the FRR driver manages prefix-lists, originations, AS-path and community lists, route-maps and "
        "the neighbours' route-maps, maximum-prefix, default-originate and local-role only): %s" % (number, line[:120]),
        where,
    )
