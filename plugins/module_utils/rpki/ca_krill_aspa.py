# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ASPA definitions of a CA in Krill: reading Krill's answer and writing its update, in Krill's JSON.

Written from Krill's documentation ("Manage ASPA Objects") and its API types (``AspaDefinition``,
``AspaDefinitionUpdates``):

* ``GET /api/v1/cas/<ca>/aspas``: a JSON list of definitions ``{"customer": ..., "providers": [...]}``, one
  per customer AS;
* ``POST /api/v1/cas/<ca>/aspas`` with ``{"add_or_replace": [definitions], "remove": [customer ASes]}``:
  one update, checked as a whole (a customer not held, a customer among its providers, duplicate providers,
  an empty provider list, removing a customer without definition) and applied as a whole, or refused;
* ``POST /api/v1/cas/<ca>/aspas/as/<customer>`` with ``{"added": [...], "removed": [...]}`` changes one
  customer's providers. routesec does not use it: one update applies a plan whole.

AS numbers: Krill 0.14 and later write and take them as JSON numbers (``65000``), as its API types and its
web UI do; this is what is sent. The documentation's examples show text (``"AS65000"``), and Krill before
0.14 wrote providers limited to one address family (``"AS65002(v4)"``): both are read. A provider limited to
one family counts for the customer's whole provider set (as the ASPA verification draft's union of an AS's
provider sets does), and that definition is rewritten in the plain form, as is one with AS0 beside other
providers. Krill refuses an empty provider list: an AS without provider is ``[0]`` (AS0).
"""

from __future__ import annotations

import re

from ..errors import DataError
from .aspa import aspas_from_records
from .aspa_plan import REMOVE, Published, provider_list
from .ca_common import CaError, expect_list

WHAT = "ASPA definitions"
PER_FAMILY_NOTE = "providers limited to one address family at the CA (Krill before 0.14)"
AS0_BESIDE_NOTE = "AS0 beside other providers at the CA"
_PER_FAMILY = re.compile(r"^((?:AS)?[0-9]+)\((?:v4|v6)\)$", re.IGNORECASE)


def read_definitions(api, path) -> Published:
    """The ASPA definitions Krill answers at ``path`` (GET); CaError naming the call when they are malformed."""
    where = api.where("GET", path)
    entries = expect_list(api.read(path), where, objects=WHAT)
    for index, entry in enumerate(entries):
        missing = [key for key in ("customer", "providers") if key not in entry]
        if missing:
            raise CaError("ASPA definition %d has no %s" % (index, ", ".join(missing)), where)
    plain = [dict(entry, providers=_without_families(entry["providers"])) for entry in entries]
    aspas = _parsed(api, plain, where)
    irregular = {}
    for entry, readable in zip(entries, plain):
        note = _irregularity(entry.get("providers"))
        if note:
            irregular.update(dict.fromkeys(aspas_from_records([readable]), note))
    return Published(aspas, irregular)


def update_body(plan) -> dict:
    """Krill's ``AspaDefinitionUpdates`` for ``plan``: added and replaced ASPAs whole, removed ones by customer."""
    return {
        "add_or_replace": [
            {"customer": c.customer, "providers": provider_list(c.after)} for c in plan.changes if c.kind != REMOVE
        ],
        "remove": [c.customer for c in plan.changes if c.kind == REMOVE],
    }


def change_texts(plan) -> tuple:
    """(ASPAs added or replaced, ASPAs removed) as texts: what one update carries, for its errors."""
    return [c.text() for c in plan.changes if c.kind != REMOVE], [c.text() for c in plan.changes if c.kind == REMOVE]


def _parsed(api, entries, where):
    """The ASPA set of Krill's definitions, read as the ASPA model reads records; CaError otherwise."""
    problem = None
    try:
        return aspas_from_records(entries, WHAT)
    except DataError as exc:
        problem = str(exc)
    raise CaError(api.scrub(problem), where)


def _without_families(providers):
    return [_plain(p) for p in providers] if isinstance(providers, list) else providers


def _plain(provider):
    found = _family_limit(provider)
    return found.group(1) if found else provider


def _family_limit(provider):
    return _PER_FAMILY.match(provider.strip()) if isinstance(provider, str) else None


def _irregularity(providers):
    """Why a definition's providers are not in the form routesec writes, or ""."""
    if not isinstance(providers, list):
        return ""
    if any(_family_limit(p) for p in providers):
        return PER_FAMILY_NOTE
    as0 = [p for p in providers if _is_as0(p)]
    return AS0_BESIDE_NOTE if as0 and len(as0) < len(providers) else ""


def _is_as0(provider):
    if isinstance(provider, str):
        return provider.strip().upper() in ("AS0", "0")
    return provider == 0 and not isinstance(provider, bool)
