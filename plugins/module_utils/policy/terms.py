# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The session policy as plain data, one for every platform that writes it as ordered match-and-act terms (FRR,
IOS/IOS-XE, IOS-XR, Junos, EOS, SR OS, OpenConfig): what each import and export policy checks, in which order,
and the AS-path and community objects the checks name. A renderer translates these into its platform's syntax
and nothing else; which route passes is decided here (NLNOG BGP filter guide, MANRS action 1).

A policy is a tuple of ``Term``: the first term whose conditions all hold decides (``permit`` or ``deny``); a
``permit`` term's actions change the accepted route; a term with ``then_next`` changes the route and goes on
to the next term (graceful shutdown). A route no term matches is denied.

Conditions (tuples, the kind first):

* ``("as_path", NAME)``: the path matches the AS-path rule NAME (``AsPathRule``);
* ``("community", NAME)``: the route carries the standard community ``COMMUNITIES[NAME]``;
* ``("large_community", NAME)``: the route carries the large community ``PolicySet.large[NAME]``;
* ``("prefix_list", AFI, NAME)``: the prefix is in the prefix list NAME of family AFI;
* ``("as_path_list", NAME)``: the path matches the neighbour's origin list NAME (from its AS-SET, written by
  the platform's ``render_as_path_lists``);
* ``("rpki_invalid",)``: the route is RPKI-invalid (origin validation).

Actions: ``("local_pref", N)``; ``("delete_large", NAME)``: remove every large community matching the
pattern ``PolicySet.large[NAME]``; ``("add_large", "A:B:C")``; ``("add_community", "no-export")``;
``("next_hop_peer",)``: the neighbour's address as next hop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .objects import (
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

COMMUNITIES = {PREFIX + "GSHUT": "65535:0", PREFIX + "BLACKHOLE": "65535:666"}  # RFC 8326, RFC 7999
GSHUT, BLACKHOLE = PREFIX + "GSHUT", PREFIX + "BLACKHOLE"
BOGON_ASNS, PATH_TOO_LONG, TRANSIT_FREE = PREFIX + "BOGON-ASNS", PREFIX + "PATH-TOO-LONG", PREFIX + "TRANSIT-FREE"
INFO, FROM_CUSTOMER = PREFIX + "INFO", PREFIX + "FROM-CUSTOMER"


@dataclass(frozen=True)
class AsPathRule:
    """What an AS-path condition tests: ``contains`` (an AS of ``ranges``, (first, last) pairs, anywhere in the
    path), ``longer`` (more than ``count`` ASNs), ``first_not`` (the first AS is not ``asn``)."""

    name: str
    kind: str
    ranges: tuple = ()
    count: int = 0
    asn: int = 0


@dataclass(frozen=True)
class Term:
    seq: int
    action: str  # permit or deny
    match: tuple = ()
    set: tuple = ()
    then_next: bool = False


@dataclass(frozen=True)
class Policy:
    """One import or export policy: its name, address family, ``kind`` (import or export) and terms."""

    name: str
    afi: int
    kind: str
    terms: tuple


@dataclass(frozen=True)
class PolicySet:
    """Every object a router's session policy needs: its eBGP ``sessions`` (sorted), ``policies`` ({name:
    Policy}, each import and export policy once however many sessions use it), the AS-path rules, the large
    communities ({name: value or ``A:B:`` prefix pattern}) and, per family, the ``helpers`` prefix lists
    (bogons, default, lengths, our space, blackholing customers' space; empty ones too)."""

    sessions: tuple
    policies: dict
    as_paths: dict
    large: dict
    helpers: tuple = field(default_factory=tuple)

    @property
    def families(self):
        return sorted({s.afi for s in self.sessions})


def policy_set(intent, options) -> PolicySet:
    """The session policy of ``intent`` (a DeviceIntent) under ``options`` (policy.PolicyOptions)."""
    sessions = tuple(sorted(s for s in intent.sessions if s.ebgp))
    local = intent.device.local_asn
    policies = {}
    for session in sessions:
        name = import_name(session)
        policies.setdefault(name, Policy(name, session.afi, "import", tuple(import_terms(session, options, local))))
        name = export_name(session, options)
        policies.setdefault(name, Policy(name, session.afi, "export", tuple(export_terms(session, options))))
    first = sorted({s.remote_asn for s in sessions if s.relationship != "route_server"})
    helpers = tuple(
        plist for afi in sorted({s.afi for s in sessions}) for plist in helper_lists(intent, options, afi, sessions)
    )
    return PolicySet(
        sessions, dict(sorted(policies.items())), as_path_rules(options, first), large(options, local), helpers
    )


