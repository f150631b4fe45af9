# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AS_PATH verification with ASPA objects, per draft-ietf-sidrops-aspa-verification-28, Section 5.

**The ASPA set** is plain data: ``{customer AS: frozenset(provider ASes)}``, the U-SPAS of each
customer AS (Section 5.3: the union of the provider sets of all its ASPAs). ``read_aspas`` and
``aspas_from_json`` read rpki-client's JSON: the current ``"aspas": [{"customer_asid": 64500,
"providers": [64510, ...]}]`` and the 2023 form ``"provider_authorizations": {"ipv4": [...],
"ipv6": [...]}``, whose per-family lists are joined, as the draft's U-SPAS holds the providers of both
families (Section 7.1); ``"customer": "AS64500"`` and providers as ``"AS64510"`` text are read too.
``aspas_from_records`` takes a list of such dicts. AS 0 is dropped from every provider set: it has no
influence on verification (Section 4), so an AS0 ASPA (a customer declaring no provider) is an empty
frozenset, for which every provider is "Not Provider+". Anything malformed is a DataError naming the
entry and the field.

**A path** is the AS_PATH as received (after RFC 6793 AS4_PATH reconstruction, without confederation
segments): a sequence whose first element is the most recently added AS (the neighbour's) and whose
last is the origin. An element is an AS number (``int``) or an AS_SET (a ``frozenset``, ``set``,
``tuple`` or ``list`` of AS numbers). The draft's COMPRESSED_AS_PATH {AS(N), ..., AS(1)} is this
sequence with consecutive duplicates (prepending) removed: AS(N) is the first element, AS(1) the last.

**verify(path, aspas, direction, neighbor_asn=None, rs_client=False)** returns "valid", "invalid" or
"unknown". ``direction`` "upstream" (Section 5.5) is for routes from a customer or a lateral peer, from
an RS-client at our route server, or from a route server at which we are an RS-client; "downstream"
(Section 5.6) for routes from a provider. Both procedures run in the draft's order: (1) an empty
AS_PATH is Invalid; (2) a first AS other than ``neighbor_asn`` is Invalid (skipped when
``neighbor_asn`` is None); (3) an AS_SET anywhere is Invalid; (4) a maximum up-ramp (plus, downstream,
maximum down-ramp) shorter than N is Invalid; (5) a minimum one shorter than N is Unknown; (6) else
Valid. Section 5.1's neighbour check does not apply to a route from a transparent route server (one
that does not add its AS): there the first AS is the RS-client that sent the route to the server, not
the server. The upstream procedure's step 2 applies only when "the receiving AS is not an RS-client",
so ``rs_client=True`` skips the neighbour check of an upstream verification; the downstream procedure
has no such exception. A non-transparent route server's AS is in the path and is checked like any
neighbour; its RS-clients list it in their ASPAs (Section 4). AS 0 in a path (an RFC 7607 error
handled before verification, like the Section 5.1 checks) is treated as an AS without ASPA.

The ramp bounds of Section 5.4 are computed in one scan from each end of the compressed path, stopping
at the first "Not Provider+" hop; the upstream procedure, whose down-ramp bounds are 0, needs only
"is any hop Not Provider+ / No Attestation", a single scan. A hop is a dict look-up and a frozenset
membership test; the one allocation per call is the compressed list.
"""

from __future__ import annotations

from ..errors import DataError
from .vrp import json_object, read_text

VALID, INVALID, UNKNOWN = "valid", "invalid", "unknown"
STATES = (VALID, INVALID, UNKNOWN)
UPSTREAM, DOWNSTREAM = "upstream", "downstream"
DIRECTIONS = (UPSTREAM, DOWNSTREAM)
PROVIDER_PLUS, NOT_PROVIDER_PLUS, NO_ATTESTATION = "Provider+", "Not Provider+", "No Attestation"
AS_SET_TYPES = (frozenset, set, tuple, list)
_LAST_ASN = 2**32 - 1


def authorized(aspas, customer, provider):
    """Section 5.3: is ``provider`` an attested provider of ``customer``, per the customer's U-SPAS."""
    spas = aspas.get(customer)
    if spas is None:
        return NO_ATTESTATION
    return PROVIDER_PLUS if provider in spas else NOT_PROVIDER_PLUS


def verify(path, aspas, direction, neighbor_asn=None, rs_client=False):
    """The ASPA state of ``path`` (neighbour first, origin last) received in ``direction``."""
    if direction == UPSTREAM:
        check_neighbor = not rs_client
    elif direction == DOWNSTREAM:
        check_neighbor = True
    else:
        raise DataError("%r is neither %s nor %s" % (direction, UPSTREAM, DOWNSTREAM), "ASPA verification", "direction")
    if not path:
        return INVALID  # step 1
    if check_neighbor and neighbor_asn is not None and path[0] != neighbor_asn:
        return INVALID  # step 2
    hops = compressed(path)
    if hops is None:
        return INVALID  # step 3
    if direction == UPSTREAM:
        return _upstream(hops, aspas)
    return _downstream(hops, aspas)


def compressed(path):
    """The COMPRESSED_AS_PATH of ``path`` as a list (neighbour first), or None if it holds an AS_SET."""
    hops = []
    append = hops.append
    last = None
    for asn in path:
        if asn != last:
            if asn.__class__ is not int:  # exactly int (bool is one too), the fast way
                _refuse_unless_as_set(asn)
                return None
            append(asn)
            last = asn
    return hops


