# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenConfig over NETCONF: every eBGP session's import and export policy (``policy.terms``) as an
``<edit-config>`` of ``openconfig-routing-policy`` and ``openconfig-bgp-policy`` (2017 releases), and each
session's bindings in ``openconfig-bgp``.

What the edit holds:

* the non-empty helper prefix-sets (``render.openconfig``'s layout), each replaced whole;
* ``bgp-defined-sets``: the AS-path sets and community sets the policies name, and the neighbours' origin
  AS-path sets, each replaced whole (``operation="replace"``);
* one ``policy-definition`` per policy, replaced whole, one ``statement`` per live term in term order;
* per eBGP session, under its neighbour's ``afi-safi``: ``apply-policy`` (the import and export policy, both
  defaults ``REJECT_ROUTE``), ``prefix-limit`` and ``send-default-route`` (a customer that gets only a default
  route), each ``config`` replaced whole so that a policy chain or a restart timer left from before goes.

How the terms map onto the model. A statement whose conditions hold runs its actions; its ``policy-result``
(``ACCEPT_ROUTE``, ``REJECT_ROUTE``) ends the evaluation, and a statement without one goes on to the next
(the module's description of policy evaluation), which is how a ``then_next`` term (graceful shutdown:
local preference 0) is written. A route no statement decides is refused by ``default-import-policy`` /
``default-export-policy`` ``REJECT_ROUTE``.

