# -*- coding: utf-8 -*-
"""A contract test server for Krill's ASPA API, in process, beside its routes API (``ca_servers.KrillServer``).

Written from Krill's published documentation ("Manage ASPA Objects": the list and update calls and their JSON)
and its published API types (``AspaDefinition``, ``AspaDefinitionUpdates``, the ``ca-aspa-*`` error labels),
not from a running Krill:

* ``GET /api/v1/cas/<ca>/aspas``: a list of ``{"customer": n, "providers": [n, ...]}``, one per customer, as
  Krill 0.14 and later answer (AS numbers as JSON numbers). ``notation`` answers instead as the
  documentation's examples show (``"text"``: ``"AS65000"``) or as Krill before 0.14 did (``"per-family"``:
  providers ``"AS65001(v4)"``, from ``families``);
* ``POST`` to the same path with ``{"add_or_replace": [...], "remove": [...]}`` (both keys, AS numbers as JSON
  numbers): removals first, then additions and replacements, every one checked before anything is applied.
  Refused with HTTP 400 and Krill's error object (``label``, ``msg``, ``args``): ``ca-aspa-unknown-customer-as``
  (removing a customer without definition), ``ca-aspa-provider-as-empty``, ``ca-aspa-customer-as-provider``,
  ``ca-aspa-provider-duplicates``, ``ca-aspa-not-entitled`` (a customer AS the CA does not hold, ``held``),
  ``api-json`` (a body of another shape). Success is an empty 200.

``aspas`` holds the definitions (customer -> tuple of providers, as sent). The routes calls, the recording of
requests and the failure switch (``fail``) are those of ``ca_servers``.
"""

from __future__ import annotations

from ca_servers import KrillServer


class KrillAspaServer(KrillServer):
    """One Krill CA's routes and ASPA definitions."""

    def __init__(self, secret, handle="routesec", held=(64500, 64501)):
        super().__init__(secret, handle)
        self.aspa_path = "/api/v1/cas/%s/aspas" % handle
        self.held = set(held)
        self.aspas = {}  # customer -> tuple of providers
        self.notation = "numbers"
        self.families = {}  # (customer, provider) -> "v4" or "v6", for the per-family notation

    def route(self, method, path, body):
        if path != self.aspa_path:
            return super().route(method, path, body)
        if method == "GET":
            return 200, [self._definition(c, p) for c, p in sorted(self.aspas.items())]
        shape = _update_shape(body)
        if shape:
            return 400, _error("api-json", "Invalid JSON: %s" % shape)
        refusal = self._refusal(body)
        if refusal:
            return 400, refusal
        for customer in body["remove"]:
            del self.aspas[customer]
        for entry in body["add_or_replace"]:
            self.aspas[entry["customer"]] = tuple(entry["providers"])
        return 200, None

    def _refusal(self, body):
        """Krill's error for an update it refuses as a whole, or None."""
        remaining = set(self.aspas)
        for customer in body["remove"]:
            if customer not in remaining:
                return _error("ca-aspa-unknown-customer-as", "No current ASPA exists for customer AS '%d'" % customer)
            remaining.discard(customer)
        for entry in body["add_or_replace"]:
            customer, providers = entry["customer"], entry["providers"]
            if not providers:
                return _error("ca-aspa-provider-as-empty", "ASPA for customer AS '%d' requires a provider" % customer)
            if customer in providers:
                return _error("ca-aspa-customer-as-provider", "customer AS '%d' cannot be its provider" % customer)
            if len(set(providers)) < len(providers):
                return _error("ca-aspa-provider-duplicates", "duplicate providers for customer AS '%d'" % customer)
            if customer not in self.held:
                return _error("ca-aspa-not-entitled", "Customer AS '%d' is not held by you" % customer)
        return None

    def _definition(self, customer, providers):
        if self.notation == "text":
            return {"customer": "AS%d" % customer, "providers": ["AS%d" % p for p in providers]}
        if self.notation == "per-family":
            shown = ["AS%d%s" % (p, _family(self.families.get((customer, p)))) for p in providers]
            return {"customer": customer, "providers": shown}
        return {"customer": customer, "providers": list(providers)}


def _update_shape(body):
    """What is wrong with an update's shape (Krill's API types), or ""."""
    if not isinstance(body, dict) or set(body) != {"add_or_replace", "remove"}:
        return "expected exactly add_or_replace and remove"
    if not isinstance(body["remove"], list) or not all(_is_number(c) for c in body["remove"]):
        return "remove: expected a list of AS numbers"
    entries = body["add_or_replace"]
    if not isinstance(entries, list):
        return "add_or_replace: expected a list"
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) != {"customer", "providers"}:
            return "add_or_replace: expected customer and providers"
        providers = entry["providers"]
        if not _is_number(entry["customer"]) or not isinstance(providers, list):
            return "add_or_replace: expected an AS number and a list"
        if not all(_is_number(p) for p in providers):
            return "add_or_replace: providers are AS numbers"
    return ""


def _is_number(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**32


def _family(family):
    return "(%s)" % family if family else ""


def _error(label, message):
    return {"label": label, "msg": message, "args": {}}
