# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ROAs in the RIPE NCC hosted RPKI, through the RIPE NCC RPKI Management API.

Written from the RIPE NCC's published "RPKI Management API" document:

* base URL ``https://my.ripe.net/api/rpki`` (the pilot system:
  ``https://localcert.ripe.net/api/rpki``);
* the API key in the ``ncc-api-authorization`` request header (the
  ``?key=`` query parameter is deprecated there, and never used here);
* ``GET /roas``: the current ROAs, a JSON list of objects with ``asn``
  (``"AS3333"``), ``prefix`` and ``maximalLength``;
* ``POST /roas/publish`` with ``{"added": [...], "deleted": [...]}`` (objects
  of the same three fields): one call that publishes additions and deletions
  together, so a plan is never half-applied.
"""

from __future__ import annotations

from .ca_common import DEFAULT_TIMEOUT, CaError, JsonApi, expect_list, roa_text, run_steps, to_vrp

RIPE_PRODUCTION = "https://my.ripe.net/api/rpki"
RIPE_PILOT = "https://localcert.ripe.net/api/rpki"
LIST_PATH = "/roas"
PUBLISH_PATH = "/roas/publish"
AUTH_HEADER = "ncc-api-authorization"


class RipeNccCa:
    """The RIPE NCC RPKI Management API for one LIR (its API key)."""

    name = "RIPE NCC RPKI API"

    def __init__(self, api_key, base_url=RIPE_PRODUCTION, timeout=DEFAULT_TIMEOUT):
        self.api = JsonApi(self.name, base_url, AUTH_HEADER, api_key, timeout)

    def __repr__(self):
        return "RipeNccCa(%r)" % (self.api.base_url,)

    def current_roas(self):
        """The ROAs the CA holds now, as Vrp objects."""
        where = self.api.where("GET", LIST_PATH)
        result = []
        for index, item in enumerate(expect_list(self.api.read(LIST_PATH), where)):
            missing = [key for key in ("asn", "prefix", "maximalLength") if key not in item]
            if missing:
                raise CaError("ROA %d has no %s" % (index, ", ".join(missing)), where)
            result.append(to_vrp(self.api, item["prefix"], item["maximalLength"], item["asn"], "ROA %d" % index, where))
        return result

    def submit(self, plan):
        """Publish ``plan``'s additions and removals in one call; the ROA texts applied (none if nothing to do)."""
        if not plan.changed:
            return []
        body = {"added": [_roa(r) for r in plan.add], "deleted": [_roa(r) for r in plan.remove]}
        added, removed = [roa_text(r) for r in plan.add], [roa_text(r) for r in plan.remove]

        def publish():
            self.api.send("POST", PUBLISH_PATH, body, added, removed)

        return run_steps(self.api.where("POST", PUBLISH_PATH), [(added, removed, publish)])


def _roa(roa):
    return {"asn": "AS%d" % roa.asn, "prefix": str(roa.prefix), "maximalLength": roa.max_length}
