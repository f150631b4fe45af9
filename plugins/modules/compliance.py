#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: compliance
short_description: Compare NetBox with the RPKI, the IRR and the routers, and report findings
version_added: 0.1.0
description:
  - For every prefix NetBox has us originate, checks its announcement against the VRPs in O(current_vrps)
    (C(rpki-invalid), C(roa-missing)) and its route object against the IRR at O(irr_host)
    (C(route-object-missing), C(route-object-wrong-origin)).
  - For every router NetBox manages, compares the prefix-lists and RTR sessions read by
    R(routesec.bgp.router_state,ansible_collections.routesec.bgp.router_state_module) (O(router_states)) with
    NetBox (C(filter-drift), C(rtr-missing), C(rtr-cache-missing), C(router-unreachable)), and checks that a router
    with RTR sessions applies a policy rejecting RPKI-invalid routes inbound on some neighbour
    (C(rov-policy-missing), FRR).
  - Writes the report as JSON, JUnit XML and a self-contained HTML page to O(output_dir), and fails when more
    than O(max_findings) findings are at or above O(fail_at).
  - Reads only, and writes only its report files; in check mode it writes nothing and returns the findings.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.controller
  - routesec.bgp.irr_whois
  - routesec.bgp.netbox
options:
  current_vrps:
    description: The VRPs the RPKI holds now (a validator's JSON or CSV export).
    type: path
    required: true
  irr_host:
    description: The IRR whois server (IRRd).
    type: str
    required: true
  registries:
    description:
      - Per RIR, the maintainer and source our route objects go to, as for
        R(routesec.bgp.irr_route_objects,ansible_collections.routesec.bgp.irr_route_objects_module).
    type: dict
    required: true
  router_states:
    description:
      - Per router name, the registered result of
        R(routesec.bgp.router_state,ansible_collections.routesec.bgp.router_state_module).
      - A failed or unreachable one is reported as C(router-unreachable); routers NetBox manages that are not
        here are not checked.
    type: dict
    default: {}
  platform_map:
    description: Maps NetBox platform slugs to routesec platforms when they differ.
    type: dict
    default: {}
  output_dir:
    description: Folder for C(compliance.json), C(compliance.xml) (JUnit) and C(compliance.html); nothing is written when omitted.
    type: path
  wide_max_length:
    description:
      - Accept max lengths longer than the prefix in NetBox (RFC 9319 advises against them); without it each is a
        C(roa-wide-max-length) finding.
    type: bool
    default: false
  fail_at:
    description: The severity from which findings count against O(max_findings).
    type: str
    choices: [info, low, medium, high, critical]
    default: high
  max_findings:
    description: Fail when more findings than this are at or above O(fail_at).
    type: int
    default: 0
attributes:
  check_mode:
    support: full
    description: Reads and reports the same; writes no report file in check mode.
  diff_mode:
    support: none
    description: Reads only; the findings are the result.
"""

EXAMPLES = r"""
- name: Compliance report over every router, failing on any high or critical finding
  routesec.bgp.compliance:
    current_vrps: /var/lib/rpki-client/json
    irr_host: rr.example.net
    registries: {ripe: {mntner: MAINT-EXAMPLE, source: RIPE}}
    router_states: "{{ dict(groups.routers | zip(groups.routers | map('extract', hostvars, 'routesec_router_state'))) }}"
    output_dir: reports/
"""

RETURN = r"""
summary:
  description: Prefixes checked, those with a valid ROA and with their route object, routers, findings per severity.
  returned: always
  type: dict
findings:
  description: Every finding (severity, check, subject, message, sources, router), most severe first.
  returned: always
  type: list
  elements: dict
files:
  description: The report files written.
  returned: when O(output_dir) is set, outside check mode
  type: list
  elements: str
api_calls:
  description: HTTP requests made to NetBox (one list query per kind, paginated).
  returned: always
  type: int
  sample: 6
"""

import os
from datetime import UTC, datetime
from functools import partial

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import NETBOX_ARGSPEC, netbox_snapshot, run
from ..module_utils.compliance.checks import (
    irr_findings,
    no_rtr_cache,
    router_findings,
    rov_policy_findings,
    rpki_findings,
    unreachable,
    wide_max_length_findings,
)
from ..module_utils.compliance.findings import SEVERITIES, Report
from ..module_utils.compliance.report import to_html, to_json, to_junit
from ..module_utils.intent import Problems, build_intent
from ..module_utils.irr.route_objects import existing_route_objects, plan_from_netbox
from ..module_utils.irr.whois import WhoisClient
from ..module_utils.netbox_reader import QUERIES
from ..module_utils.roa_plan import RoaPolicy, roa_intent
from ..module_utils.rov_intent import rtr_caches
from ..module_utils.rpki.vrp import read_vrps

KINDS = tuple(QUERIES) + ("rtr_services",)
LIST_NAMES = {4: "ROUTESEC-OWN-V4", 6: "ROUTESEC-OWN-V6"}


def registry_objects(module, records):
    """(the route objects NetBox asks for, those the registry holds for our prefixes and maintainers)."""
    p = module.params
    held = []

    def existing(client, *args):
        held.extend(existing_route_objects(client, *args))
        return held

    with WhoisClient(p["irr_host"], p["irr_port"], sources=p["sources"], timeout=p["timeout"]) as client:
        desired, _plan = plan_from_netbox(records, p["registries"], None, partial(existing, client), False)
    return desired, held


def router_part(intents, states, caches):
    """Findings and RouterStates of the routers in ``states`` (router_state results by name)."""
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
        findings += found
        routers.append(router)
    return findings, routers


def build_report(module, records):
    p = module.params
    intents = run(module, build_intent, records, p["platform_map"], LIST_NAMES)
    roas = run(module, roa_intent, records, RoaPolicy(wide_max_length=True)).roas
    vrps = run(module, read_vrps, p["current_vrps"])
    desired, held = run(module, registry_objects, module, records)
    problems = Problems()
    caches = rtr_caches(records["rtr_services"], problems) if records["rtr_services"] else ()
    run(module, problems.raise_if_any)
    report = Report(datetime.now(UTC).isoformat(timespec="seconds"))
    rpki, report.with_roa = rpki_findings(roas, vrps)
    irr, report.with_route_object = irr_findings(desired, held)
    routers, report.routers = router_part(intents, p["router_states"], caches)
    report.findings = rpki + irr + routers + ([] if caches else [no_rtr_cache()])
    if not p["wide_max_length"]:
        report.findings += wide_max_length_findings(roas)
    report.prefixes = len(roas)
    return report


def write(report, folder, fail_at):
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


def main():
    argument_spec = dict(
        NETBOX_ARGSPEC,
        current_vrps={"type": "path", "required": True},
        irr_host={"type": "str", "required": True},
        irr_port={"type": "int", "default": 43},
        sources={"type": "list", "elements": "str"},
        registries={"type": "dict", "required": True},
        router_states={"type": "dict", "default": {}},
        platform_map={"type": "dict", "default": {}},
        output_dir={"type": "path"},
        wide_max_length={"type": "bool", "default": False},
        fail_at={"type": "str", "choices": list(SEVERITIES), "default": "high"},
        max_findings={"type": "int", "default": 0},
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    snapshot = netbox_snapshot(module, list(KINDS))
    report = build_report(module, snapshot.records)
    data = report.to_dict()
    result = {"changed": False, "summary": data["summary"], "findings": data["findings"]}
    result["api_calls"] = snapshot.api_calls
    if p["output_dir"] and not module.check_mode:
        result["files"] = write(report, p["output_dir"], p["fail_at"])
    over = report.count_at_least(p["fail_at"])
    if over > p["max_findings"]:
        module.fail_json(
            msg="%d findings at or above %s (allowed: %d)" % (over, p["fail_at"], p["max_findings"]), **result
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
