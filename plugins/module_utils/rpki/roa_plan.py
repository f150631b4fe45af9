# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ROA intent from what we originate, and the plan against what the RPKI holds.

``desired_roas`` turns originations (NetBox prefixes tagged for announcement,
with their origin ASN and max length; already checked to be ours and inside an
aggregate we hold) into ROA payloads. The max length is the prefix length
unless NetBox says otherwise, and a longer one lets anyone forge the origin on
more-specifics we do not announce (RFC 9319): it is refused unless the policy
allows it. Two NetBox prefixes asking for the same prefix and origin with
different max lengths are refused too.

``plan_roas`` compares them with the ROAs that exist (a CA's list, or a
validator's VRPs): what to add, what to remove, what stays. Only ROAs inside
our aggregates and for our own ASNs are ever removed; others inside our space
(a customer's, a foreign origin) are reported and left alone. Additions come
first: a ROA is published before the announcement it covers starts, and
withdrawn only after it stops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import DataError, SafetyError
from ..intent.build import holdings
from ..plan.guards import check_share_removed
from .rov import RovIndex
from .vrp import Vrp


@dataclass(frozen=True)
class RoaPolicy:
    """``wide_max_length``: allow a max length longer than the prefix (RFC 9319 says avoid it)."""

    wide_max_length: bool = False


@dataclass(frozen=True)
class RoaPlan:
    add: tuple = ()
    remove: tuple = ()
    keep: tuple = ()
    foreign: tuple = field(default=())  # inside our space, not ours to change

    def applied(self, current):
        """``current`` ROAs once the plan is applied."""
        removed = set(self.remove)
        return [roa for roa in current if roa not in removed] + list(self.add)

    @property
    def changed(self):
        return bool(self.add or self.remove)

    def lines(self):
        """The plan as a reviewer reads it: additions, then removals."""
        return ["+ %s" % _show(r) for r in self.add] + ["- %s" % _show(r) for r in self.remove]

    def diff(self):
        """Ansible's before/after texts: our ROAs in the RPKI now, and once the plan is applied."""
        return {"before": _listing(self.keep + self.remove), "after": _listing(self.keep + self.add)}

    def to_dict(self):
        return {
            "add": [r.to_dict() for r in self.add],
            "remove": [r.to_dict() for r in self.remove],
            "unchanged": len(self.keep),
            "foreign": [r.to_dict() for r in self.foreign],
        }


def desired_roas(originations, policy=RoaPolicy()):
    """The ROAs our ``originations`` need, sorted; DataError listing every refused one."""
    problems, chosen = [], {}
    for origination in originations:
        prefix, asn, length = origination.prefix, origination.origin_asn, origination.max_length
        where = "prefix %s (AS%d)" % (prefix, asn)
        if length > prefix.prefixlen and not policy.wide_max_length:
            problems.append(
                "%s: max length %d is longer than the prefix, so anyone could originate its more-specifics "
                "up to /%d as AS%d (RFC 9319); announce them and set the policy's wide_max_length, "
                "or clear the max length" % (where, length, length, asn)
            )
            continue
        earlier = chosen.setdefault((prefix, asn), length)
        if earlier != length:
            problems.append(
                "%s: asked twice with different max lengths (%d and %d): one ROA each" % (where, earlier, length)
            )
    if problems:
        raise DataError("%d ROA(s) refused: %s" % (len(problems), "; ".join(problems)), "ROA intent")
    return _sorted(Vrp(prefix, length, asn) for (prefix, asn), length in chosen.items())


DEFAULT_MAX_REMOVE_PERCENT = 25


def check_removals(plan, max_remove_percent=DEFAULT_MAX_REMOVE_PERCENT, allow_removals=False):
    """Refuse (SafetyError) a plan that removes all of our ROAs, or more than ``max_remove_percent`` of them.

    Routes whose ROA goes become not-found, or invalid where a covering ROA
    stays: a source of truth that lost its prefixes must not empty the RPKI.
    """
    if not allow_removals:
        check_share_removed(
            len(plan.remove),
            len(plan.keep) + len(plan.remove),
            max_remove_percent,
            "ROAs",
            "allow_removals",
            "ROA plan",
            ": the routes they cover would become not-found or invalid",
        )


@dataclass(frozen=True)
class RoaIntent:
    """What the source of truth says about our ROAs: the ROAs, our ASNs, the aggregates we hold."""

    roas: tuple
    own_asns: frozenset
    held: tuple


def roa_intent(records, policy=RoaPolicy(), ours=None):
    """ROA intent from NetBox ``records`` (asns, aggregates, prefixes), or from the run's Holdings ``ours``
    when already derived; DataError listing every problem."""
    ours = holdings(records) if ours is None else ours
    return RoaIntent(desired_roas(ours.originations, policy), ours.own, ours.held)


def plan_roas(desired, current, ours, held):
    """Add/remove/keep for ``desired`` against ``current`` ROAs, within ``held`` aggregates, for ``ours`` ASNs."""
    desired = set(desired)
    for roa in desired:
        if roa.asn not in ours or not _inside(roa.prefix, held):
            raise SafetyError(
                "%s is not ours to request (origin or prefix outside our ASNs and aggregates)" % _show(roa), "ROA plan"
            )
    mine, foreign = set(), set()
    for roa in current:
        if _inside(roa.prefix, held):
            (mine if roa.asn in ours else foreign).add(roa)
    return RoaPlan(
        add=_sorted(desired - mine),
        remove=_sorted(mine - desired),
        keep=_sorted(desired & mine),
        foreign=_sorted(foreign - desired),
    )


def _sorted(roas):
    """IPv4 first, then by address, length, max length and origin."""
    return tuple(
        sorted(
            roas,
            key=lambda r: (r.prefix.version, int(r.prefix.network_address), r.prefix.prefixlen, r.max_length, r.asn),
        )
    )


def _listing(roas):
    return "".join("%s\n" % _show(roa) for roa in _sorted(roas))


def _inside(prefix, held):
    return any(prefix.version == aggregate.version and prefix.subnet_of(aggregate) for aggregate in held)


def _show(roa):
    return "ROA %s max-length %d AS%d" % (roa.prefix, roa.max_length, roa.asn)


def announcement_states(roas, current, planned):
    """Origin-validation state of each ROA's announcement (its prefix from its origin AS), now and after.

    ``current``: the VRPs the RPKI holds; ``planned``: the ROAs once the plan is
    applied (current minus removals plus additions). {prefix text: (now, after)}.
    """
    now, after = RovIndex(current), RovIndex(planned)
    return {
        str(roa.prefix): (now.validate_network(roa.prefix, roa.asn), after.validate_network(roa.prefix, roa.asn))
        for roa in _sorted(roas)
    }
