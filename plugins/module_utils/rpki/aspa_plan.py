# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ASPA plan: the ASPAs NetBox asks for (``aspa_intent``) against those a CA (or the RPKI) holds.

Per customer AS, in the ASPA model of ``aspa`` (customer -> frozenset of providers, empty for AS0):

* **add** an ASPA for an AS of ours that has none;
* **replace** one whose providers differ (the providers added and removed are listed), or whose definition
  at the CA is not in the form routesec writes (``Published.irregular``, for example AS0 beside providers);
* **remove** a whole ASPA only when its customer AS is not ours (not tagged ``routesec-own``) and the operator
  asks for it (``remove_unknown``); else it is reported (``unknown``) and left alone. An AS of ours NetBox
  names no provider for (``undescribed``) keeps whatever the CA holds.

Guards: ``check_removals`` refuses a plan that removes a provider or a whole ASPA unless ``allow_removals``:
every route through a provider the ASPA no longer lists becomes ASPA-invalid where paths are verified, so
there is no share of removals that is harmless. ``plan_aspas`` refuses (DataError naming the session) to
remove a provider that NetBox still has a transit session to on a device routesec does not manage, since
that session may carry the routes of the AS whose ASPA would lose it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import DataError, SafetyError
from .aspa_intent import CF_ASPA_PROVIDERS, AspaIntent

ADD, REPLACE, REMOVE = "add", "replace", "remove"


def provider_list(providers) -> list:
    """The providers of an ASPA as its object lists them: sorted AS numbers, [0] for AS0."""
    return sorted(providers) or [0]


def aspa_text(customer: int, providers) -> str:
    """One ASPA as operators write it: ``AS64500 => AS64496, AS65010`` (``=> AS0``: no provider)."""
    return "AS%d => %s" % (customer, ", ".join("AS%d" % p for p in provider_list(providers)))


@dataclass(frozen=True)
class Published:
    """The ASPAs a CA or the RPKI holds: customer -> providers (empty: AS0), and the customers whose definition
    at the CA is not in the form routesec writes, with why (the plan rewrites them)."""

    aspas: Mapping[int, frozenset]
    irregular: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AspaChange:
    """One customer's ASPA: ``before`` None to add it, ``after`` None to remove it, both to replace it."""

    customer: int
    before: frozenset | None = None
    after: frozenset | None = None
    note: str = ""

    @property
    def kind(self) -> str:
        return ADD if self.before is None else REMOVE if self.after is None else REPLACE

    @property
    def added(self) -> frozenset:
        return (self.after or frozenset()) - (self.before or frozenset())

    @property
    def removed(self) -> frozenset:
        return (self.before or frozenset()) - (self.after or frozenset())

    def text(self) -> str:
        """The ASPA this change leaves (or, for a removal, takes away)."""
        return aspa_text(self.customer, self.before if self.after is None else self.after)

    def line(self) -> str:
        if self.kind == ADD:
            return "+ ASPA %s" % self.text()
        if self.kind == REMOVE:
            return "- ASPA %s" % self.text()
        moves = ["+AS%d" % p for p in sorted(self.added)] + ["-AS%d" % p for p in sorted(self.removed)]
        return "~ ASPA %s (%s)" % (self.text(), ", ".join(moves + ([self.note] if self.note else [])))

    def to_dict(self) -> dict:
        entry = {
            "customer": self.customer,
            "providers": provider_list(self.before if self.after is None else self.after),
        }
        if self.kind == REPLACE:
            entry.update(added=sorted(self.added), removed=sorted(self.removed))
            if self.note:
                entry["note"] = self.note
        return entry


