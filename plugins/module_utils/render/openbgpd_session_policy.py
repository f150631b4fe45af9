# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenBGPD: every eBGP session of NetBox as a ``neighbor`` with its import and export filter rules.

The same policy as FRR's (``frr_session_policy``; NLNOG BGP filter guide, MANRS), as ``quick`` filter rules per
neighbour, in the order FRR's route-map entries have: graceful shutdown lowers the preference; bogon AS
numbers, long paths, transit-free networks (customers and peers), blackhole requests except a customer's
allowed ones (accepted with NO_EXPORT), bogon prefixes, the default route, prefixes too long or too short, our
own space and RPKI-invalid routes (``ovs invalid``: the origin-validation part, ``rtr`` blocks, gives the
states) are rejected; customers and peers are limited to their IRR prefix set and origins (``source-as``);
what is accepted loses our ``LOCAL:FUNCTION:*`` large communities and gets the one saying where it was
learned. bgpd itself rejects a first AS that is not the neighbour's (``enforce neighbor-as``, off for route
servers).

Where OpenBGPD differs (bgpd.conf(5), 7.7): RFC 9234 roles are ``announce policy`` (with ``enforce`` in strict
mode); a customer that gets only a default route gets ``export default-route``; the next hop is left as
received (bgpd has no "neighbour's address" next hop; it uses only next hops it can reach); OpenBGPD has no
warning-only max-prefix, so a session whose max-prefix is a warning gets none (a comment in the file says so)
and one over its limit is torn down and back after ``max_prefix_restart`` minutes.

The file is meant to be included at the end of the router's bgpd.conf (``include "FILE"``), after its global
settings and ``rtr`` blocks; routesec owns the neighbours it writes.
"""

from __future__ import annotations

from ..policy import objects
from . import openbgpd

GSHUT, BLACKHOLE, NO_EXPORT = "GRACEFUL_SHUTDOWN", "BLACKHOLE", "NO_EXPORT"
ROLES = {"provider": "provider", "customer": "customer", "peer": "peer", "rs-client": "rs-client"}


def render_session_policy(intent, options) -> str:
    """OpenBGPD configuration for every eBGP session of ``intent`` (a DeviceIntent) under ``options``."""
    sessions, helpers = objects.whole_file(intent, options)
    if not sessions:
        return ""
    local = intent.device.local_asn
    lines = ["# %s" % objects.file_header(intent)]
    lines += openbgpd.render_prefix_lists([*intent.prefix_lists, *helpers]).splitlines()
    for aspl in intent.as_path_lists:
        lines.append('as-set "%s" { %s }' % (aspl.name, " ".join(str(a) for a in aspl.origins) or "0"))
    if options.transit_free:
        lines.append(
            'as-set "ROUTESEC-TRANSIT-FREE" { %s }' % " ".join(str(a) for a in sorted(set(options.transit_free)))
        )
    for session in sessions:
        lines += neighbor(session, options)
    for session in sessions:
        lines += import_rules(session, options, local) + export_rules(session, options, local)
    return "\n".join(lines) + "\n"


def neighbor(session, options):
    lines = ["neighbor %s {" % session.address, "\tremote-as %d" % session.remote_asn]
    lines.append('\tdescr "%s"' % (session.name or session.address))
    if session.role:
        lines.append("\tannounce policy %s%s" % (ROLES[session.role], " enforce" if options.role_strict else ""))
    if session.relationship == "route_server":
        lines.append("\tenforce neighbor-as no")
    if session.max_prefix and session.max_prefix_action == "warning":
        lines.append("\t# max-prefix %d (warning): OpenBGPD only tears a session down; not set" % session.max_prefix)
    elif session.max_prefix:
        restart = " restart %d" % options.max_prefix_restart if options.max_prefix_restart else ""
        lines.append("\tmax-prefix %d%s" % (session.max_prefix, restart))
    if objects.default_only(session, options):
        lines.append("\texport default-route")
    return [*lines, "}"]


def path_checks(direction, options):
    """What no route may have in either direction, by its path: a bogon AS number, too many AS numbers."""
    rules = ["deny quick %s AS %s" % (direction, asn_range(first, last)) for first, last in options.bogon_asns()]
    return rules + ["deny quick %s max-as-len %d" % (direction, options.max_path_length)]


def prefix_checks(direction, afi):
    names = ("BOGONS", "DEFAULT", "LENGTH")
    return ['deny quick %s prefix-set "%s"' % (direction, objects.helper_list_name(what, afi)) for what in names]


def asn_range(first, last):
    return str(first) if first == last else "%d - %d" % (first, last)


def tag(session, options, local):
    code = options.community(session.relationship, local)
    return "large-community delete %d:%d:* large-community %s" % (local, options.community_function, code)


def import_rules(session, options, local):
    rel, afi, asn = session.relationship, session.afi, session.remote_asn
    source = "from %s" % session.address
    rules = ["match %s community %s set localpref 0" % (source, GSHUT), *path_checks(source, options)]
    if rel in ("customer", "peer") and options.transit_free:
        rules.append('deny quick %s AS as-set "ROUTESEC-TRANSIT-FREE"' % source)
    if session.blackhole:
        allowed = objects.blackhole_list(asn, afi)
        rules.append(
            'allow quick %s community %s prefix-set "%s" set { community %s %s }'
            % (source, BLACKHOLE, allowed, NO_EXPORT, tag(session, options, local))
        )
    rules.append("deny quick %s community %s" % (source, BLACKHOLE))
    rules += prefix_checks(source, afi)
    rules.append('deny quick %s prefix-set "%s"' % (source, objects.helper_list_name("OWN-SPACE", afi)))
    if options.reject_invalid:
        rules.append("deny quick %s ovs invalid" % source)
    match = ""
    if rel in ("customer", "peer"):
        match = ' prefix-set "%s" source-as as-set "%s"' % (objects.irr_list(asn, afi), objects.origin_list(asn))
    rules.append("allow quick %s%s set { %s }" % (source, match, tag(session, options, local)))
    return ["# %s: import" % objects.import_name(session), *rules, "deny quick %s" % source]


def export_rules(session, options, local):
    target = "to %s" % session.address
    rules = ["# %s: export" % objects.export_name(session, options)]
    if objects.default_only(session, options):
        return [*rules, "deny quick %s" % target]  # the default route is export default-route's
    rules += path_checks(target, options) + prefix_checks(target, session.afi)
    if session.relationship == "customer":
        return [*rules, "allow quick %s" % target]
    customers = options.community("customer", local)
    rules += ['allow quick %s prefix-set "%s"' % (target, objects.own_list(session.afi))]
    return [*rules, "allow quick %s large-community %s" % (target, customers), "deny quick %s" % target]
