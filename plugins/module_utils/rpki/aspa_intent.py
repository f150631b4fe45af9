# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ASPA intent: for each AS we operate, the providers NetBox says it has. Pure, no I/O.

Our ASes are the NetBox ASNs tagged ``routesec-own``, the set every origin and every router's local AS must
be in. The result uses the ASPA model of ``aspa``: customer AS -> frozenset of provider ASes, an empty set
being an AS0 ASPA ("this AS has no provider").

An AS's providers are:

* the remote AS of every **transit** session (the netbox-bgp plugin's sessions, custom field
  ``routesec_relationship``) on a router routesec manages whose ``routesec_local_asn`` is that AS, **whatever
  the session's status**: ``active`` and ``failed`` sessions carry our routes or will again, an ``offline``
  one may be enabled again without anyone running routesec, and a ``planned`` one is published before it
  comes up, the safe order (routes through a provider the ASPA leaves out are ASPA-invalid wherever paths are
  verified). A provider leaves the ASPA once NetBox has no transit session to it any more (the session
  deleted, or classified otherwise) and the custom field below does not name it;
* the ASes in the custom field ``routesec_aspa_providers`` of the AS's NetBox ASN: providers no session of a
  managed router names (``AS64496, AS65010``), or ``AS0`` alone for an AS without any provider.

Refused, every problem at once, each naming the NetBox object and field: an ASPA that would leave out a
provider carrying our routes - ``AS0`` while the AS has transit sessions (each session named), and a transit
session on a device routesec does not manage (or on a virtual machine) whose remote AS is no provider of any
of our ASes, since routesec cannot tell which of our ASes it serves; ``AS0`` beside other providers; an AS
among its own providers; the field on an ASN that is not ours; a transit session to the router's own AS,
without remote AS, or with a status the plugin does not have; a managed router without a local ASN of ours.

An AS of ours with neither transit sessions nor the field has no ASPA in the intent (``undescribed``):
NetBox saying nothing of its providers is not a statement that it has none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import DataError
from ..intent.build import Problems, nested, nested_asn, object_name, own_asns
from ..intent.model import parse_asn
from ..netbox.schema import (
    ASPA_PROVIDERS_PATTERN,
    CF_ASPA_PROVIDERS,
    CF_LOCAL_ASN,
    CF_RELATIONSHIP,
    TAG_MANAGED,
    TAG_OWN_ASN,
)

# The netbox-bgp plugin's session statuses; a transit session of each names a provider
SESSION_STATUSES = ("active", "failed", "offline", "planned")
EXPLICIT = "custom field %s" % CF_ASPA_PROVIDERS  # where a provider named in the custom field comes from
_ONE_AS = re.compile(r"^(?:AS)?([0-9]+)$")


@dataclass(frozen=True)
class AspaIntent:
    """``aspas``: our AS -> its providers (empty: AS0). ``sources``: our AS -> provider -> where NetBox names
    it. ``undescribed``: our ASes NetBox names no provider for. ``unattributed``: provider -> the transit
    sessions to it on devices routesec does not manage."""

    aspas: Mapping[int, frozenset]
    own: frozenset
    sources: Mapping[int, Mapping[int, tuple]] = field(default_factory=dict)
    undescribed: tuple = ()
    unattributed: Mapping[int, tuple] = field(default_factory=dict)

    def to_dict(self) -> list:
        """One entry per ASPA: the customer, its providers ([0] for AS0) and where NetBox names each."""
        return [
            {
                "customer": customer,
                "providers": sorted(providers) or [0],
                "sources": {"AS%d" % p: list(where) for p, where in sorted(self.sources.get(customer, {}).items())},
            }
            for customer, providers in sorted(self.aspas.items())
        ]


def aspa_intent(records: Mapping) -> AspaIntent:
    """The ASPA intent of NetBox ``records`` (``asns``, ``devices`` and, with the plugin, ``bgp_sessions``);
    DataError listing every problem."""
    problems = Problems()
    own = own_asns(records["asns"], problems)
    routers = router_asns(records["devices"], own, problems)
    sessions, unattributed = transit_providers(records.get("bgp_sessions") or (), routers, problems)
    explicit = explicit_providers(records["asns"], own, problems)
    aspas, sources = {}, {}
    for customer in sorted(own):
        named = sessions.get(customer, {})
        listed = explicit.get(customer)
        if listed == {0}:
            _refuse_as0_beside_sessions(customer, named, problems)
            aspas[customer], sources[customer] = frozenset(), {}
        elif named or listed:
            found = {provider: tuple(where) for provider, where in named.items()}
            for provider in listed or ():
                found[provider] = found.get(provider, ()) + (EXPLICIT,)
            aspas[customer], sources[customer] = frozenset(found), found
    _refuse_unattributed(unattributed, aspas, problems)
    problems.raise_if_any()
    return AspaIntent(
        aspas=aspas,
        own=frozenset(own),
        sources=sources,
        undescribed=tuple(sorted(own - set(aspas))),
        unattributed={provider: tuple(where) for provider, where in unattributed.items()},
    )


