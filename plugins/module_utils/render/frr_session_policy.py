# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FRR: every eBGP session's import and export policy, from its relationship (NLNOG BGP filter guide, MANRS).

One route-map per (relationship, neighbour AS, family) imports; one per (relationship, family) exports. The
import map, first match wins:

====  ======  ==========================================================================================
 5    permit  GRACEFUL_SHUTDOWN (RFC 8326): local preference 0, then on to the other entries
10    deny    a bogon AS number anywhere in the path
20    deny    a path longer than ``max_path_length``
30    deny    a first AS that is not the neighbour's (not from a route server)
40    deny    a transit-free network in the path (customers and peers)
45    permit  BLACKHOLE (RFC 7999) from a customer allowed to, for its own prefixes: NO_EXPORT added
45    deny    BLACKHOLE from anyone else
50-80 deny    bogon prefixes, the default route, prefixes too long or too short, our own space
90    deny    RPKI-invalid (origin validation)
100   permit  customers and peers: their IRR prefix-list and origin AS-path list; everyone: our communities
              deleted, the one saying where the route was learned added, next hop the neighbour's (not from
              a route server)
====  ======  ==========================================================================================

The export map to transits, peers and route servers permits our own prefixes (the own-prefix list) and
routes learned from customers (by their community); to customers everything, or only a default route
(``default-originate``); never a route the import checks above would refuse. Each session gets its
maximum-prefix (``warning-only``, or teardown with ``restart``) and our RFC 9234 role (``local-role``; FRR
then sets and checks Only-to-Customer itself).
"""

from __future__ import annotations

from ..policy import terms as policy_terms
from ..policy.as_path_regex import number_pattern, ranges_pattern
from ..policy.objects import default_only, export_name, import_name
from ..policy.terms import BLACKHOLE, FROM_CUSTOMER, GSHUT, INFO
from . import frr
from .route_map_policy import Dialect

# FRR's route-map lines are the IOS forms route_map_policy writes
DIALECT = Dialect(indent=" ", heads={})

KEYWORDS = {GSHUT: "graceful-shutdown", BLACKHOLE: "blackhole"}  # FRR's names of the well-known communities


def render_session_policy(intent, options) -> str:
    """The FRR configuration of every eBGP session of ``intent`` (a DeviceIntent) under ``options``."""
    policy = policy_terms.policy_set(intent, options)
    if not policy.sessions:
        return ""
    lines = frr.render_prefix_lists([plist for plist in policy.helpers if plist.entries]).splitlines()
    lines += as_path_lines(policy.as_paths)
    # the neighbours' IRR origin lists; each list is planned whole against the router's, so without the
    # renderer's leading "no" line
    lines += [
        line for line in frr.render_as_path_lists(intent.as_path_lists).splitlines() if not line.startswith("no ")
    ]
    lines += community_lines(policy.large)
    for each in policy.policies.values():
        lines += [line for term in each.terms for line in route_map_entry(each, term)]
    lines += binding_lines(intent.device.local_asn, policy.sessions, options)
    return "\n".join(line for line in lines if line.strip()) + "\n"


# -- shared objects ----------------------------------------------------------------------------------


def as_path_lines(rules):
    lines = []
    for rule in rules.values():
        head = "bgp as-path access-list %s seq" % rule.name
        if rule.kind == "contains":
            lines.append("%s 5 permit _(%s)_" % (head, ranges_pattern(rule.ranges)))
        elif rule.kind == "longer":
            lines.append("%s 5 permit ^([0-9]+ ){%d}[0-9]+" % (head, rule.count))
        else:  # first_not
            lines += ["%s 5 deny ^(%s)_" % (head, number_pattern(rule.asn, rule.asn)), "%s 10 permit .*" % head]
    return lines


def community_lines(large):
    return [
        "bgp community-list standard %s seq 5 permit %s" % (name, KEYWORDS[name]) for name in (GSHUT, BLACKHOLE)
    ] + [
        "bgp large-community-list expanded %s seq 5 permit ^%s" % (INFO, large[INFO]),
        "bgp large-community-list standard %s seq 5 permit %s" % (FROM_CUSTOMER, large[FROM_CUSTOMER]),
    ]


# -- route-maps --------------------------------------------------------------------------------------


def route_map_entry(policy, term):
    body = [DIALECT.match_line(c) for c in term.match] + [DIALECT.set_line(a, policy.afi) for a in term.set]
    body += ["on-match next"] if term.then_next else []
    return ["route-map %s %s %d" % (policy.name, term.action, term.seq), *(" " + line for line in body), "exit"]


# -- bindings ----------------------------------------------------------------------------------------


def binding_lines(local, sessions, options):
    """``router bgp LOCAL``: each session's role, and per family its route-maps, max-prefix, default route."""
    top, families = [], {4: [], 6: []}
    for session in sorted(sessions):
        peer = "neighbor %s" % session.address
        if session.role:
            top.append(" %s local-role %s%s" % (peer, session.role, " strict-mode" if options.role_strict else ""))
        body = families[session.afi]
        body.append("  %s route-map %s in" % (peer, import_name(session)))
        body.append("  %s route-map %s out" % (peer, export_name(session, options)))
        if session.max_prefix:
            body.append(
                ("  %s maximum-prefix %d %s" % (peer, session.max_prefix, over_limit(session, options))).rstrip()
            )
        if default_only(session, options):
            body.append("  %s default-originate" % peer)
    lines = ["router bgp %d" % local, *top]
    for afi in (4, 6):
        if families[afi]:
            lines += [" address-family ipv%d unicast" % afi, *families[afi], " exit-address-family"]
    return lines + ["exit"]


def over_limit(session, options):
    """What FRR does when the session goes over its max-prefix: log, or tear down and come back (or not)."""
    if session.max_prefix_action == "warning":
        return "warning-only"
    return "restart %d" % options.max_prefix_restart if options.max_prefix_restart else ""
