# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Juniper Junos: every eBGP session's import and export policy (``policy.terms``), as curly configuration for
``load replace terminal``.

One ``policy-options`` block holds the helper prefix lists (``render.juniper_junos``, a ``prefix-list`` when a
list is exact, else a ``route-filter-list``), the neighbours' origin ``as-path-group``\\ s, the ``as-path`` and
``community`` objects the terms name and one ``policy-statement`` per policy, each tagged ``replace:`` so that a
re-run replaces it whole. A policy's terms keep their order and are named by their sequence number
(``term 45``); a route no term takes meets the policy's final ``then reject;`` (Junos would otherwise go on to
the next policy and BGP's default, which accepts). Translation:

* ``prefix_list``: ``from prefix-list NAME`` for an exact list (the listed prefixes only), ``from
  route-filter-list NAME`` for a list with lengths (each entry carries its match type); the kind is the one
  ``render.juniper_junos`` gives the list (of the intent, or of the helpers). A list the intent does not
  hold is taken to be a ``prefix-list`` (bgpq4's ``-J`` form);
* ``as_path``: ``from as-path NAME``, a Junos AS-path regular expression, which matches the whole path with
  AS numbers as its units: ``".* (1-22|64496-131071) .*"`` (an AS of the ranges anywhere), ``".{101,}"``
  (more than 100 ASNs), ``"(1-64999|65001-4294967295) .*"`` (the first AS is not 65000; Junos has no
  negation, so the other numbers are written as ranges). Junos takes AS numbers from 1 in a regular
  expression, so AS 0 is left out (RFC 7607 makes a path holding it malformed, which BGP itself handles);
* ``as_path_list``: ``from as-path-group NAME`` (the neighbour's origin list);
* ``community``, ``large_community``: ``from community NAME``, one member each (a community's members must
  all match); large communities as ``large:A:B:C``;
* ``rpki_invalid``: ``from validation-database invalid`` (the RTR sessions come from ``render_rov``);
* actions: ``local-preference N``; ``community delete NAME`` (INFO: the member ``"^large:L:F:.*$"``) written
  before ``community add NAME`` (Junos applies a term's community actions in the order written);
  ``community add ROUTESEC-NO-EXPORT`` (``members no-export``); ``next-hop peer-address``; then ``accept`` or
  ``reject``, nothing for ``then_next`` (Junos goes on to the next term after a term without a terminating
  action).

Junos ORs the values of one match condition (``community [ A B ]``, several lists), so a term naming two of a
kind is refused (DataError); the terms of ``policy.terms`` never do.

Bindings go under ``protocols bgp group G neighbor X``, G the group the router already has the neighbour in
(``parse_neighbors``), or ``ROUTESEC-EBGP`` when rendering without a router. ``import`` and ``export`` are
tagged ``replace:``: Junos chains the policies of a multi-valued ``import``, so the neighbour's own are replaced,
not added to. Max-prefix is ``family inet|inet6 { unicast { accepted-prefix-limit { maximum N; ... } } }``
(counted after the import policy): warning-only is ``maximum`` alone (Junos logs), teardown adds ``teardown
idle-timeout M`` (minutes, at most 2400) or ``idle-timeout forever`` when options.max_prefix_restart is 0. A
neighbour-level ``family`` statement stands in for the group's families for that neighbour (the most specific
level wins), so only sessions with a max-prefix get one. Junos has no per-neighbour default-originate: the
export policy of a customer that gets only a default route starts with a term ``default-route`` that accepts
``0.0.0.0/0`` (``::/0``) exact when the router has that route active (a static or generated route, configured
outside routesec), and rejects everything else.

Not checked against a device (none runs here): the syntax follows Juniper's documentation.
"""

from __future__ import annotations

import ipaddress

from ..errors import DataError
from ..policy import terms as policy_terms
from ..policy.objects import ANY, PREFIX, default_only, empty_lists, export_name, import_name
from ..policy.terms import COMMUNITIES, TRANSIT_FREE, no_roles
from . import common, juniper_junos

GAPS = {
    "roles": no_roles("Junos documents no BGP role statement"),
}

DEFAULT_GROUP = "ROUTESEC-EBGP"  # the group of a neighbour when rendering without a router
TOP_ASN = 2**32 - 1
MAX_IDLE_TIMEOUT = 2400  # minutes, Junos's limit


def render_session_policy(intent, options, neighbors=None) -> str:
    """The Junos configuration of every eBGP session of ``intent`` (a DeviceIntent) under ``options``;
    ``neighbors`` (``parse_neighbors``) gives each neighbour's group."""
    policy = policy_terms.policy_set(intent, options)
    if not policy.sessions:
        return ""
    lines = block("policy-options", policy_options(intent, options, policy))
    lines += binding_lines(policy.sessions, options, neighbors)
    return "\n".join(lines) + "\n"


def policy_options(intent, options, policy):
    """The statements of ``policy-options``: the helper lists, the origin lists, the AS paths and communities
    the live terms name, and the policies."""
    empty = empty_lists(intent, options)
    live = {name: policy_terms.live_terms(each, empty) for name, each in policy.policies.items()}
    kinds = list_kinds([*intent.prefix_lists, *policy.helpers])
    body = inside_block(juniper_junos.render_prefix_lists([p for p in policy.helpers if p.entries]))
    body += inside_block(juniper_junos.render_as_path_lists(intent.as_path_lists))
    body += [line for rule in named_as_paths(policy, live) for line in replaced(as_path_statement(rule))]
    communities = named_communities(live.values(), policy.large, community_member)
    body += [line for item in communities.items() for line in replaced("community %s members %s;" % item)]
    defaults = {export_name(s, options) for s in policy.sessions if default_only(s, options)}
    for name, each in policy.policies.items():
        body += replaced(*policy_statement(each, live[name], kinds, name in defaults))
    return body


def block(head, body):
    return ["%s {" % head, *("    " + line for line in body), "}"]


def replaced(*lines):
    """``lines`` (one statement) tagged so that ``load replace`` replaces the statement of that name whole."""
    return ["replace:", *lines]


def inside_block(text):
    """The statements of the ``policy-options { ... }`` block a list renderer writes (one block per load)."""
    lines = text.strip().splitlines()
    return lines[1:-1]


# -- AS paths and communities --------------------------------------------------------------------------------


def named_as_paths(policy, live):
    """The AS-path rules the live terms name, in the policy set's order."""
    named = {c[1] for terms in live.values() for term in terms for c in term.match if c[0] == "as_path"}
    return [rule for name, rule in policy.as_paths.items() if name in named]


def asn_ranges(ranges, where):
    """``ranges`` of AS numbers from 1 (the lowest a platform's AS-path expression takes); DataError naming the
    option when none is left."""
    clipped = [(max(first, 1), last) for first, last in ranges if last >= 1]
    if not clipped:
        raise DataError(
            "no AS number of the rule is one an AS-path expression can match (they start at 1)",
            "AS-path rule %s" % where,
            "transit_free" if where == TRANSIT_FREE else "bogon_asn_exceptions",
        )
    return clipped


def other_asns(asn):
    """The (first, last) ranges of every AS number but ``asn`` (from 1)."""
    return [(first, last) for first, last in ((1, asn - 1), (asn + 1, TOP_ASN)) if first <= last]


def junos_ranges(ranges):
    return "(%s)" % "|".join(str(a) if a == b else "%d-%d" % (a, b) for a, b in ranges)


def as_path_regex(rule):
    if rule.kind == "contains":
        return ".* %s .*" % junos_ranges(asn_ranges(rule.ranges, rule.name))
    if rule.kind == "longer":
        return ".{%d,}" % (rule.count + 1)
    return "%s .*" % junos_ranges(other_asns(rule.asn))  # first_not


def as_path_statement(rule):
    return 'as-path %s "%s";' % (rule.name, as_path_regex(rule))


def large_name(value):
    """The name of the community object holding the large community ``value`` (``A:B:C``)."""
    return "%sLARGE-%s" % (PREFIX, value.replace(":", "-"))


def well_known_name(value):
    return PREFIX + value.upper()


def named_communities(live_terms, large, member) -> dict:
    """``{name: member}``: every community the ``live_terms`` (lists of Term) match or act with, one member
    each; ``member(kind, value)`` writes it in the platform's syntax (kind: ``standard``, ``large``,
    ``large_pattern`` (``L:F:``, any third part), ``well_known``)."""
    found = {}
    for term in (term for terms in live_terms for term in terms):
        for condition in term.match:
            if condition[0] == "community":
                found[condition[1]] = member("standard", COMMUNITIES[condition[1]])
            elif condition[0] == "large_community":
                found[condition[1]] = member("large", large[condition[1]])
        for action in term.set:
            if action[0] == "delete_large":
                found[action[1]] = member("large_pattern", large[action[1]])
            elif action[0] == "add_large":
                found[large_name(action[1])] = member("large", action[1])
            elif action[0] == "add_community":
                found[well_known_name(action[1])] = member("well_known", action[1])
    return dict(sorted(found.items()))


def community_member(kind, value):
    if kind == "large":
        return "large:" + value
    if kind == "large_pattern":
        return '"^large:%s.*$"' % value
    return value


# -- policy-statements ---------------------------------------------------------------------------------------


def list_kinds(prefix_lists) -> dict:
    """``{name: prefix-list | route-filter-list}``: the object ``render.juniper_junos`` makes of each name (a
    route-filter-list when any list of that name has an entry with lengths)."""
    kinds = {}
    for plist in prefix_lists:
        if juniper_junos.ranged(plist) or kinds.get(plist.name) == "route-filter-list":
            kinds[plist.name] = "route-filter-list"
        else:
            kinds[plist.name] = "prefix-list"
    return kinds


# the Junos match condition of each condition, and the group of those Junos ORs within a term
MATCH = {
    "as_path": ("as-path", "as-path"),
    "as_path_list": ("as-path-group", "as-path"),
    "community": ("community", "community"),
    "large_community": ("community", "community"),
}


def from_statements(policy, term, kinds):
    statements, groups = [], []
    for condition in term.match:
        if condition[0] == "prefix_list":
            word, group = kinds.get(condition[2], "prefix-list"), "list"
            statements.append("%s %s;" % (word, condition[2]))
        elif condition[0] == "rpki_invalid":
            group = "validation"
            statements.append("validation-database invalid;")
        else:
            word, group = MATCH[condition[0]]
            statements.append("%s %s;" % (word, condition[1]))
        groups.append(group)
    if len(set(groups)) != len(groups):
        raise DataError(
            "term %d matches two conditions of one kind, which Junos would OR" % term.seq,
            "policy %s" % policy.name,
            "terms",
        )
    return statements


def then_statements(term):
    actions = []
    for action in term.set:
        kind = action[0]
        if kind == "local_pref":
            actions.append("local-preference %d;" % action[1])
        elif kind == "delete_large":
            actions.append("community delete %s;" % action[1])
        elif kind == "add_large":
            actions.append("community add %s;" % large_name(action[1]))
        elif kind == "add_community":
            actions.append("community add %s;" % well_known_name(action[1]))
        else:  # next_hop_peer
            actions.append("next-hop peer-address;")
    if not term.then_next:
        actions.append("accept;" if term.action == "permit" else "reject;")
    return actions


def clause(word, statements):
    """``from``/``then`` as Junos prints it: on one line when it holds one statement."""
    if not statements:
        return []
    if len(statements) == 1:
        return ["%s %s" % (word, statements[0])]
    return block(word, statements)


def default_route_term(afi):
    return block("term default-route", [*clause("from", ["route-filter %s exact;" % ANY[afi]]), "then accept;"])


def policy_statement(policy, terms, kinds, default_route=False):
    body = default_route_term(policy.afi) if default_route else []
    for term in terms:
        inner = clause("from", from_statements(policy, term, kinds)) + clause("then", then_statements(term))
        body += block("term %d" % term.seq, inner)
    return block("policy-statement %s" % policy.name, [*body, "then reject;"])


# -- bindings ------------------------------------------------------------------------------------------------


def binding_lines(sessions, options, neighbors):
    """``protocols bgp``: each session's import and export policy and max-prefix, in the group the router has
    the neighbour in."""
    groups = {}
    for session in sessions:
        known = (neighbors or {}).get(session.address) or {}
        groups.setdefault(known.get("group") or DEFAULT_GROUP, []).extend(neighbor_lines(session, options))
    body = [line for group, lines in groups.items() for line in block("group %s" % group, lines)]
    return block("protocols", block("bgp", body))


def neighbor_lines(session, options):
    body = replaced("import %s;" % import_name(session)) + replaced("export %s;" % export_name(session, options))
    if session.max_prefix:
        limit = block("accepted-prefix-limit", ["maximum %d;" % session.max_prefix, *over_limit(session, options)])
        family = "inet" if session.afi == 4 else "inet6"
        body += block("family %s" % family, block("unicast", replaced(*limit)))
    return block("neighbor %s" % session.address, body)


def over_limit(session, options):
    """What Junos does over the limit: log only (no teardown), or tear down and come back after the options'
    minutes (never, when 0)."""
    if session.max_prefix_action == "warning":
        return []
    minutes = options.restart_within(MAX_IDLE_TIMEOUT, "Junos")
    return ["teardown idle-timeout %s;" % (minutes or "forever")]


# -- the router's neighbours ---------------------------------------------------------------------------------


def parse_neighbors(running: str) -> dict:
    """``{address: {"remote_as", "group"}}`` of the BGP neighbours of ``protocols bgp`` in Junos ``show
    configuration`` output (not those of routing instances or logical systems); a neighbour without its own
    ``peer-as`` has its group's."""
    toks = common.tokens(running)
    bgp = container_body(container_body(toks, "protocols"), "bgp")
    found = {}
    for group, body in common.blocks(bgp, "group"):
        group_as = leaf_value(body, "peer-as")
        for name, neighbor in common.blocks(body, "neighbor"):
            address = normal_address(name)
            if address:
                found[address] = {"remote_as": leaf_value(neighbor, "peer-as") or group_as, "group": group}
    return found


def normal_address(text):
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def top_level(toks):
    """``(index, token)`` of the tokens of ``toks`` outside any braces."""
    depth = 0
    for index, token in enumerate(toks):
        if token == "}":
            depth -= 1
        elif depth == 0:
            yield index, token
        if token == "{":
            depth += 1


def container_body(toks, keyword):
    """The tokens inside the first ``keyword { ... }`` at the top level of ``toks`` (an empty list when none)."""
    for index, token in top_level(toks):
        if token == keyword and toks[index + 1 : index + 2] == ["{"]:
            depth, end = 1, index + 2
            while depth and end < len(toks):
                depth += {"{": 1, "}": -1}.get(toks[end], 0)
                end += 1
            return toks[index + 2 : end - 1]
    return []


def leaf_value(toks, keyword):
    """The value of the statement ``keyword VALUE`` at the top level of ``toks`` (unquoted), or None."""
    for index, token in top_level(toks):
        following = toks[index + 1 : index + 2]
        if token == keyword and following and following[0] not in ("{", "}", ";"):
            return common.unquote(following[0])
    return None
