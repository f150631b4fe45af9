# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One compliance run, as plain Python: NetBox's records against the RPKI, the IRR and the routers.

What NetBox says is ours (``intent.build.Holdings``) is derived once and shared by the
router, RPKI and IRR parts. The routers' state comes in already read (the
``router_state`` results by device name); the VRPs and ASPAs from files; the registry is
asked over whois. ``build_report`` returns the Report, ``write`` its JSON,
JUnit XML and HTML files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

from ..intent.build import Holdings, Problems, build_intent, holdings
from ..irr.registries import RegistryAccess
from ..irr.route_objects import existing_route_objects, plan_from_netbox
from ..netbox.reader import PLUGIN_QUERIES, QUERIES
from ..policy.options import PolicyOptions
from ..rpki.aspa import read_aspas
from ..rpki.aspa_intent import aspa_intent
from ..rpki.roa_plan import RoaPolicy, roa_intent
from ..rpki.rov_intent import rtr_caches
from ..rpki.vrp import read_vrps
from .aspa_checks import aspa_findings
from .checks import (
    irr_findings,
    no_rtr_cache,
    router_findings,
    rov_policy_findings,
    rpki_findings,
    unreachable,
    wide_max_length_findings,
)
from .findings import Report
from .report import to_html, to_json, to_junit
from .session_checks import session_findings

KINDS = (*QUERIES, *PLUGIN_QUERIES, "rtr_services")  # the NetBox records a run reads
LIST_NAMES = {4: "ROUTESEC-OWN-V4", 6: "ROUTESEC-OWN-V6"}


@dataclass
class ComplianceRun:
    """What one run checks against: the validator's VRPs (a file), the registry, NetBox's RIR-to-registry map,
    the routers' state, and the options."""

    current_vrps: str
    whois: RegistryAccess  # the registry's whois server and sources
    registries: dict
    router_states: dict = field(default_factory=dict)
    platform_map: dict = field(default_factory=dict)
    wide_max_length: bool = False
    session_policy: PolicyOptions = field(default_factory=PolicyOptions)  # what the session policy would deploy
    current_aspas: str | None = None  # the validator's ASPAs (rpki-client JSON); None: ASPAs are not checked


def build_report(records: dict, run: ComplianceRun, now: datetime | None = None) -> Report:
    """The Report of ``run`` over NetBox ``records`` (the KINDS); DataError listing every problem of the records."""
    ours = holdings(records)
    intents = build_intent(records, run.platform_map, LIST_NAMES, ours=ours)
    roas = roa_intent(records, RoaPolicy(wide_max_length=True), ours=ours).roas
    vrps = read_vrps(run.current_vrps)
    desired, held = registry_objects(records, ours, run)
    problems = Problems()
    caches = rtr_caches(records["rtr_services"], problems) if records["rtr_services"] else ()
    problems.raise_if_any()
    report = Report((now or datetime.now(UTC)).isoformat(timespec="seconds"))
    rpki, report.with_roa = rpki_findings(roas, vrps)
    irr, report.with_route_object = irr_findings(desired, held)
    routers, report.routers = router_part(intents, run.router_states, caches, run.session_policy)
    report.findings = rpki + irr + routers + ([] if caches else [no_rtr_cache()])
    if not run.wide_max_length:
        report.findings += wide_max_length_findings(roas)
    if run.current_aspas:
        report.findings += aspa_findings(aspa_intent(records).aspas, read_aspas(run.current_aspas))
    report.prefixes = len(roas)
    return report


def registry_objects(records: dict, ours: Holdings, run: ComplianceRun):
    """(the route objects NetBox asks for, those the registry holds for our prefixes and maintainers)."""
    held = []

    def existing(client, *args):
        held.extend(existing_route_objects(client, *args))
        return held

    with run.whois.whois() as client:
        desired, _plan = plan_from_netbox(records, run.registries, None, partial(existing, client), False, ours)
    return desired, held


def router_part(intents: dict, states: dict, caches, policy: PolicyOptions | None = None) -> tuple:
    """Findings and RouterStates of the routers in ``states`` (router_state results by name); their sessions
    against the session policy ``policy`` would deploy, where the router's state has them."""
    findings, routers = [], []
    for name, device in sorted(intents.items()):
        state = states.get(name)
        if state is None:
            continue
        platform = device.device.platform
        if state.get("failed") or state.get("unreachable"):
            found, router = unreachable(name, platform, str(state.get("msg") or "its state could not be read"))
        else:
            running = state.get("prefix_lists") or {}
            running_caches = state.get("rtr_caches")
            found, router = router_findings(
                name,
                platform,
                device.prefix_lists,
                running,
                caches if running_caches is not None else [],
                running_caches or [],
            )
            found += rov_policy_findings(name, running_caches, state.get("rov_policy"))
            if state.get("session_policy") is not None:
                found += session_findings(name, device, state["session_policy"], policy or PolicyOptions())
        findings += found
        routers.append(router)
    return findings, routers


def write(report: Report, folder: str, fail_at: str) -> list:
    """Write the report's JSON, JUnit XML (failing at ``fail_at``) and HTML into ``folder``; their paths."""
    os.makedirs(folder, exist_ok=True)
    files = []
    for name, text in (
        ("compliance.json", to_json(report)),
        ("compliance.xml", to_junit(report, fail_at=fail_at)),
        ("compliance.html", to_html(report)),
    ):
        path = os.path.join(folder, name)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        files.append(path)
    return files
