# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a compliance run found: findings with a severity, and the coverage figures the reports chart.

A finding names one subject (a prefix, a router, a route object) and one check; the same check on the
same subject is one finding. Severities are ordered; a run fails when it finds more than a threshold at
or above a severity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import DataError

SEVERITIES = ("info", "low", "medium", "high", "critical")


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: ``check`` (a short kebab-case name) on ``subject``, seen by comparing ``sources``."""

    severity: str
    check: str
    subject: str
    message: str
    sources: tuple = ()  # of "netbox", "irr", "rpki", "router"
    router: str = ""  # the router it concerns, if any

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise DataError("severity must be one of %s" % ", ".join(SEVERITIES), "finding %s" % self.check, "severity")

    @property
    def rank(self):
        return SEVERITIES.index(self.severity)

    def to_dict(self):
        return {
            "severity": self.severity,
            "check": self.check,
            "subject": self.subject,
            "message": self.message,
            "sources": list(self.sources),
            "router": self.router,
        }


@dataclass(frozen=True)
class RouterState:
    """One router's figures: entries its managed filters differ from NetBox by, and whether RTR is set up."""

    name: str
    platform: str
    drift_entries: int = 0
    rtr_sessions: int = 0
    reachable: bool = True


@dataclass
class Report:
    """A compliance run: its findings, the prefixes checked with their ROA and route object coverage,
    and every router's state."""

    generated: str  # ISO 8601 time of the run
    findings: list = field(default_factory=list)
    prefixes: int = 0
    with_roa: int = 0
    with_route_object: int = 0
    routers: list = field(default_factory=list)  # of RouterState

    def count_at_least(self, severity):
        rank = SEVERITIES.index(severity)
        return sum(1 for f in self.findings if f.rank >= rank)

    def by_severity(self):
        return {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES}

    def to_dict(self):
        return {
            "generated": self.generated,
            "summary": {
                "prefixes": self.prefixes,
                "with_roa": self.with_roa,
                "with_route_object": self.with_route_object,
                "routers": len(self.routers),
                "findings": self.by_severity(),
            },
            "findings": [f.to_dict() for f in sorted(self.findings, key=lambda f: (-f.rank, f.check, f.subject))],
            "routers": [r.__dict__ for r in self.routers],
        }
