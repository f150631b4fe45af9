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
  - On FRR routers some of whose eBGP sessions have a relationship in NetBox, checks every eBGP session against
    the policy R(routesec.bgp.session_policy,ansible_collections.routesec.bgp.session_policy_module) would deploy
    with O(session_policy) - a session without an import or export route-map, known to NetBox or not
    (C(session-policy-missing)), route-maps, lists or neighbour lines that differ (C(session-policy-drift)), a
    session without a maximum-prefix (C(max-prefix-missing)) or without the BGP role NetBox implies
    (C(role-missing)).
  - With O(current_aspas), checks the ASPAs the RPKI holds for our ASes against the providers NetBox gives them
    (the transit sessions and C(routesec_aspa_providers), as R(routesec.bgp.aspa_plan,ansible_collections.routesec.bgp.aspa_plan_module)
    reads them) - an AS without ASPA (C(aspa-missing)), a provider the ASPA leaves out (C(aspa-provider-missing)),
    a provider NetBox no longer has (C(aspa-provider-stale)).
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
  current_aspas:
    description:
      - The ASPAs the RPKI holds now (rpki-client's JSON, the file of O(current_vrps) when it is rpki-client's).
      - Without it the ASPAs are not checked.
    type: path
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
  session_policy:
    description:
      - The options of R(routesec.bgp.session_policy,ansible_collections.routesec.bgp.session_policy_module) the
        routers' policy is deployed with (C(bogon_asn_exceptions), C(transit_free), C(customer_export), ...), so
        that C(session-policy-drift) compares with what it would deploy.
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

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import NETBOX_ARGSPEC, netbox_snapshot, run
from ..module_utils.compliance.findings import SEVERITIES
from ..module_utils.compliance.run import KINDS, ComplianceRun, build_report, write
from ..module_utils.irr.registries import RegistryAccess
from ..module_utils.policy.options import PolicyOptions


def main():
    argument_spec = dict(
        NETBOX_ARGSPEC,
        current_vrps={"type": "path", "required": True},
        current_aspas={"type": "path"},
        irr_host={"type": "str", "required": True},
        irr_port={"type": "int", "default": 43},
        sources={"type": "list", "elements": "str"},
        registries={"type": "dict", "required": True},
        router_states={"type": "dict", "default": {}},
        platform_map={"type": "dict", "default": {}},
        session_policy={"type": "dict", "default": {}},
        output_dir={"type": "path"},
        wide_max_length={"type": "bool", "default": False},
        fail_at={"type": "str", "choices": list(SEVERITIES), "default": "high"},
        max_findings={"type": "int", "default": 0},
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    snapshot = netbox_snapshot(module, list(KINDS))
    whois = RegistryAccess(p["irr_host"], p["irr_port"], p["sources"], timeout=p["timeout"])
    settings = ComplianceRun(
        p["current_vrps"],
        whois,
        p["registries"],
        p["router_states"],
        p["platform_map"],
        p["wide_max_length"],
        run(module, PolicyOptions.from_settings, p["session_policy"]),
        p["current_aspas"],
    )
    report = run(module, build_report, snapshot.records, settings)
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