def router_asns(records, own, problems) -> dict:
    """Device id -> the AS each managed router speaks (``routesec_local_asn``, one of ``own``), None for a router
    whose local ASN is refused (its problem recorded)."""
    result = {}
    for record in records:
        obj = object_name("device", record, "name")
        where = "custom_fields.%s" % CF_LOCAL_ASN
        asn = nested_asn((record.get("custom_fields") or {}).get(CF_LOCAL_ASN), obj, where, problems)
        if asn is not None and asn not in own:
            problems.add(obj, where, "AS%d is not one of our ASNs (tag it %s if it is)" % (asn, TAG_OWN_ASN))
            asn = None
        result[record.get("id")] = asn
    return result


def transit_providers(records, routers, problems) -> tuple:
    """({our AS: {provider: [session]}}, {provider: [session]}) from the transit sessions of ``records``: on
    the managed routers of ``routers`` (device id -> AS), and on any other device or virtual machine."""
    by_customer, unattributed = {}, {}
    for record in records:
        if (record.get("custom_fields") or {}).get(CF_RELATIONSHIP) != "transit":
            continue
        obj = object_name("BGP session", record, "display")
        provider = _checked_provider(record, obj, problems)
        device = record.get("device")
        device_id = device.get("id") if isinstance(device, dict) else None
        customer = routers.get(device_id)
        if provider is None or (device_id in routers and customer is None):
            continue  # its problem, or its router's, is recorded
        if customer is None:
            unattributed.setdefault(provider, []).append(obj)
        elif provider == customer:
            problems.add(obj, "remote_as", "AS%d is the router's own AS: an iBGP session is not transit" % provider)
        else:
            by_customer.setdefault(customer, {}).setdefault(provider, []).append(obj)
    return by_customer, unattributed


def _checked_provider(record, obj, problems):
    """The remote AS of a transit session ``record`` with a known status; None with its problems recorded."""
    status = nested(record.get("status"), "value")
    if status not in SESSION_STATUSES:
        known = ", ".join(SESSION_STATUSES)
        problems.add(obj, "status", "is empty (%s)" % known if not status else "%r is not %s" % (status, known))
        return None
    remote = record.get("remote_as")
    if remote is None:
        problems.add(obj, "remote_as", "is empty: a transit session names our provider")
        return None
    return problems.collect(parse_asn, nested(remote, "asn"), obj, "remote_as")


def explicit_providers(records, own, problems) -> dict:
    """Our AS -> the set of ASes its ``routesec_aspa_providers`` field names ({0}: AS0), for the ASNs that set it."""
    result = {}
    for record in records:
        text = (record.get("custom_fields") or {}).get(CF_ASPA_PROVIDERS)
        if text is None or text == "":
            continue
        obj = object_name("ASN", record, "asn")
        where = "custom_fields.%s" % CF_ASPA_PROVIDERS
        asn = problems.collect(parse_asn, record.get("asn"), obj, "asn")
        if asn is not None and asn not in own:
            problems.add(obj, where, "names providers of AS%d, which is not ours (tagged %s)" % (asn, TAG_OWN_ASN))
        elif asn is not None:
            listed = problems.collect(parse_providers, text, asn, obj, where)
            if listed is not None:
                result[asn] = listed
    return result


def parse_providers(text, customer: int, obj=None, field_name: str = CF_ASPA_PROVIDERS) -> set:
    """The ASes of a ``routesec_aspa_providers`` text ({0} for AS0); DataError naming the field otherwise."""
    if not isinstance(text, str) or not re.match(ASPA_PROVIDERS_PATTERN, text):
        raise DataError(
            "%r is not AS numbers separated by commas (AS64496, AS65010; or AS0)" % (text,), obj, field_name
        )
    listed = set()
    for token in text.split(","):
        number = int(_ONE_AS.match(token.strip()).group(1))
        listed.add(0 if number == 0 else parse_asn(number, obj, field_name))
    if 0 in listed and len(listed) > 1:
        others = ", ".join("AS%d" % asn for asn in sorted(listed - {0}))
        raise DataError(
            "AS0 says AS%d has no provider, so it cannot stand beside %s: name the providers, or AS0 alone"
            % (customer, others),
            obj,
            field_name,
        )
    if customer in listed:
        raise DataError("AS%d cannot be its own provider" % customer, obj, field_name)
    return listed


def _refuse_as0_beside_sessions(customer, named, problems):
    for provider, sessions in sorted(named.items()):
        for session in sessions:
            problems.add(
                session,
                "custom_fields.%s" % CF_RELATIONSHIP,
                "a transit session of AS%d to AS%d, while the ASN's %s says AS0 (no provider): an AS0 ASPA would "
                "make our routes through AS%d ASPA-invalid; remove AS0 there, or classify or delete the session"
                % (customer, provider, CF_ASPA_PROVIDERS, provider),
            )


def _refuse_unattributed(unattributed, aspas, problems):
    """A transit session on a device routesec does not manage is accepted when its remote AS is a provider of
    one of our ASes already; otherwise no ASPA would list it."""
    covered = set().union(*aspas.values()) if aspas else set()
    for provider, sessions in sorted(unattributed.items()):
        if provider in covered:
            continue
        for session in sessions:
            problems.add(
                session,
                "device",
                "a transit session to AS%d on a device routesec does not manage (or a virtual machine), so routesec "
                "cannot tell which of our ASes AS%d is a provider of, and no ASPA would list it: name AS%d in the "
                "custom field %s of that AS's NetBox ASN, or tag the device %s with its %s"
                % (provider, provider, provider, CF_ASPA_PROVIDERS, TAG_MANAGED, CF_LOCAL_ASN),
            )