@dataclass(frozen=True)
class AspaPlan:
    """``changes`` by customer; ``keep``, ``unknown`` and ``undescribed``: (customer, providers or None)."""

    changes: tuple = ()
    keep: tuple = ()
    unknown: tuple = ()  # at the CA, customer not ours: reported, left alone
    undescribed: tuple = ()  # ours, NetBox names no provider: what the CA holds stays

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def of_kind(self, kind: str) -> tuple:
        return tuple(change for change in self.changes if change.kind == kind)

    def lines(self) -> list:
        """The plan as a reviewer reads it: additions, replacements, then removals."""
        return [change.line() for kind in (ADD, REPLACE, REMOVE) for change in self.of_kind(kind)]

    def diff(self) -> dict:
        """Ansible's before/after texts: the ASPAs routesec manages, now and once the plan is applied."""
        before = list(self.keep) + [(c.customer, c.before) for c in self.changes if c.before is not None]
        after = list(self.keep) + [(c.customer, c.after) for c in self.changes if c.after is not None]
        return {"before": _listing(before), "after": _listing(after)}

    def to_dict(self) -> dict:
        result = {kind: [change.to_dict() for change in self.of_kind(kind)] for kind in (ADD, REPLACE, REMOVE)}
        result["unchanged"] = len(self.keep)
        result["unknown"] = [{"customer": c, "providers": provider_list(p)} for c, p in self.unknown]
        result["undescribed"] = [
            {"customer": c, "published": None if p is None else provider_list(p)} for c, p in self.undescribed
        ]
        return result


def plan_aspas(intent: AspaIntent, published: Published, remove_unknown: bool = False) -> AspaPlan:
    """The plan bringing ``published`` in line with ``intent``; DataError when it would remove a provider that a
    transit session routesec cannot attribute still reaches."""
    current, changes, keep = published.aspas, [], []
    for customer, after in sorted(intent.aspas.items()):
        before = current.get(customer)
        note = published.irregular.get(customer, "")
        if before == after and not note:
            keep.append((customer, after))
        else:
            changes.append(AspaChange(customer, before, after, note if before is not None else ""))
    others = sorted(set(current) - set(intent.aspas) - intent.own)
    if remove_unknown:
        changes += [AspaChange(customer, current[customer]) for customer in others]
    plan = AspaPlan(
        changes=tuple(sorted(changes, key=lambda change: change.customer)),
        keep=tuple(keep),
        unknown=() if remove_unknown else tuple((customer, current[customer]) for customer in others),
        undescribed=tuple((customer, current.get(customer)) for customer in intent.undescribed),
    )
    _refuse_removing_unattributed(plan, intent)
    return plan


def _refuse_removing_unattributed(plan, intent):
    problems = []
    for change in (c for c in plan.changes if c.customer in intent.own):
        for provider in sorted(change.removed):
            for session in intent.unattributed.get(provider, ()):
                problems.append(
                    "%s: a transit session to AS%d on a device routesec does not manage, and the plan would take "
                    "AS%d out of the ASPA of AS%d while that session may carry its routes; name AS%d in the custom "
                    "field %s of AS%d's NetBox ASN if it is its provider, or delete the session once it is not"
                    % (session, provider, provider, change.customer, provider, CF_ASPA_PROVIDERS, change.customer)
                )
    if problems:
        raise DataError("%d provider removal(s) refused: %s" % (len(problems), "; ".join(problems)), "ASPA plan")


def check_removals(plan: AspaPlan, allow_removals: bool = False) -> None:
    """SafetyError when ``plan`` removes a provider from an ASPA, or a whole ASPA, unless ``allow_removals``."""
    removals = [
        "AS%d from AS%d" % (provider, change.customer) for change in plan.changes for provider in sorted(change.removed)
    ]
    removals += ["AS0 of AS%d" % c.customer for c in plan.changes if c.kind == REMOVE and not c.before]
    if removals and not allow_removals:
        raise SafetyError(
            "the plan removes %d provider(s) (%s): routes through a provider an ASPA no longer lists become "
            "ASPA-invalid where paths are verified. Nothing was submitted. Check NetBox, or set "
            "allow_removals=true to submit it" % (len(removals), ", ".join(removals)),
            "ASPA plan",
        )


def _listing(aspas):
    return "".join("%s\n" % aspa_text(c, p) for c, p in sorted(aspas, key=lambda aspa: aspa[0]))