* AS paths: a bogon or transit-free AS anywhere is an ``as-path-set`` of POSIX regular expressions (the
  model's ``std-regexp``) over the path printed as ASNs separated by spaces, ``(^| )(ASNS)( |$)``; too long
  is the ``as-path-length`` condition ``ATTRIBUTE_GE`` count + 1; "the first AS is not the neighbour's" is
  the set ``^ASN( |$)`` matched with ``match-set-options INVERT`` (a set has no deny members); an origin set
  is bgpq4's layout in that syntax (``^PEER( PEER)*$``, ``^PEER( [0-9]+)* (A|B)$``), without members when
  the AS-SET has no origins (matching no path).
* Communities: GRACEFUL_SHUTDOWN and BLACKHOLE are community sets of their values; NO_EXPORT is added as the
  model's well-known ``NO_EXPORT``.
* The model has one ``set-community`` per statement, with one option (ADD, REMOVE or REPLACE). A term that
  removes communities and adds others is written as one statement per removal (same conditions, no
  result), then the statement that adds and decides; the removed communities (ours) are not among the
  conditions, so the conditions hold the same for each.
* Large communities (RFC 8092) are not in this release of the model: the learned-from tag
  ``LOCAL:FUNCTION:CODE`` becomes the standard community ``LOCAL:FUNCTION×10+CODE`` (64500:11 for a route
  learned from a customer with the default function 1), and what a neighbour sends under
  ``LOCAL:FUNCTION×10+0..9`` is removed (a community set of the regular expression ``^LOCAL:FUNCTION[0-9]$``,
  referenced by a REMOVE). A local AS above 65535, or a function above 6552, cannot be written so and is
  refused (DataError naming the field).
* Not expressible in the model, see ``GAPS``: RFC 9234 roles, origin validation (the RPKI-invalid term is
  left out), the neighbour's address as next hop.
* Max-prefix: ``max-prefixes``; over the limit, ``prevent-teardown`` true only logs, false tears down and
  ``restart-timer`` (seconds) brings the session back after ``max_prefix_restart`` minutes; 0 writes no
  timer, for a session that stays down until cleared. A session without a max-prefix in NetBox keeps the
  limit the router has (a limit is a safeguard routesec does not take away).
* The address family is enabled on the neighbour (``afi-safi`` ``enabled``): the policy is written for
  the families the sessions carry.

Where the sessions live: the top-level ``/bgp`` of ``openconfig-bgp`` (2017), not
``/network-instances/network-instance[default]/protocols/protocol[BGP]/bgp`` that later devices serve. In
that release the ``bgp`` container under a protocol is guarded by ``when "../config/identifier = 'BGP'"``,
which compares an identityref's qualified value with an unqualified name and so never holds on a server
that implements the model as written (yuma123 netconfd refuses a BGP protocol there); the top-level
``/bgp`` loads and validates. ``parse_neighbors`` reads neighbours from both places.

``neighbors`` (what ``parse_neighbors`` read) is not needed to render: the bindings are keyed by the
neighbour's address, whatever its peer-group.
"""

from __future__ import annotations

import ipaddress

from ..errors import DataError
from ..policy import terms as policy_terms
from ..policy.as_path_regex import number_pattern, ranges_pattern
from ..policy.objects import default_only, empty_lists, export_name, import_name
from ..policy.terms import COMMUNITIES, no_roles
from . import openconfig
from .common import as_path_groups

try:
    from lxml import etree
except ImportError:  # pragma: no cover - reported by the NETCONF driver
    etree = None

NC = openconfig.NC
RPOL = openconfig.NS
BGP_POLICY = "http://openconfig.net/yang/bgp-policy"
BGP = "http://openconfig.net/yang/bgp"
BGP_TYPES = "http://openconfig.net/yang/bgp-types"
POLICY_TYPES = "http://openconfig.net/yang/policy-types"
REPLACE = "replace"
AFI_SAFI = {4: "IPV4_UNICAST", 6: "IPV6_UNICAST"}
UNICAST = {4: "ipv4-unicast", 6: "ipv6-unicast"}
RESULT = {"permit": "ACCEPT_ROUTE", "deny": "REJECT_ROUTE"}
WELL_KNOWN = {"no-export": "NO_EXPORT"}
ORIGIN_WIDTH = 6  # origins per regular expression, as bgpq4 groups them

# the planner reads the prefix-sets of a running configuration and of a candidate as prefix_filter does
parse_prefix_lists = openconfig.parse_prefix_lists
entry_order = openconfig.entry_order

FILTER = (
    '<routing-policy xmlns="%s"><defined-sets><prefix-sets/><bgp-defined-sets xmlns="%s"/></defined-sets>'
    "<policy-definitions/></routing-policy>"
    '<bgp xmlns="%s"><neighbors/><peer-groups/></bgp>' % (RPOL, BGP_POLICY, BGP)
)

GAPS = {
    "roles": no_roles("the OpenConfig BGP model of 2017 has no role"),
    "rpki": "origin validation is left to the platform's own policy (the model has no validation-state "
    "condition): the import policies do not drop RPKI-invalid routes, configure the platform's RPKI and "
    "its reject-invalid policy natively",
    "large_communities": "the model has no large communities: the learned-from tag is the standard community "
    "LOCAL:FUNCTION*10+CODE (64500:11 from customers, :12 peers, :13 transits, :14 route servers) and a "
    "neighbour's communities LOCAL:FUNCTION*10+0..9 are removed; a local AS above 65535 is refused",
    "next_hop_peer": "the next hop is not set to the neighbour's address (the model's set-next-hop takes an "
    "address or SELF, and one import policy serves every session with a neighbour AS): the next hop the "
    "neighbour sends is kept",
}


def render_session_policy(intent, options, neighbors=None) -> str:
    """The ``<config>`` edit of every eBGP session of ``intent`` (a DeviceIntent) under ``options``; empty
    when there is none. ``neighbors`` is not needed (see the module's description)."""
    policy = policy_terms.policy_set(intent, options)
    if not policy.sessions:
        return ""
    empty = empty_lists(intent, options)
    live = {name: live_statements(each, policy, empty) for name, each in policy.policies.items()}
    root = etree.Element("{%s}config" % NC, nsmap={None: NC, "nc": NC})
    routing = node(root, RPOL, "routing-policy", nsmap={None: RPOL})
    defined = node(routing, RPOL, "defined-sets")
    prefix_sets(node(defined, RPOL, "prefix-sets"), [plist for plist in policy.helpers if plist.entries])
    bgp_sets = node(defined, BGP_POLICY, "bgp-defined-sets", nsmap={None: BGP_POLICY})
    community_sets(node(bgp_sets, BGP_POLICY, "community-sets"), named(live, "community"), policy.large)
    as_path_sets(node(bgp_sets, BGP_POLICY, "as-path-sets"), named(live, "as_path"), policy.as_paths, intent)
    definitions = node(routing, RPOL, "policy-definitions")
    for name, statements in live.items():
        policy_definition(definitions, name, statements)
    bindings(node(root, BGP, "bgp", nsmap={None: BGP}), policy.sessions, options)
    etree.indent(root)
    return etree.tostring(root, encoding="unicode") + "\n"


# -- XML ---------------------------------------------------------------------------------------------


def node(parent, ns, tag, text=None, nsmap=None, operation=None):
    element = etree.SubElement(parent, "{%s}%s" % (ns, tag), nsmap=nsmap)
    element.text = None if text is None else str(text)
    if operation:
        element.set("{%s}operation" % NC, operation)
    return element


def identity(parent, ns, tag, module_ns, prefix, name):
    """A leaf holding the identity ``prefix:name`` of the module ``module_ns``."""
    return node(parent, ns, tag, "%s:%s" % (prefix, name), nsmap={prefix: module_ns})


def keyed(parent, ns, tag, key, value, operation=None):
    """A list entry ``tag`` keyed by ``key``, with the key in its ``config`` too; returns (entry, config)."""
    entry = node(parent, ns, tag, operation=operation)
    node(entry, ns, key, value)
    config = node(entry, ns, "config")
    node(config, ns, key, value)
    return entry, config


# -- defined sets ------------------------------------------------------------------------------------


def prefix_sets(parent, prefix_lists):
    """The helper prefix-sets in ``render.openconfig``'s layout, each replaced whole."""
    text, _lines = openconfig.edit_config(prefix_lists, {})
    for each in list(etree.fromstring(text.encode("utf-8")).iter("{%s}prefix-set" % RPOL)):
        each.set("{%s}operation" % NC, REPLACE)
        parent.append(each)


def community_sets(parent, names, large):
    """The community sets the statements match or remove: the well-known ones by value, our large
    communities as their standard-community fallback."""
    for name in sorted(names):
        _entry, config = keyed(parent, BGP_POLICY, "community-set", "community-set-name", name, REPLACE)
        node(config, BGP_POLICY, "community-member", community_member(name, large))


def community_member(name, large):
    if name in COMMUNITIES:
        return COMMUNITIES[name]
    value = large[name]
    if value.endswith(":"):  # a pattern: any community under LOCAL:FUNCTION
        local, function = fitting(*value.split(":")[:2])
        return "^%d:%s[0-9]$" % (local, function or "")
    return standard_tag(value)


def standard_tag(value):
    """The standard community that stands for the large community ``LOCAL:FUNCTION:CODE`` (CODE 0-9)."""
    local, function, code = value.split(":")
    local, function = fitting(local, function)
    return "%d:%d" % (local, function * 10 + int(code))


def fitting(local, function):
    """``(local, function)`` as numbers; DataError naming the field when LOCAL:FUNCTION*10+9 does not fit a
    standard community."""
    local, function = int(local), int(function)
    if local > 0xFFFF:
        raise DataError(
            "AS%d does not fit a standard community (16 bits), and the OpenConfig model of this release has no "
            "large communities for the learned-from tag" % local,
            "session policy",
            "local_asn",
        )
    if function * 10 + 9 > 0xFFFF:
        raise DataError(
            "%d is above 6552: the learned-from tag is the standard community LOCAL:FUNCTION*10+CODE on "
            "OpenConfig" % function,
            "session policy",
            "community_function",
        )
    return local, function


def as_path_sets(parent, names, rules, intent):
    """The AS-path sets the statements match, then every origin set of the intent."""
    origins = {aspl.name: aspl for aspl in intent.as_path_lists}
    missing = sorted(names - set(rules) - set(origins))
    if missing:
        raise DataError(
            "the policy names the origin AS-path lists %s, which the intent lacks; expand the neighbours' AS-SETs "
            "first (routesec.bgp.irr_filters)" % ", ".join(missing),
            "device %s" % intent.device.name,
            "as_path_lists",
        )
    members = {name: rule_members(rules[name]) for name in sorted(names & set(rules))}
    members.update((name, origin_members(aspl)) for name, aspl in sorted(origins.items()))
    for name, regexes in members.items():
        _entry, config = keyed(parent, BGP_POLICY, "as-path-set", "as-path-set-name", name, REPLACE)
        for regex in regexes:
            node(config, BGP_POLICY, "as-path-set-member", regex)


def rule_members(rule):
    if rule.kind == "contains":
        return ["(^| )(%s)( |$)" % ranges_pattern(rule.ranges)]
    return ["^(%s)( |$)" % number_pattern(rule.asn, rule.asn)]  # first_not: matched inverted


def origin_members(aspl):
    """bgpq4's layout of an origin list, as POSIX regular expressions over the path."""
    own, groups = as_path_groups(aspl, ORIGIN_WIDTH)
    peer = aspl.peer_asn
    members = ["^%d( %d)*$" % (peer, peer)] if own else []
    return members + ["^%d( [0-9]+)* (%s)$" % (peer, "|".join(map(str, group))) for group in groups]


# -- policies ----------------------------------------------------------------------------------------


def live_statements(policy, policy_set, empty):
    """``[(name, conditions, actions, result)]`` of ``policy``'s live terms the model can express, in order."""
    statements = []
    for term in policy_terms.live_terms(policy, empty):
        if any(condition[0] == "rpki_invalid" for condition in term.match):
            continue  # GAPS["rpki"]
        conditions = [condition_of(c, policy_set.as_paths) for c in term.match]
        check_one_each(conditions, policy.name, term.seq)
        removals = [action[1] for action in term.set if action[0] == "delete_large"]
        for index, name in enumerate(removals, 1):
            statements.append(("%d-%d" % (term.seq, index), conditions, [("remove", name)], None))
        actions = [action_of(a) for a in term.set if a[0] not in ("delete_large", "next_hop_peer")]
        statements.append(("%d" % term.seq, conditions, actions, None if term.then_next else RESULT[term.action]))
    return statements


def condition_of(condition, rules):
    """``(container, set name or value, match-set-options)`` of a term's condition."""
    kind = condition[0]
    if kind == "prefix_list":
        return ("match-prefix-set", condition[2], "ANY")
    if kind in ("community", "large_community"):
        return ("match-community-set", condition[1], "ANY")
    if kind == "as_path_list":
        return ("match-as-path-set", condition[1], "ANY")
    rule = rules[condition[1]]  # as_path
    if rule.kind == "longer":
        return ("as-path-length", rule.count + 1, "ATTRIBUTE_GE")
    return ("match-as-path-set", rule.name, "INVERT" if rule.kind == "first_not" else "ANY")


def check_one_each(conditions, name, seq):
    kinds = [c[0] for c in conditions]
    repeated = sorted({kind for kind in kinds if kinds.count(kind) > 1})
    if repeated:
        raise DataError(
            "term %d has more than one %s condition, which an OpenConfig statement cannot hold" % (seq, repeated[0]),
            "policy %s" % name,
            "terms",
        )


def action_of(action):
    kind = action[0]
    if kind == "local_pref":
        return ("local_pref", action[1])
    if kind == "add_large":
        return ("add", standard_tag(action[1]))
    return ("add", WELL_KNOWN[action[1]])  # add_community


def named(live, what):
    """The community set (``what`` community) or AS-path set (``as_path``) names the statements use."""
    container = {"community": "match-community-set", "as_path": "match-as-path-set"}[what]
    names = {c[1] for statements in live.values() for s in statements for c in s[1] if c[0] == container}
    if what == "community":
        names |= {a[1] for statements in live.values() for s in statements for a in s[2] if a[0] == "remove"}
    return names


def policy_definition(parent, name, statements):
    definition, _config = keyed(parent, RPOL, "policy-definition", "name", name, REPLACE)
    listed = node(definition, RPOL, "statements")
    for label, conditions, actions, result in statements:
        statement, _config = keyed(listed, RPOL, "statement", "name", label)
        write_conditions(node(statement, RPOL, "conditions"), conditions)
        write_actions(node(statement, RPOL, "actions"), actions, result)


def write_conditions(parent, conditions):
    bgp = None
    for container, value, option in sorted(conditions, key=lambda c: c[0] != "match-prefix-set"):
        if container == "match-prefix-set":
            config = node(node(parent, RPOL, container), RPOL, "config")
            node(config, RPOL, "prefix-set", value)
            node(config, RPOL, "match-set-options", option)
            continue
        if bgp is None:
            bgp = node(parent, BGP_POLICY, "bgp-conditions", nsmap={None: BGP_POLICY})
        config = node(node(bgp, BGP_POLICY, container), BGP_POLICY, "config")
        if container == "as-path-length":
            identity(config, BGP_POLICY, "operator", POLICY_TYPES, "oc-pol-types", option)
            node(config, BGP_POLICY, "value", value)
            continue
        node(config, BGP_POLICY, "community-set" if container == "match-community-set" else "as-path-set", value)
        node(config, BGP_POLICY, "match-set-options", option)


def write_actions(parent, actions, result):
    if result:
        node(node(parent, RPOL, "config"), RPOL, "policy-result", result)
    if not actions:
        return
    bgp = node(parent, BGP_POLICY, "bgp-actions", nsmap={None: BGP_POLICY})
    for kind, value in actions:
        if kind == "local_pref":
            node(node(bgp, BGP_POLICY, "config"), BGP_POLICY, "set-local-pref", value)
    added = [value for kind, value in actions if kind == "add"]
    removed = [value for kind, value in actions if kind == "remove"]
    if added or removed:
        change = node(bgp, BGP_POLICY, "set-community")
        config = node(change, BGP_POLICY, "config")
        node(config, BGP_POLICY, "method", "REFERENCE" if removed else "INLINE")
        node(config, BGP_POLICY, "options", "REMOVE" if removed else "ADD")
        if removed:
            reference = node(node(change, BGP_POLICY, "reference"), BGP_POLICY, "config")
            node(reference, BGP_POLICY, "community-set-ref", removed[0])
            return
        inline = node(node(change, BGP_POLICY, "inline"), BGP_POLICY, "config")
        for value in added:
            if value in WELL_KNOWN.values():
                identity(inline, BGP_POLICY, "communities", BGP_TYPES, "oc-bgp-types", value)
            else:
                node(inline, BGP_POLICY, "communities", value)


# -- bindings ----------------------------------------------------------------------------------------


def bindings(bgp, sessions, options):
    """Each session's neighbour: its family's import and export policy, max-prefix and default route."""
    neighbors = node(bgp, BGP, "neighbors")
    for session in sorted(sessions):
        neighbor = node(neighbors, BGP, "neighbor")
        node(neighbor, BGP, "neighbor-address", session.address)
        family = node(node(neighbor, BGP, "afi-safis"), BGP, "afi-safi")
        identity(family, BGP, "afi-safi-name", BGP_TYPES, "oc-bgp-types", AFI_SAFI[session.afi])
        config = node(family, BGP, "config")
        identity(config, BGP, "afi-safi-name", BGP_TYPES, "oc-bgp-types", AFI_SAFI[session.afi])
        node(config, BGP, "enabled", "true")
        apply = node(node(family, BGP, "apply-policy"), BGP, "config", operation=REPLACE)
        node(apply, BGP, "import-policy", import_name(session))
        node(apply, BGP, "default-import-policy", "REJECT_ROUTE")
        node(apply, BGP, "export-policy", export_name(session, options))
        node(apply, BGP, "default-export-policy", "REJECT_ROUTE")
        unicast = node(family, BGP, UNICAST[session.afi])
        if session.max_prefix:
            prefix_limit(unicast, session, options)
        node(node(unicast, BGP, "config"), BGP, "send-default-route", bool_text(default_only(session, options)))


def prefix_limit(parent, session, options):
    """The session's max-prefix, replacing the limit the router has."""
    config = node(node(parent, BGP, "prefix-limit"), BGP, "config", operation=REPLACE)
    node(config, BGP, "max-prefixes", session.max_prefix)
    warning = session.max_prefix_action == "warning"
    node(config, BGP, "prevent-teardown", bool_text(warning))
    if not warning and options.max_prefix_restart:
        node(config, BGP, "restart-timer", options.max_prefix_restart * 60)


def bool_text(value):
    return "true" if value else "false"


# -- the router's prefix-sets and neighbours ---------------------------------------------------------


def parse_neighbors(running: str) -> dict:
    """``{address: {"remote_as", "group"}}`` of the BGP neighbours in a ``<config>`` or ``<data>`` text (the
    top-level ``/bgp`` or a network instance's); a neighbour without its own ``peer-as`` takes its
    peer-group's."""
    if not running.strip():
        return {}
    root = etree.fromstring(running.encode("utf-8"))
    groups = {text(group, "peer-group-name"): text(group, "config", "peer-as") for group in root.iter(q("peer-group"))}
    found = {}
    for neighbor in root.iter(q("neighbor")):
        raw = text(neighbor, "neighbor-address") or text(neighbor, "config", "neighbor-address")
        try:
            address = str(ipaddress.ip_address(raw or ""))
        except ValueError:
            raise DataError("%r is not an IP address" % raw, "running BGP neighbour", "neighbor-address") from None
        group = text(neighbor, "config", "peer-group")
        found[address] = {"remote_as": text(neighbor, "config", "peer-as") or groups.get(group), "group": group}
    return found


def q(tag):
    return "{%s}%s" % (BGP, tag)


def text(element, *path):
    value = element.findtext("/".join(q(tag) for tag in path))
    return value.strip() if value and value.strip() else None
