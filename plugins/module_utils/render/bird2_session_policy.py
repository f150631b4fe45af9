# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""BIRD 2: every eBGP session of NetBox as a ``protocol bgp`` with its import and export filter.

The same policy as FRR's (``frr_session_policy``; NLNOG BGP filter guide, MANRS), one import filter per
(relationship, neighbour AS, family) and one export filter per (relationship, family), in the order FRR's
route-map entries have: graceful shutdown lowers the preference; bogon AS numbers, long paths, a first AS
that is not the neighbour's (not from route servers), transit-free networks (customers and peers), blackhole
requests except a customer's allowed ones (accepted with NO_EXPORT), bogon prefixes, the default route,
prefixes too long or too short, our own space and RPKI-invalid routes are rejected; customers and peers
are limited to their IRR prefix set and origin set; what is accepted loses our ``LOCAL:FUNCTION:*`` large
communities, gets the one saying where it was learned, and the neighbour's address as next hop (not from
route servers).

Where BIRD differs: the RPKI check calls ``routesec_rov_state()``, which the origin-validation part
(``render_rov``, the ROA tables and the RTR caches) defines, so that part must be in the same
configuration; a customer that gets only a default route gets the default route of BIRD's table (a
static route, say), as BIRD has no ``default-originate``; over its max-prefix a session is restarted at
once (``import limit ... action restart``: BIRD has no restart timer) or, with ``max_prefix_restart`` 0,
disabled. RFC 9234 roles are BIRD's own (``local role``; ``require roles`` in strict mode), and with them
BIRD sets and checks Only-to-Customer.