def _refuse_unless_as_set(element):
    if not isinstance(element, AS_SET_TYPES):
        raise DataError("%r is neither an AS number nor an AS_SET" % (element,), "AS path", "path")


def _upstream(hops, aspas):
    """Steps 4-6 of Section 5.5: every hop must go up (customer to provider); N is at least 1."""
    get = aspas.get
    state = VALID
    walk = iter(hops)
    provider = next(walk)
    for customer in walk:
        spas = get(customer)
        if spas is None:
            state = UNKNOWN  # min_up_ramp < N
        elif provider not in spas:
            return INVALID  # max_up_ramp < N
        provider = customer
    return state


def _downstream(hops, aspas):
    """Steps 4-6 of Section 5.6 with the ramp bounds of Section 5.4.

    Down-ramp: hops[m] is the customer of hops[m + 1], scanned from the neighbour (m = 0, the draft's
    J = N - m); its bounds are m + 1 at the first failing hop. Up-ramp: hops[k] is the customer of
    hops[k - 1], scanned from the origin (k = N - 1, the draft's I = N - k); its bounds are N - k.
    Both minimums are at least 1, so a path of one or two ASes is always Valid."""
    n = len(hops)
    if n <= 2:
        return VALID
    get = aspas.get
    min_down = max_down = n
    for m in range(n - 1):
        spas = get(hops[m])
        if spas is None or hops[m + 1] not in spas:
            if min_down == n:
                min_down = m + 1
            if spas is not None:
                max_down = m + 1
                break
    min_up = max_up = n
    for k in range(n - 1, 0, -1):
        spas = get(hops[k])
        if spas is None or hops[k - 1] not in spas:
            if min_up == n:
                min_up = n - k
            if spas is not None:
                max_up = n - k
                break
    if max_up + max_down < n:
        return INVALID
    if min_up + min_down < n:
        return UNKNOWN
    return VALID


def read_aspas(path):
    """The ASPA set in rpki-client JSON file ``path``, optionally gzipped."""
    return aspas_from_json(read_text(path, "ASPA file"), str(path))


def aspas_from_json(text, where="ASPA JSON"):
    """The ASPA set in rpki-client JSON text: ``"aspas"`` or the 2023 ``"provider_authorizations"``."""
    data = json_object(text, where)
    if "aspas" in data:
        return aspas_from_records(data["aspas"], "%s aspas" % where)
    if "provider_authorizations" not in data:
        raise DataError('no "aspas" list', where, "aspas")
    by_family = data["provider_authorizations"]
    if isinstance(by_family, list):
        return aspas_from_records(by_family, "%s provider_authorizations" % where)
    if not isinstance(by_family, dict):
        raise DataError("expected an object of per-family lists", where, "provider_authorizations")
    providers = {}
    for family, records in by_family.items():
        _add_records(providers, records, "%s provider_authorizations.%s" % (where, family))
    return _frozen(providers)


def aspas_from_records(records, where="ASPA"):
    """The ASPA set of ``records``: dicts with ``customer_asid`` (or ``customer``) and ``providers``.

    Several records of one customer are joined (the U-SPAS); AS 0 is dropped from the provider sets."""
    providers = {}
    _add_records(providers, records, where)
    return _frozen(providers)


def _add_records(providers, records, where):
    if not isinstance(records, list):
        raise DataError("expected a list of ASPAs, got %r" % (type(records).__name__,), where)
    for index, record in enumerate(records):
        entry = "%s[%d]" % (where, index)
        if not isinstance(record, dict):
            raise DataError("expected an object, got %r" % (record,), entry)
        customer = _customer(record, entry)
        providers.setdefault(customer, set()).update(_providers(record, "%s AS%d" % (entry, customer)))


def _customer(record, entry):
    field = "customer_asid" if "customer_asid" in record or "customer" not in record else "customer"
    if field not in record:
        raise DataError("missing", entry, field)
    customer = _as_number(record[field], entry, field)
    if customer == 0:
        raise DataError("AS0 cannot issue an ASPA (RFC 7607)", entry, field)
    return customer


def _providers(record, entry):
    listed = record.get("providers")
    if not isinstance(listed, list):
        raise DataError("expected a list of AS numbers, got %r" % (listed,), entry, "providers")
    if not listed:
        raise DataError("lists no provider (an AS0 ASPA lists [0])", entry, "providers")
    numbers = {_as_number(value, entry, "providers") for value in listed}
    numbers.discard(0)  # AS 0 has no influence on verification (Section 4)
    return numbers


def _as_number(value, entry, field):
    """An AS number from a JSON integer or "AS64500" / "64500" text; 0 is allowed (AS0 ASPAs)."""
    text = value[2:] if isinstance(value, str) and value[:2].upper() == "AS" else value
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(text, str) and text.isascii() and text.isdigit():
        number = int(text)
    else:
        raise DataError("%r is not an AS number" % (value,), entry, field)
    if not 0 <= number <= _LAST_ASN:
        raise DataError("AS%d is outside 0..%d" % (number, _LAST_ASN), entry, field)
    return number


def _frozen(providers):
    return {customer: frozenset(listed) for customer, listed in providers.items()}
