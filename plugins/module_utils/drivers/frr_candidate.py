# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an FRR candidate may hold, and how each part is planned against the running configuration.

An FRR candidate holds two kinds of configuration, as the renderers write them:

* prefix-lists: ``ip``/``ipv6 prefix-list`` entry lines with sequence numbers, and
  ``no ... prefix-list NAME`` lines; each list is planned as a whole against the
  running one (``list_delta.plan_list``: entries that stay keep their numbers);
* originations (``render.frr_origination``): a blackhole route and a ``network``
  statement in its address family of ``router bgp ASN`` per prefix; only added,
  never removed by a candidate, and taken back as a whole by a rollback.

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
from . import DriverError

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


def parse_candidate(text: str, where: str):
    """``(prefix_lists, networks)``: the candidate's PrefixLists in its order, and the prefixes it originates
    per ASN ({asn: [prefix]}); DriverError naming the first line that is neither."""
    found = frr.parse_prefix_lists(text)
    names, networks, routes, router, opened = {}, {}, set(), None, {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("!"):
            continue
        if router is not None and not raw.startswith(" ") and line != "exit":
            router = None
        words = line.split()
        if ROUTER.match(line):
            router = int(ROUTER.match(line).group(1))
            networks.setdefault(router, [])
            opened.setdefault(router, (number, line))
        elif router is not None and (FAMILY.match(line) or line in ("exit-address-family", "exit")):
            router = None if line == "exit" else router
        elif router is not None and NETWORK.match(line):
            networks[router].append(_prefix(NETWORK.match(line).group(1), number, where))
        elif router is None and ROUTE.match(line):
            routes.add(_prefix(ROUTE.match(line).group(2), number, where))
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
    return lists, {asn: prefixes for asn, prefixes in networks.items() if prefixes}


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
        if not prefixes:
            raise _refused(*opened[asn], where)
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
        "candidate line %d is not a prefix-list entry with a sequence number or an origination (the FRR driver "
        "manages prefix-lists and originations only): %s" % (number, line[:120]),
        where,
    )
