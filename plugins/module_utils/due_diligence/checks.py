# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Due diligence on a newly acquired block, before anything is announced: what NetBox, the RIR (RDAP),
blocklists (DNSBL), reverse DNS, the RPKI, the IRR and the routing table say about it.

Each check returns a Check: ``ok``, ``problem`` (with the problems found) or ``skipped`` (its source was not
configured), and the details an operator reads in the report. A problem is something to resolve before the
block is announced: someone else's ROA, route object or route for it, a blocklist listing, a registration
that is not ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..intent.model import parse_prefix
from ..irr.rpsl import parse_objects
from ..rpki.vrp import read_vrps
from .dns_checks import dnsbl_listings, reverse_delegation
from .rdap import check_rdap, rdap_ip
from .visibility import seen_routes


@dataclass
class Check:
    status: str  # ok, problem or skipped
    problems: list = field(default_factory=list)
    details: dict = field(default_factory=dict)

    def to_dict(self):
        return {"status": self.status, "problems": list(self.problems), "details": self.details}


def judged(problems, details):
    return Check("problem" if problems else "ok", problems, details)


def skipped(reason):
    return Check("skipped", [], {"reason": reason})


def netbox_check(block, aggregates):
    """The block inside one of our NetBox aggregates (``aggregates``: NetBox aggregate records)."""
    for record in aggregates:
        network = parse_prefix(record.get("prefix"), "NetBox aggregate %s" % record.get("prefix"), "prefix")
        if network.version == block.version and block.subnet_of(network):
            rir = record.get("rir") if isinstance(record.get("rir"), dict) else {}
            return judged([], {"aggregate": str(network), "rir": rir.get("slug") or rir.get("name")})
    return judged(["no NetBox aggregate holds %s: record the block (and its RIR) first" % block], {})


def rdap_check(block, base_url, holder, timeout):
    network = rdap_ip(base_url, str(block), timeout=timeout)
    if network is None:
        return judged(["the RIR's RDAP service has no registration for %s" % block], {})
    details = {
        "handle": network.handle,
        "name": network.name,
        "registered": [str(c) for c in network.cidrs],
        "status": list(network.status),
        "registrants": list(network.registrant_names),
        "source": network.source_url,
    }
    return judged(check_rdap(network, block, holder), details)


def dnsbl_check(block, zones, server, port, timeout):
    listings = dnsbl_listings(block, zones, server, port, timeout)
    problems = ["%s is listed in %s (%s)" % (x.address, x.zone, x.reason or ", ".join(x.answer)) for x in listings]
    return judged(problems, {"zones": list(zones), "listed": len(listings)})


def reverse_dns_check(block, server, port, timeout):
    delegation = reverse_delegation(block, server, port, timeout)
    problems = ["reverse zone %s is not delegated (no NS records)" % zone for zone, ns in delegation.items() if not ns]
    return judged(problems, {"zones": delegation})


def rpki_check(block, vrps_path, own_asns):
    """ROAs for the block or inside it; one for an origin that is not ours (a previous holder's) is a problem."""
    found = sorted(
        (v for v in read_vrps(vrps_path) if v.prefix.version == block.version and v.prefix.overlaps(block)),
        key=lambda v: (v.prefix, v.asn),
    )
    text = {v: "%s-%d AS%d" % (v.prefix, v.max_length, v.asn) for v in found}
    problems = ["ROA %s authorizes an origin that is not ours" % text[v] for v in found if v.asn not in own_asns]
    return judged(problems, {"roas": [text[v] for v in found]})


def irr_check(block, client, own_asns):
    """Route objects for the block and its more-specifics; one with an origin that is not ours is a problem."""
    answers = client.query_many(["!r%s" % block, "!r%s,M" % block], "route objects of %s" % block)
    objects = {o.key: o for a in answers if a for o in parse_objects(a.decode("utf-8", "replace"))}
    routes = sorted(k for k in objects if k[0] in ("route", "route6"))
    texts = ["%s %s (%s)" % (k[1], k[2], ", ".join(objects[k].values("mnt-by"))) for k in routes]
    problems = [
        "route object %s names an origin that is not ours" % t
        for k, t in zip(routes, texts)
        if _asn(k[2]) not in own_asns
    ]
    return judged(problems, {"route_objects": texts})


def bgp_check(block, table, own_asns):
    """Routes for the block seen in the routing table; one from an origin that is not ours is a problem."""
    routes = seen_routes(block, table)
    texts = ["%s %s from AS%s" % (r.relation, r.prefix, "_AS".join(str(a) for a in r.origins)) for r in routes]
    problems = [
        "%s is announced (%s)" % (r.prefix, t)
        for r, t in zip(routes, texts)
        if r.relation != "covering" and set(r.origins) - set(own_asns)
    ]
    return judged(problems, {"routes": texts})


def _asn(text):
    return int(text[2:]) if text.upper().startswith("AS") and text[2:].isdigit() else None
