# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ROAs ("route authorizations") of a CA in Krill, through Krill's JSON API.

Written from the Krill documentation ("Using the CLI or API", ``krillc roas``):

* the token as ``Authorization: Bearer <token>``;
* ``GET /api/v1/cas/<ca>/routes``: the CA's route authorizations, a JSON list
  of objects with ``asn`` (a number), ``prefix`` and ``max_length`` (Krill
  always stores an explicit max length), and optionally ``comment`` and
  ``roa_objects``;
* ``POST /api/v1/cas/<ca>/routes`` with ``{"added": [...], "removed": [...]}``
  (objects with ``asn``, ``prefix``, ``max_length``, and ``comment`` on
  additions): one delta, applied as a whole or refused as a whole (an error
  with label ``ca-roa-delta-error`` lists duplicates, unknowns, ROAs not held
  and invalid lengths). Success is an empty answer.

Its ASPA definitions (``/api/v1/cas/<ca>/aspas``, "Manage ASPA Objects") are read and updated through the same
API and token: ``current_aspas`` and ``submit_aspas``, in Krill's JSON of ``ca_krill_aspa``.
"""

from __future__ import annotations

import re

from .aspa_plan import AspaPlan, Published
from .ca_common import DEFAULT_TIMEOUT, CaError, JsonApi, expect_list, roa_text, run_steps, to_vrp
from .ca_krill_aspa import WHAT, change_texts, read_definitions, update_body

_HANDLE = re.compile(r"^[A-Za-z0-9_-]+$")


class KrillCa:
    """One CA (``handle``) in the Krill server at ``base_url``, with its API token."""

    def __init__(self, base_url, handle, token, timeout=DEFAULT_TIMEOUT, comment=None):
        if not isinstance(handle, str) or not _HANDLE.match(handle):
            raise CaError("CA handle %r is not letters, digits, dashes and underscores" % (handle,), "Krill")
        self.name = "Krill CA '%s'" % handle
        self.path = "/api/v1/cas/%s/routes" % handle
        self.aspa_path = "/api/v1/cas/%s/aspas" % handle
        self.comment = comment
        self.api = JsonApi(self.name, base_url, "Authorization", token, timeout, header_format="Bearer %s")

    def __repr__(self):
        return "KrillCa(%r, %r)" % (self.api.base_url, self.name)

    def current_roas(self):
        """The CA's route authorizations, as Vrp objects."""
        where = self.api.where("GET", self.path)
        result = []
        for index, item in enumerate(expect_list(self.api.read(self.path), where)):
            missing = [key for key in ("asn", "prefix", "max_length") if key not in item]
            if missing:
                raise CaError("route authorization %d has no %s" % (index, ", ".join(missing)), where)
            asn = item["asn"]
            if not isinstance(asn, int) or isinstance(asn, bool):
                raise CaError("route authorization %d: asn %r is not a number" % (index, asn), where)
            result.append(
                to_vrp(self.api, item["prefix"], item["max_length"], asn, "route authorization %d" % index, where)
            )
        return result

    def submit(self, plan):
        """Send ``plan`` as one delta; the ROA texts applied (none if nothing to do)."""
        if not plan.changed:
            return []
        body = {
            "added": [self._roa(r, self.comment) for r in plan.add],
            "removed": [self._roa(r) for r in plan.remove],
        }
        added, removed = [roa_text(r) for r in plan.add], [roa_text(r) for r in plan.remove]

        def update():
            self.api.send("POST", self.path, body, added, removed)

        return run_steps(self.api.where("POST", self.path), [(added, removed, update)])

    def current_aspas(self) -> Published:
        """The CA's ASPA definitions."""
        return read_definitions(self.api, self.aspa_path)

    def submit_aspas(self, plan: AspaPlan) -> list:
        """Send ``plan`` as one update; the ASPA texts applied (none if nothing to do)."""
        if not plan.changed:
            return []
        body = update_body(plan)
        written, removed = change_texts(plan)

        def update():
            self.api.send("POST", self.aspa_path, body, written, removed, objects=WHAT)

        return run_steps(self.api.where("POST", self.aspa_path), [(written, removed, update)])

    @staticmethod
    def _roa(roa, comment=None):
        entry = {"asn": roa.asn, "prefix": str(roa.prefix), "max_length": roa.max_length}
        if comment:
            entry["comment"] = comment
        return entry