ASPA path verification (``aspa``) follows the RPKI check: ``routesec_aspa_state(true)`` (upstream: customers,
peers, route servers) or ``(false)`` (downstream: transits), which the origin-validation part defines over its
ASPA table (``render_rov`` with ``aspa``; BIRD's ``aspa_check``, BIRD 2.16 and later), rejects
``ASPA_INVALID`` or, with ``aspa_unknown`` reject, anything but ``ASPA_VALID``. An older BIRD, or an
origin-validation part without the ASPA table, makes ``bird -p`` refuse the file rather than run without the
check. BIRD checks the path only: the first AS is the filter's own check (not from route servers, whose
clients' paths the draft verifies upstream without it).

routesec owns the protocols it writes: the file is meant to be included by the router's configuration
(``include "routesec-sessions.conf";``), beside its own ``router id``, ``protocol device`` and kernel
protocols, and with no other protocol for these neighbours.

Reading a configuration back (compliance; the text as ``bird2.expand_includes`` leaves it):
``parse_sessions`` gives every ``protocol bgp`` of the router, routesec's or not, as plain data, and
``session_blocks`` the blocks this file writes (each ``filter``, named ``protocol bgp`` and ``define`` that
is not a prefix set; prefix sets are the prefix-list checks') as whitespace-normalised text. A channel has
an import (export) policy when it names a filter, an inline one or a ``where`` expression; ``import all``
takes every route unfiltered and ``import none`` none, and neither filters route by route, like FRR's
session without a route-map (on eBGP BIRD 2.0.12 refuses a channel that names no import policy, RFC
8212). Only the unicast channel of the neighbour address's family is looked at (as FRR's address
family). A maximum-prefix is an ``import limit`` or a ``receive limit`` that is not ``off``. ``template`` blocks are not read: a protocol that takes
settings ``from`` a template is read by its own statements only, so what it inherits (filters, limits, a
role) is not seen; a ``disabled`` protocol has no session and is left out.
"""

from __future__ import annotations

import ipaddress
import re

from ..policy import objects
from ..policy.options import ASPA_DIRECTION
from . import bird2, common

GAPS = {  # what BIRD cannot express, and what it does instead
    "max_prefix_restart": "BIRD has no restart timer: a session over its max-prefix restarts at once "
    "(import limit ... action restart)",
    "default_originate": "BIRD has no default-originate: a customer that gets only a default route gets the "
    "default route of BIRD's table, which must have one",
}
ROLES = {"provider": "provider", "customer": "customer", "peer": "peer", "rs-client": "rs_client"}
GSHUT, BLACKHOLE, NO_EXPORT = "(65535, 0)", "(65535, 666)", "(65535, 65281)"
BOGON_ASNS, TRANSIT_FREE = "ROUTESEC_BOGON_ASNS", "ROUTESEC_TRANSIT_FREE"


def render_session_policy(intent, options) -> str:
    """BIRD 2 configuration for every eBGP session of ``intent`` (a DeviceIntent) under ``options``."""
    sessions, lists = objects.whole_file(intent, options)
    if not sessions:
        return ""
    local = intent.device.local_asn
    parts = [
        "# %s" % objects.file_header(intent),
        bird2.render_prefix_lists([*intent.prefix_lists, *lists]),
        bird2.render_as_path_lists(intent.as_path_lists),
        "define %s = [ %s ];" % (BOGON_ASNS, asn_set(options.bogon_asns())),
    ]
    if options.transit_free:
        parts.append("define %s = [ %s ];" % (TRANSIT_FREE, asn_set((a, a) for a in sorted(set(options.transit_free)))))
    filters = {}
    for session in sessions:
        filters.setdefault(objects.import_name(session), import_filter(session, options, local))
        filters.setdefault(objects.export_name(session, options), export_filter(session, options, local))
    parts += [text for _name, text in sorted(filters.items())]
    parts += [protocol(session, options, local) for session in sessions]
    return "\n".join(part.rstrip("\n") for part in parts if part) + "\n"


def symbol(name: str) -> str:
    """A BIRD identifier for one of the policy's names (``ROUTESEC-IN-PEER-AS64496-V4``: ``routesec_in_peer_...``)."""
    return re.sub(r"[^a-z0-9_]", "_", name.lower())


def asn_set(ranges) -> str:
    return ", ".join(str(a) if a == b else "%d..%d" % (a, b) for a, b in ranges)


def _filter(name, body):
    return "filter %s\n{\n%s}\n" % (symbol(name), "".join("    %s\n" % line for line in body))


def _set(name):
    return bird2.symbol(name)


def checks(options, afi):
    """What no route may be in either direction: bogon AS numbers, a long path, bogon prefixes, the default
    route, prefixes too long or too short."""
    return [
        "if bgp_path.len > %d then reject;" % options.max_path_length,
        "if filter(bgp_path, %s).len > 0 then reject;" % BOGON_ASNS,
        *(
            "if net ~ %s then reject;" % _set(objects.helper_list_name(what, afi))
            for what in ("BOGONS", "DEFAULT", "LENGTH")
        ),
    ]


def tag(session, options, local):
    lines = [
        "bgp_large_community.delete([(%d, %d, *)]);" % (local, options.community_function),
        "bgp_large_community.add((%s));" % options.community(session.relationship, local).replace(":", ", "),
    ]
    return lines + ([] if session.relationship == "route_server" else ["bgp_next_hop = from;"])


def import_filter(session, options, local):
    rel, afi, asn = session.relationship, session.afi, session.remote_asn
    body = ["if %s ~ bgp_community then bgp_local_pref = 0;" % GSHUT, *checks(options, afi)[:2]]
    if rel != "route_server":
        body.append("if bgp_path.first != %d then reject;" % asn)
    if rel in ("customer", "peer") and options.transit_free:
        body.append("if filter(bgp_path, %s).len > 0 then reject;" % TRANSIT_FREE)
    body.append("if %s ~ bgp_community then {" % BLACKHOLE)
    if session.blackhole:
        body += ["    if net ~ %s then {" % _set(objects.blackhole_list(asn, afi))]
        body += ["        bgp_community.add(%s);" % NO_EXPORT, *("        " + t for t in tag(session, options, local))]
        body += ["        accept;", "    }"]
    body += ["    reject;", "}", *checks(options, afi)[2:]]
    body.append("if net ~ %s then reject;" % _set(objects.helper_list_name("OWN-SPACE", afi)))
    if options.reject_invalid:
        body.append("if routesec_rov_state() = ROA_INVALID then reject;")
    body += aspa_checks(session, options)
    if rel in ("customer", "peer"):
        body.append("if ! (net ~ %s) then reject;" % _set(objects.irr_list(asn, afi)))
        body.append("if ! (bgp_path.last ~ %s) then reject;" % _set(objects.origin_list(asn)))
    return _filter(objects.import_name(session), [*body, *tag(session, options, local), "accept;"])


def aspa_checks(session, options):
    """The ASPA check of a route from ``session``: upstream or downstream by its relationship; none while ASPA is
    off."""
    rejected = options.aspa_rejected()
    if not rejected:
        return []
    upstream = ASPA_DIRECTION[session.relationship] == "upstream"
    state = "%s(%s)" % (bird2.ASPA_STATE, "true" if upstream else "false")
    if "unknown" in rejected:
        return ["if %s != ASPA_VALID then reject;" % state]
    return ["if %s = ASPA_INVALID then reject;" % state]


def export_filter(session, options, local):
    name, afi = objects.export_name(session, options), session.afi
    if objects.default_only(session, options):
        return _filter(name, ["if net ~ %s then accept;" % _set(objects.helper_list_name("DEFAULT", afi)), "reject;"])
    body = checks(options, afi)
    if session.relationship == "customer":
        return _filter(name, [*body, "accept;"])
    customers = "(%s)" % options.community("customer", local).replace(":", ", ")
    body += [
        "if net ~ %s then accept;" % _set(objects.own_list(afi)),
        "if %s ~ bgp_large_community then accept;" % customers,
    ]
    return _filter(name, [*body, "reject;"])


def protocol(session, options, local):
    """The session's ``protocol bgp``, named after its relationship, neighbour AS and address."""
    name = "routesec_%s_as%d_%s" % (session.relationship, session.remote_asn, re.sub(r"\W", "_", session.address))
    lines = ["local as %d;" % local, "neighbor %s as %d;" % (session.address, session.remote_asn)]
    if session.role:
        lines.append("local role %s;" % ROLES[session.role])
        if options.role_strict:
            lines.append("require roles on;")
    channel = [
        "import filter %s;" % symbol(objects.import_name(session)),
        "export filter %s;" % symbol(objects.export_name(session, options)),
    ]
    if session.max_prefix:
        action = "warn" if session.max_prefix_action == "warning" else "restart"
        action = "disable" if action == "restart" and not options.max_prefix_restart else action
        channel.append("import limit %d action %s;" % (session.max_prefix, action))
    lines += ["ipv%d {" % session.afi, *("    " + c for c in channel), "};"]
    return "protocol bgp %s {\n%s}\n" % (name, "".join("    %s\n" % line for line in lines))


# -- a running configuration read back (compliance) -----------------------------------------------------

# the blocks only this file writes: one the router has and the file would not is drift
OWNED = ("filter routesec_in_", "filter routesec_out_", "protocol bgp routesec_")
# common.tokens, with a prefix pattern's length range (``{8,32}``) one token rather than a block
_TOKEN = re.compile(r'/\*.*?\*/|#[^\n]*|"(?:[^"\\]|\\.)*"|\{\s*\d+\s*,\s*\d+\s*\}|[{};]|[^\s{};"#]+', re.DOTALL)


def _statements(text):
    toks = _TOKEN.findall(text)
    return common.statements(
        [re.sub(r"\s", "", t) if t[:1] == "{" else t for t in toks if not t.startswith(("/*", "#"))]
    )


def parse_sessions(text: str) -> dict:
    """The BGP sessions of BIRD configuration ``text``: ``{address: {"remote_as", "import", "export",
    "max_prefix", "role"}}`` (see the module's description)."""
    found = {}
    for statement in _statements(text):
        head, body = common.split_block(statement)
        if head[:2] == ["protocol", "bgp"] and body is not None:
            session = _session(common.statements(body))
            if session:
                found[session.pop("address")] = session
    return found


def session_blocks(text: str) -> dict:
    """``{label: text}`` of the blocks in BIRD configuration ``text`` of the kinds this file writes, each as its
    tokens joined by one space: ``filter NAME``, ``protocol bgp NAME``, ``define NAME`` (not prefix sets)."""
    found = {}
    for statement in _statements(text):
        label = _label(statement)
        if label:
            found[label] = " ".join(statement)
    return found


def _label(statement):
    head, _body = common.split_block(statement)
    if head[:1] == ["filter"] and len(head) == 2:
        return "filter %s" % head[1]
    if head[:2] == ["protocol", "bgp"] and len(head) > 2 and head[2] != "from":
        return "protocol bgp %s" % head[2]
    if head[:1] == ["define"] and len(head) > 1 and not bird2.parse_prefix_lists(" ".join(statement) + ";"):
        return "define %s" % common.unquote(head[1])
    return None


def _session(statements):
    """The session of one ``protocol bgp`` (its statements), with its ``address``; None without a neighbour
    address or when ``disabled``."""
    found = {"address": None, "remote_as": None, "local_as": None, "role": None, "channels": {}}
    for statement in statements:
        head, body = common.split_block(statement)
        key = head[0] if head else None
        if key == "neighbor":
            _neighbor(found, head[1:])
        elif key == "local":
            _local(found, head[1:])
        elif key == "disabled" and head[1:2] in ([], ["yes"], ["on"], ["true"], ["1"]):
            return None
        elif key in ("ipv4", "ipv6") and len(head) == 1:
            found["channels"][int(key[-1])] = _channel(common.statements(body or []))
    if found["address"] is None:
        return None
    channel = found.pop("channels").get(_family(found["address"]), {})
    local_as = found.pop("local_as")
    if local_as is not None and local_as == found["remote_as"]:
        found["remote_as"] = "internal"
    found.update({kind: channel.get(kind, False) for kind in ("import", "export")})
    found["max_prefix"] = any(channel.get(kind) for kind in ("import limit", "receive limit"))
    return found


def _neighbor(found, words):
    """``neighbor [range] ADDRESS [port N] [as N | internal | external]``, in part or whole."""
    for before, word in zip(["neighbor", *words], words):
        if before == "as" or word in ("internal", "external"):
            found["remote_as"] = word
        elif before in ("neighbor", "range") and word != "range" and word not in ("port", "as"):
            found["address"] = _address(word)


def _local(found, words):
    """``local role ROLE`` or ``local [ADDRESS] [port N] [as N]``."""
    if words[:1] == ["role"] and len(words) > 1:
        found["role"] = words[1]
    elif "as" in words[:-1]:
        found["local_as"] = words[words.index("as") + 1]


def _channel(statements):
    """What one channel's statements say: ``import``/``export`` True for a filter (named, inline or ``where``),
    False for ``all`` or ``none``; ``import limit``/``receive limit`` True unless ``off``. Later ones win."""
    found = {}
    for statement in statements:
        head, _body = common.split_block(statement)
        if len(head) >= 2 and head[0] in ("import", "export") and head[1] in ("filter", "where", "all", "none"):
            found[head[0]] = head[1] in ("filter", "where")
        elif len(head) >= 3 and head[0] in ("import", "receive") and head[1] == "limit":
            found["%s limit" % head[0]] = head[2] != "off"
    return found


def _address(word):
    """An address (a link-local one without its ``%interface``) or a ``range`` prefix, normalised."""
    try:
        if "/" in word:
            return str(ipaddress.ip_network(word, strict=False))
        return str(ipaddress.ip_address(word.split("%")[0]))
    except ValueError:
        return word  # a symbol BIRD expands


def _family(address):
    try:
        return ipaddress.ip_network(address).version
    except ValueError:
        return None