def as_path_rules(options, first_asns) -> dict:
    rules = [
        AsPathRule(BOGON_ASNS, "contains", ranges=tuple(options.bogon_asns())),
        AsPathRule(PATH_TOO_LONG, "longer", count=options.max_path_length),
    ]
    if options.transit_free:
        rules.append(
            AsPathRule(TRANSIT_FREE, "contains", ranges=tuple((a, a) for a in sorted(set(options.transit_free))))
        )
    rules += [AsPathRule(first_not_name(asn), "first_not", asn=asn) for asn in first_asns]
    return {rule.name: rule for rule in rules}


def first_not_name(asn) -> str:
    return "%sNOT-FIRST-AS%d" % (PREFIX, asn)


def large(options, local) -> dict:
    """INFO: the pattern of our informational large communities (``LOCAL:FUNCTION:``, any third part);
    FROM-CUSTOMER: the one on routes learned from customers."""
    return {INFO: "%d:%d:" % (local, options.community_function), FROM_CUSTOMER: options.community("customer", local)}


def _prefix(afi, name):
    return ("prefix_list", afi, name)


def path_checks():
    """What no route may have in either direction, by its path: a bogon ASN, too many ASNs."""
    return [("as_path", BOGON_ASNS), ("as_path", PATH_TOO_LONG)]


def prefix_checks(afi):
    """What no route may be in either direction: a bogon prefix, the default route, too long or too short."""
    return [_prefix(afi, helper_list_name(what, afi)) for what in ("BOGONS", "DEFAULT", "LENGTH")]


def _denies(seqs, checks):
    return [Term(seq, "deny", (check,)) for seq, check in zip(seqs, checks)]


def import_terms(session, options, local) -> list:
    """The import policy of ``session``, first match wins (see ``render.frr_session_policy`` for the table)."""
    afi, rel = session.afi, session.relationship
    terms = [Term(5, "permit", (("community", GSHUT),), (("local_pref", 0),), then_next=True)]
    terms += _denies((10, 20), path_checks())
    if rel != "route_server":
        terms.append(Term(30, "deny", (("as_path", first_not_name(session.remote_asn)),)))
    if rel in ("customer", "peer") and options.transit_free:
        terms.append(Term(40, "deny", (("as_path", TRANSIT_FREE),)))
    tag = (("delete_large", INFO), ("add_large", options.community(rel, local)))
    tag += () if rel == "route_server" else (("next_hop_peer",),)
    if session.blackhole:
        blackhole = (("community", BLACKHOLE), _prefix(afi, blackhole_list(session.remote_asn, afi)))
        terms.append(Term(45, "permit", blackhole, (("add_community", "no-export"), *tag)))
    else:
        terms.append(Term(45, "deny", (("community", BLACKHOLE),)))
    terms += _denies((50, 60, 70, 80), [*prefix_checks(afi), _prefix(afi, helper_list_name("OWN-SPACE", afi))])
    if options.reject_invalid:
        terms.append(Term(90, "deny", (("rpki_invalid",),)))
    irr = ()
    if rel in ("customer", "peer"):
        irr = (_prefix(afi, irr_list(session.remote_asn, afi)), ("as_path_list", origin_list(session.remote_asn)))
    return terms + [Term(100, "permit", irr, tag)]


def export_terms(session, options) -> list:
    """The export policy of ``session``: nothing the import checks refuse; to customers everything (or, with
    a default route only, nothing: the default comes from default-originate); to others our own prefixes and
    routes learned from customers."""
    afi = session.afi
    if default_only(session, options):
        return [Term(10, "deny")]
    terms = _denies(range(10, 15), [*path_checks(), *prefix_checks(afi)])
    if session.relationship == "customer":
        return terms + [Term(100, "permit")]
    return terms + [
        Term(100, "permit", (_prefix(afi, own_list(afi)),)),
        Term(110, "permit", (("large_community", FROM_CUSTOMER),)),
    ]


def live_terms(policy, empty) -> list:
    """``policy``'s terms less those that can never match: a term naming a prefix list in ``empty`` ((afi,
    name) pairs, ``objects.empty_lists``). Platforms where a match on an empty or missing list would match
    everything (or be refused) write these."""
    return [
        term for term in policy.terms if not any(c[0] == "prefix_list" and (c[1], c[2]) in empty for c in term.match)
    ]


def named_prefix_lists(policy_set, empty=frozenset()) -> set:
    """``(afi, name)`` of every prefix list the live terms of ``policy_set`` match."""
    return {
        (c[1], c[2])
        for policy in policy_set.policies.values()
        for term in live_terms(policy, empty)
        for c in term.match
        if c[0] == "prefix_list"
    }


def no_roles(why: str) -> str:
    """The fallback of a platform without RFC 9234 roles (``why``: where its documentation shows it)."""
    return (
        "RFC 9234 roles are not configured (%s); the export policy, which sends peers and transits only our routes "
        "and our customers', is what stops a leak" % why
    )
