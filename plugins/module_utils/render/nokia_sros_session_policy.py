# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Nokia SR OS: every eBGP session's import and export policy (``policy.terms``), in the model-driven CLI
(MD-CLI) as ``render.nokia_sros`` writes it. SR OS is reached over NETCONF, not a CLI driver, so this text
serves ``state=rendered``.

Under ``/configure policy-options`` each object is deleted and written whole (so a re-run converges): the
helper prefix lists (``render.nokia_sros``, each entry with its own length type), the neighbours' origin
``as-path-group``\\ s, the ``as-path`` and ``community`` objects the terms name and one numbered
``policy-statement`` per policy whose ``default-action`` rejects. Term ``seq`` becomes ``entry seq*10``, so the
entries keep the terms' order (SR OS evaluates numbered entries in ascending order, the first match decides).
Translation:

* ``prefix_list``: ``from { prefix-list ["NAME"] }``;
* ``as_path``: ``from { as-path { name "NAME" } }``, an SR OS AS-path expression (whole path, AS numbers as
  units, ``[...]`` a set of numbers and ranges): ``.* [1-22 64496-131071] .*``, ``.{101,}``, ``[1-64999
  65001-4294967295] .*`` (the first AS is not 65000, written with ranges); AS 0 is left out as on Junos
  (``juniper_junos_session_policy``). An expression holds at most 255 characters (DataError naming the option
  beyond);
