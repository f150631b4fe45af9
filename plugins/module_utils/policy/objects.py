# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The session policy's named objects, the same on every platform: the import and export policy of each
session, and the prefix lists the policy matches beside the neighbours' IRR lists (bogons, the default route,
prefixes too long or too short, our own space, each blackholing customer's prefixes).

A renderer writes them in its platform's syntax under these names (or the nearest its syntax allows).
"""

from __future__ import annotations

from ..errors import DataError
from ..intent.bogons import bogon_space
from ..intent.build import DEFAULT_LIST_NAMES as OWN_LIST
from ..intent.model import NEIGHBOR_LIST_NAME as LIST_NAME
from ..intent.model import PrefixEntry, PrefixList, parse_prefix

PREFIX = "ROUTESEC-"
TOP = {4: 32, 6: 128}
ANY = {4: "0.0.0.0/0", 6: "::/0"}


def import_name(session) -> str:
    return "%sIN-%s-AS%d-V%d" % (PREFIX, _word(session.relationship), session.remote_asn, session.afi)


def export_name(session, options) -> str:
    kind = _word(session.relationship) + ("-DEFAULT" if default_only(session, options) else "")
    return "%sOUT-%s-V%d" % (PREFIX, kind, session.afi)


def default_only(session, options) -> bool:
    """Whether the session is a customer's that gets only a default route from us."""
    return session.relationship == "customer" and options.customer_export == "default"


def _word(relationship):
    return {"route_server": "RS"}.get(relationship, relationship.upper())


def helper_lists(intent, options, afi, sessions) -> list:
    """The prefix lists the policy of family ``afi`` matches: bogons, default, lengths, our space, and each
    blackholing customer's prefixes with every more-specific (empty ones included)."""
    index = 0 if afi == 4 else 1  # in the options' (IPv4, IPv6) pairs
    bogons = [PrefixEntry(n, le=TOP[afi]) for n in bogon_space(afi, options.bogon_exceptions)]
    low, high = options.min_length[index], options.max_length[index]
    lengths = [PrefixEntry(parse_prefix(ANY[afi]), ge=high + 1)] if high < TOP[afi] else []
    lengths += [PrefixEntry(parse_prefix(ANY[afi]), le=low - 1)] if low > 0 else []
    own = [e for plist in intent.prefix_lists if plist.name == OWN_LIST[afi] for e in plist.entries]
    own_space = sorted({PrefixEntry(e.prefix, le=TOP[afi]) for e in own})
    lists = [
        PrefixList(helper_list_name("BOGONS", afi), afi, tuple(bogons), "routesec: bogon prefixes"),
        PrefixList(
            helper_list_name("DEFAULT", afi), afi, (PrefixEntry(parse_prefix(ANY[afi])),), "routesec: the default route"
        ),
        PrefixList(helper_list_name("LENGTH", afi), afi, tuple(lengths), "routesec: prefixes too long or too short"),
        PrefixList(helper_list_name("OWN-SPACE", afi), afi, tuple(own_space), "routesec: our own address space"),
    ]
    for asn in sorted({s.remote_asn for s in sessions if s.blackhole}):
        theirs = [e for plist in intent.prefix_lists if plist.name == irr_list(asn, afi) for e in plist.entries]
        entries = sorted({PrefixEntry(e.prefix, le=TOP[afi]) for e in theirs if e.action == "permit"})
        lists.append(PrefixList(blackhole_list(asn, afi), afi, tuple(entries), "routesec: AS%d may blackhole" % asn))
    return lists


def empty_lists(intent, options) -> set:
    """``(afi, name)`` of the prefix lists the policy matches that have no entries (our own space when we
    originate nothing in a family, a neighbour whose AS-SET has no routes of one)."""
    sessions = [s for s in intent.sessions if s.ebgp]
    empty = {(p.afi, p.name) for p in intent.prefix_lists if not p.entries}
    for afi in {s.afi for s in sessions}:
        empty |= {(afi, p.name) for p in helper_lists(intent, options, afi, sessions) if not p.entries}
    return empty


def helper_list_name(what, afi) -> str:
    return "%s%s-V%d" % (PREFIX, what, afi)


def irr_list(asn, afi) -> str:
    """The prefix-list of a customer's or peer's AS-SET in family ``afi``."""
    return "%s-V%d" % (origin_list(asn), afi)


def origin_list(asn) -> str:
    """The AS-path (origin) list of a customer's or peer's AS-SET."""
    return LIST_NAME % asn


def blackhole_list(asn, afi) -> str:
    return "%sAS%d-BLACKHOLE-V%d" % (PREFIX, asn, afi)


def own_list(afi) -> str:
    return OWN_LIST[afi]


# -- the renderers that write the whole policy into one file (BIRD, OpenBGPD) ------------------------------


def whole_file(intent, options) -> tuple:
    """``(sessions, helper lists)``: the eBGP sessions of ``intent``, sorted, and every helper prefix list of their
    families (empty ones too: the file defines every list it names); DataError naming the first customer or
    peer whose IRR lists the intent lacks (the file would name an undefined list)."""
    sessions = sorted(s for s in intent.sessions if s.ebgp)
    check_irr_lists(intent, sessions)
    helpers = [p for afi in sorted({s.afi for s in sessions}) for p in helper_lists(intent, options, afi, sessions)]
    return sessions, helpers


def file_header(intent) -> str:
    return "routesec session policy of %s (AS%d): written by routesec, do not edit" % (
        intent.device.name,
        intent.device.local_asn,
    )


def check_irr_lists(intent, sessions):
    """DataError naming the first customer or peer session whose IRR prefix list or origin set the intent lacks
    (a whole-file renderer would name a list it does not define)."""
    prefix_lists = {(p.afi, p.name) for p in intent.prefix_lists}
    origin_sets = {a.name for a in intent.as_path_lists}
    for session in (s for s in sessions if s.relationship in ("customer", "peer")):
        asn, afi = session.remote_asn, session.afi
        missing = [] if (afi, irr_list(asn, afi)) in prefix_lists else [irr_list(asn, afi)]
        missing += [] if origin_list(asn) in origin_sets else [origin_list(asn)]
        if missing:
            raise DataError(
                "the intent has no %s for this %s; expand its AS-SET first (routesec.bgp.irr_filters)"
                % (" and no ".join(missing), session.relationship),
                "BGP session %s" % (session.name or session.address),
                "as_set",
            )
