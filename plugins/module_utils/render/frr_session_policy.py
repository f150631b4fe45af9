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

from ..policy.as_path_regex import number_pattern, ranges_pattern
from ..policy.objects import (
    PREFIX,
    blackhole_list,
    default_only,
    export_name,
    helper_list_name,
    helper_lists,
    import_name,
    irr_list,
    origin_list,
    own_list,
)
from . import frr


def render_session_policy(intent, options) -> str:
    """The FRR configuration of every eBGP session of ``intent`` (a DeviceIntent) under ``options``."""
    sessions = [s for s in intent.sessions if s.ebgp]
    if not sessions:
        return ""
    families = sorted({s.afi for s in sessions})
    local = intent.device.local_asn
    lines = []
    for afi in families:
        helpers = [plist for plist in helper_lists(intent, options, afi, sessions) if plist.entries]
        lines += frr.render_prefix_lists(helpers).splitlines()
    lines += as_path_lines(options, sorted({s.remote_asn for s in sessions if s.relationship != "route_server"}))
    # the neighbours' IRR origin lists; each list is planned whole against the router's, so without the
    # renderer's leading "no" line
    lines += [
        line for line in frr.render_as_path_lists(intent.as_path_lists).splitlines() if not line.startswith("no ")
    ]
    lines += community_lines(options, local)
    maps = {}  # each map written once, however many sessions use it
    for session in sessions:
        if import_name(session) not in maps:
            maps[import_name(session)] = import_map(session, options, local)
        if export_name(session, options) not in maps:
            maps[export_name(session, options)] = export_map(session, options)
    for _name, entries in sorted(maps.items()):
        lines += entries
    lines += binding_lines(local, sessions, options)
    return "\n".join(line for line in lines if line.strip()) + "\n"


# -- shared objects ----------------------------------------------------------------------------------


def as_path_lines(options, first_asns):
    lines = [
        "bgp as-path access-list %sBOGON-ASNS seq 5 permit _(%s)_" % (PREFIX, ranges_pattern(options.bogon_asns())),
        "bgp as-path access-list %sPATH-TOO-LONG seq 5 permit ^([0-9]+ ){%d}[0-9]+" % (PREFIX, options.max_path_length),
    ]
    if options.transit_free:
        free = "|".join(str(asn) for asn in sorted(set(options.transit_free)))
        lines.append("bgp as-path access-list %sTRANSIT-FREE seq 5 permit _(%s)_" % (PREFIX, free))
    for asn in first_asns:
        name = "%sNOT-FIRST-AS%d" % (PREFIX, asn)
        lines += [
            "bgp as-path access-list %s seq 5 deny ^(%s)_" % (name, number_pattern(asn, asn)),
            "bgp as-path access-list %s seq 10 permit .*" % name,
        ]
    return lines


def community_lines(options, local):
    return [
        "bgp community-list standard %sGSHUT seq 5 permit graceful-shutdown" % PREFIX,
        "bgp community-list standard %sBLACKHOLE seq 5 permit blackhole" % PREFIX,
        "bgp large-community-list expanded %sINFO seq 5 permit ^%d:%d:" % (PREFIX, local, options.community_function),
        "bgp large-community-list standard %sFROM-CUSTOMER seq 5 permit %s"
        % (PREFIX, options.community("customer", local)),
    ]


# -- route-maps --------------------------------------------------------------------------------------


def _entry(name, action, seq, *body):
    return ["route-map %s %s %d" % (name, action, seq), *(" " + line for line in body if line), "exit"]


def _prefix_match(afi, name):
    return "match %s address prefix-list %s" % ("ip" if afi == 4 else "ipv6", name)


def path_checks():
    """What no route may have in either direction, by its path: a bogon ASN, too many ASNs."""
    return ["match as-path %sBOGON-ASNS" % PREFIX, "match as-path %sPATH-TOO-LONG" % PREFIX]


def prefix_checks(afi):
    """What no route may be in either direction: a bogon prefix, the default route, too long or too short."""
    return [_prefix_match(afi, helper_list_name(what, afi)) for what in ("BOGONS", "DEFAULT", "LENGTH")]


def _denies(name, seqs, checks):
    return [line for seq, check in zip(seqs, checks) for line in _entry(name, "deny", seq, check)]


def import_map(session, options, local):
    name, afi, rel = import_name(session), session.afi, session.relationship
    lines = _entry(name, "permit", 5, "match community %sGSHUT" % PREFIX, "set local-preference 0", "on-match next")
    lines += _denies(name, (10, 20), path_checks())
    if rel != "route_server":
        lines += _entry(name, "deny", 30, "match as-path %sNOT-FIRST-AS%d" % (PREFIX, session.remote_asn))
    if rel in ("customer", "peer") and options.transit_free:
        lines += _entry(name, "deny", 40, "match as-path %sTRANSIT-FREE" % PREFIX)
    tag = [
        "set large-comm-list %sINFO delete" % PREFIX,
        "set large-community %s additive" % options.community(rel, local),
        "" if rel == "route_server" else "set %s next-hop peer-address" % ("ip" if afi == 4 else "ipv6"),
    ]
    if session.blackhole:
        blackhole = (
            "match community %sBLACKHOLE" % PREFIX,
            _prefix_match(afi, blackhole_list(session.remote_asn, afi)),
        )
        lines += _entry(name, "permit", 45, *blackhole, "set community no-export additive", *tag)
    else:
        lines += _entry(name, "deny", 45, "match community %sBLACKHOLE" % PREFIX)
    lines += _denies(
        name, (50, 60, 70, 80), [*prefix_checks(afi), _prefix_match(afi, helper_list_name("OWN-SPACE", afi))]
    )
    if options.reject_invalid:
        lines += _entry(name, "deny", 90, "match rpki invalid")
    irr = []
    if rel in ("customer", "peer"):
        irr = [
            _prefix_match(afi, irr_list(session.remote_asn, afi)),
            "match as-path %s" % origin_list(session.remote_asn),
        ]
    return lines + _entry(name, "permit", 100, *irr, *tag)


def export_map(session, options):
    name, afi = export_name(session, options), session.afi
    if default_only(session, options):
        return _entry(name, "deny", 10)  # the default route comes from default-originate, which no map filters
    lines = _denies(name, range(10, 15), [*path_checks(), *prefix_checks(afi)])
    if session.relationship == "customer":
        return lines + _entry(name, "permit", 100)
    lines += _entry(name, "permit", 100, _prefix_match(afi, own_list(afi)))
    return lines + _entry(name, "permit", 110, "match large-community %sFROM-CUSTOMER" % PREFIX)


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