* ``as_path_list``: ``from { as-path { group "NAME" } }``;
* ``community``, ``large_community``: ``from { community { name "NAME" } }``, one ``member`` each; a large
  community is ``A:B:C``, the INFO pattern ``^L$&^F$&^.*$`` (SR OS's ``regex&regex&regex`` form);
* ``rpki_invalid``: ``from { origin-validation-state invalid }``, with origin validation enabled on the
  neighbour's family (``origin-validation { ipv4 true }``);
* actions: ``local-preference N``, ``community { add [...] }``, ``next-hop peer-address``; ``action-type
  accept``/``reject``, ``next-entry`` for ``then_next``. SR OS's documentation does not say in which order an
  entry applies ``community add`` and ``remove``, so a term that deletes the INFO communities and adds ours is
  written as two entries with its conditions: ``seq*10 - 5`` removes (``next-entry``), ``seq*10`` adds and
  accepts.

An entry takes one AS-path and one community condition, and ORs the names of ``prefix-list [...]``, so a term
naming two of a kind is refused (DataError); the terms of ``policy.terms`` never do.

Bindings: ``/configure router "Base" bgp neighbor "X"``: ``import`` and ``export`` deleted and written with our
policy (SR OS chains the policies of the list); ``prefix-limit ipv4|ipv6 { maximum N post-import true }``
(counted after the import policy, as FRR and Junos do), with ``log-only true`` for warning-only, else
``idle-timeout M`` (minutes, at most 1024) or, when options.max_prefix_restart is 0, no idle-timeout (the
session stays down). A customer that gets only a default route gets ``send-default { ipv4 true }`` (SR OS
sends a generated default route, whatever the route table holds) and an export policy rejecting all else.
The neighbour keeps its group, so ``neighbors`` (``parse_neighbors``) is not needed to render.

Not checked against a device (none runs here): the syntax follows Nokia's MD-CLI reference and YANG models.
"""

from __future__ import annotations

from ..errors import DataError
from ..policy import terms as policy_terms
from ..policy.objects import default_only, empty_lists, export_name, import_name
from ..policy.terms import TRANSIT_FREE, no_roles
from . import common, nokia_sros
from .juniper_junos_session_policy import (
    asn_ranges,
    container_body,
    large_name,
    leaf_value,
    named_as_paths,
    named_communities,
    normal_address,
    other_asns,
    well_known_name,
)

GAPS = {
    "roles": no_roles("SR OS's BGP model has no role"),
}

MAX_IDLE_TIMEOUT = 1024  # minutes, SR OS's limit
MAX_EXPRESSION = 255  # characters of an AS-path expression


def render_session_policy(intent, options, neighbors=None) -> str:  # pylint: disable=unused-argument
    """The MD-CLI configuration of every eBGP session of ``intent`` (a DeviceIntent) under ``options``."""
    policy = policy_terms.policy_set(intent, options)
    if not policy.sessions:
        return ""
    empty = empty_lists(intent, options)
    live = {name: policy_terms.live_terms(each, empty) for name, each in policy.policies.items()}
    lines = nokia_sros.render_prefix_lists([p for p in policy.helpers if p.entries]).splitlines()
    lines += nokia_sros.render_as_path_lists(intent.as_path_lists).splitlines()
    lines.append("/configure policy-options")
    lines += [line for rule in named_as_paths(policy, live) for line in as_path_lines(rule)]
    communities = named_communities(live.values(), policy.large, community_member)
    lines += [line for name, member in communities.items() for line in community_lines(name, member)]
    for name, each in policy.policies.items():
        lines += whole('policy-statement "%s"' % name, policy_statement(each, live[name]))
    lines.append('/configure router "Base" bgp')
    lines += [line for session in policy.sessions for line in neighbor_lines(session, options)]
    return "\n".join(lines) + "\n"


def block(head, body):
    return ["%s {" % head, *("    " + line for line in body), "}"]


def whole(head, body):
    """The object ``head`` deleted and written anew, as ``render.nokia_sros`` writes a prefix-list."""
    return ["delete %s" % head, *block(head, body)]


def quoted(names):
    return "[%s]" % " ".join('"%s"' % name for name in names)


# -- AS paths and communities --------------------------------------------------------------------------------


def sros_ranges(ranges):
    return "[%s]" % " ".join(str(a) if a == b else "%d-%d" % (a, b) for a, b in ranges)


def as_path_expression(rule):
    if rule.kind == "contains":
        expression = ".* %s .*" % sros_ranges(asn_ranges(rule.ranges, rule.name))
    elif rule.kind == "longer":
        expression = ".{%d,}" % (rule.count + 1)
    else:  # first_not
        expression = "%s .*" % sros_ranges(other_asns(rule.asn))
    if len(expression) > MAX_EXPRESSION:
        raise DataError(
            "the expression has %d characters, SR OS takes %d" % (len(expression), MAX_EXPRESSION),
            "AS-path rule %s" % rule.name,
            "transit_free" if rule.name == TRANSIT_FREE else "bogon_asn_exceptions",
        )
    return expression


def as_path_lines(rule):
    return whole('as-path "%s"' % rule.name, ['expression "%s"' % as_path_expression(rule)])


def community_member(kind, value):
    if kind == "large_pattern":  # L:F: -> SR OS's three expressions, one per part
        global_admin, function = value.split(":")[:2]
        return "^%s$&^%s$&^.*$" % (global_admin, function)
    return value


def community_lines(name, member):
    return whole('community "%s"' % name, ['member "%s" { }' % member])


# -- policy-statements ---------------------------------------------------------------------------------------

# SR OS's match of each condition, and the group of those an entry takes once
MATCH = {
    "as_path": ("as-path", "name", "as-path"),
    "as_path_list": ("as-path", "group", "as-path"),
    "community": ("community", "name", "community"),
    "large_community": ("community", "name", "community"),
}


def from_lines(policy, term):
    lines, groups = [], []
    for condition in term.match:
        if condition[0] == "prefix_list":
            groups.append("prefix-list")
            lines.append("prefix-list %s" % quoted([condition[2]]))
        elif condition[0] == "rpki_invalid":
            groups.append("origin-validation-state")
            lines.append("origin-validation-state invalid")
        else:
            container, leaf, group = MATCH[condition[0]]
            groups.append(group)
            lines += block(container, ['%s "%s"' % (leaf, condition[1])])
    if len(set(groups)) != len(groups):
        raise DataError(
            "term %d matches two conditions of one kind, which an SR OS entry cannot hold" % term.seq,
            "policy %s" % policy.name,
            "terms",
        )
    return block("from", lines) if lines else []


def action_lines(actions, action_type):
    lines, added = ["action-type %s" % action_type], []
    for action in actions:
        kind = action[0]
        if kind == "local_pref":
            lines.append("local-preference %d" % action[1])
        elif kind == "add_large":
            added.append(large_name(action[1]))
        elif kind == "add_community":
            added.append(well_known_name(action[1]))
        elif kind == "delete_large":
            lines += block("community", ["remove %s" % quoted([action[1]])])
        else:  # next_hop_peer
            lines.append("next-hop peer-address")
    if added:
        lines += block("community", ["add %s" % quoted(added)])
    return block("action", lines)


def entries(policy, term):
    """The entries of ``term``: the removal of the INFO communities first when it has one (see above)."""
    conditions = from_lines(policy, term)
    removals = [a for a in term.set if a[0] == "delete_large"]
    others = [a for a in term.set if a[0] != "delete_large"]
    action_type = "next-entry" if term.then_next else ("accept" if term.action == "permit" else "reject")
    lines = []
    if removals:
        lines += block("entry %d" % (term.seq * 10 - 5), conditions + action_lines(removals, "next-entry"))
    return lines + block("entry %d" % (term.seq * 10), conditions + action_lines(others, action_type))


def policy_statement(policy, terms):
    lines = [line for term in terms for line in entries(policy, term)]
    return lines + block("default-action", ["action-type reject"])


# -- bindings ------------------------------------------------------------------------------------------------


def neighbor_lines(session, options):
    family = "ipv%d" % session.afi
    body = ["delete import", *block("import", ["policy %s" % quoted([import_name(session)])])]
    body += ["delete export", *block("export", ["policy %s" % quoted([export_name(session, options)])])]
    if options.reject_invalid:
        body += block("origin-validation", ["%s true" % family])
    if session.max_prefix:
        body += whole("prefix-limit %s" % family, prefix_limit(session, options))
    if default_only(session, options):
        body += block("send-default", ["%s true" % family])
    return block('neighbor "%s"' % session.address, body)


def prefix_limit(session, options):
    lines = ["maximum %d" % session.max_prefix, "post-import true"]
    if session.max_prefix_action == "warning":
        return lines + ["log-only true"]
    minutes = options.restart_within(MAX_IDLE_TIMEOUT, "SR OS")
    return lines + (["idle-timeout %d" % minutes] if minutes else [])


# -- the router's neighbours ---------------------------------------------------------------------------------


def parse_neighbors(running: str) -> dict:
    """``{address: {"remote_as", "group"}}`` of the BGP neighbours of the base router in MD-CLI ``info`` output
    (of ``/configure``, of ``router "Base"`` or of its ``bgp``; not those of VPRNs); a neighbour without its own
    ``peer-as`` has its group's."""
    toks = common.tokens(running)
    base = next((body for name, body in common.blocks(toks, "router") if name == "Base"), toks)
    bgp = container_body(base, "bgp") or base
    group_as = {name: leaf_value(body, "peer-as") for name, body in common.blocks(bgp, "group")}
    found = {}
    for name, body in common.blocks(bgp, "neighbor"):
        address, group = normal_address(name), leaf_value(body, "group")
        if address:
            found[address] = {"remote_as": leaf_value(body, "peer-as") or group_as.get(group), "group": group}
    return found
