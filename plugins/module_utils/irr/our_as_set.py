# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Our AS-SET: the set upstreams and peers expand to filter what we announce, from NetBox.

NetBox names it in the ``routesec_as_set`` custom field of our ASN (tagged
``routesec-own``): the same field that names a neighbour's AS-SET says, on our
own ASN, which set describes what we announce. Its members are our ASNs that name
it and every customer, an ASN tagged ``routesec-customer``, by the AS-SET its own
``routesec_as_set`` names (or its AS number when it names none). Peers and
transits are not tagged, so they never become members.

The set is registered with the maintainer and source of the registry of the
RIR of our ASN (``registries``), whose optional ``admin-c`` and ``tech-c`` are
its contacts (registries require them for sets). Its ``descr`` is our ASN's
NetBox description, else the module's ``descr``.
"""

from __future__ import annotations

from ..intent.build import as_sets, object_name, tag_slugs
from ..netbox.schema import CF_AS_SET, TAG_CUSTOMER
from .rpsl import as_set_object

CONTACTS = ("admin-c", "tech-c")


def desired_as_set(asn_records, own, registries, descr, problems):
    """The as-set RpslObject NetBox asks for, or None when no ASN of ours names one (problems recorded)."""
    named = {}
    for record in asn_records:
        value = (record.get("custom_fields") or {}).get(CF_AS_SET)
        if record.get("asn") in own and value:
            named.setdefault(str(value).strip().upper(), []).append(record)
    if not named:
        return None
    if len(named) > 1:
        problems.add(
            "NetBox ASNs %s" % ", ".join("AS%s" % r.get("asn") for rs in named.values() for r in rs),
            "custom_fields.%s" % CF_AS_SET,
            "our ASNs name different AS-SETs (%s); routesec keeps one" % ", ".join(sorted(named)),
        )
        return None
    name, records = next(iter(named.items()))
    first = records[0]
    obj = object_name("ASN", first, "asn")
    entry = _registry(first, registries, obj, problems)
    members = _members(asn_records, records, name, problems)
    if entry is None or members is None:
        return None
    contacts = [(kind, c) for kind in CONTACTS for c in _listed(entry.get(kind))]
    text = first.get("description") or descr
    return problems.collect(
        as_set_object, name, members, entry["mntner"], entry["source"], [text] if text else (), None, contacts
    )


def _registry(record, registries, obj, problems):
    rir = record.get("rir") if isinstance(record.get("rir"), dict) else {}
    entry = registries.get(rir.get("slug"))
    if not isinstance(entry, dict) or not entry.get("mntner") or not entry.get("source"):
        problems.add(
            obj, "rir", "its RIR %r has no registry (mntner and source) configured in registries" % rir.get("slug")
        )
        return None
    return entry


def _members(asn_records, own_records, name, problems):
    members = ["AS%d" % r["asn"] for r in own_records]
    customers = [r for r in asn_records if TAG_CUSTOMER in tag_slugs(r)]
    for asn, as_set in sorted(as_sets(customers, problems).items()):
        if as_set == name:
            problems.add(
                "NetBox ASN AS%d" % asn, "custom_fields.%s" % CF_AS_SET, "names our own AS-SET %s: a loop" % name
            )
            return None
        members.append(as_set)
    return members


def _listed(value):
    return [value] if isinstance(value, str) else list(value or ())
