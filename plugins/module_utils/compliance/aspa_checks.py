# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Our published ASPAs (as a validator sees them) against the providers NetBox gives each of our ASes.

| check | severity | finding |
|---|---|---|
| ``aspa-provider-missing`` | critical | a provider NetBox has is not in our published ASPA: networks that verify paths drop our routes through it |
| ``aspa-missing`` | high | NetBox gives the AS providers (or none, AS0) but the RPKI holds no ASPA for it: leaks of our routes go unnoticed |
| ``aspa-provider-stale`` | medium | our published ASPA names a provider NetBox no longer has: a leak through it is taken for a provider's route |
"""

from __future__ import annotations

from .findings import Finding

SOURCES = ("netbox", "rpki")


def aspa_findings(desired, published):
    """Findings for the ASPAs NetBox asks for (``desired``: {customer AS: frozenset of provider ASes}, empty for an
    AS0 ASPA) against the validator's ASPA set ``published`` (the same form, AS0 already dropped)."""
    findings = []
    for customer in sorted(desired):
        subject = "AS%d" % customer
        providers = desired[customer]
        held = published.get(customer)
        if held is None:
            wanted = ", ".join("AS%d" % asn for asn in sorted(providers)) or "AS0 (no provider)"
            message = "NetBox gives the providers %s but the RPKI holds no ASPA for %s" % (wanted, subject)
            findings.append(Finding("high", "aspa-missing", subject, message, SOURCES))
            continue
        for provider in sorted(providers - held):
            message = (
                "NetBox has AS%d as a provider, but the published ASPA does not name it: networks that verify AS paths"
                " reject our routes through it" % provider
            )
            findings.append(
                Finding("critical", "aspa-provider-missing", "%s AS%d" % (subject, provider), message, SOURCES)
            )
        for provider in sorted(held - providers):
            message = (
                "the published ASPA names AS%d, which NetBox no longer has as a provider: a leak of our routes through it"
                " passes as a provider's route" % provider
            )
            findings.append(Finding("medium", "aspa-provider-stale", "%s AS%d" % (subject, provider), message, SOURCES))
    return findings
