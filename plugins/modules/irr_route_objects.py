#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: irr_route_objects
short_description: Plan (and submit) the route and route6 objects of our NetBox prefixes in an IRRd registry
version_added: 0.1.0
description:
  - Derives one C(route)/C(route6) object per prefix we originate (NetBox prefixes tagged C(routesec-announce)
    with C(routesec_origin_asn)), with the maintainer and source configured for the RIR of the aggregate it lies
    in (O(registries)); every value is checked and the objects are written by routesec's RPSL serializer.
  - Reads what the registry holds over whois (C(!o) for our maintainers, C(!r) for our prefixes) and plans
    creations, modifications of our objects, and deletions of our own route objects (our ASNs, inside our
    aggregates) that NetBox no longer asks for. Objects held by other maintainers, and customers' objects our
    maintainer holds, are never changed; a plan deleting all or most of our objects is refused unless
    O(allow_deletions).
  - With O(current_vrps), objects whose origin the RPKI makes invalid (which IRRd-based registries refuse)
    are warned about or refused (O(rpki_conflict)).
  - Check mode and O(submit=false) send nothing; the plan's RPSL is returned. With O(submit), creations and
    modifications are sent in one call to the registry's submission API, then deletions, and each object's
    answer is reported.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.netbox
options:
  irr_host:
    description: The registry's whois server (IRRd).
    type: str
    required: true
  irr_port:
    description: Its whois port.
    type: int
    default: 43
  sources:
    description: Sources to read.
    type: list
    elements: str
  registries:
    description:
      - "RIR slug (of the NetBox aggregate) to C(mntner) and C(source), for example
        C({ripe-ncc: {mntner: MAINT-EXAMPLE, source: RIPE}})."
    type: dict
    required: true
  descr:
    description: The C(descr) line of every object.
    type: str
  current_vrps:
    description: VRPs (validator JSON or CSV) to check each object's origin against.
    type: path
  rpki_conflict:
    description: What an RPKI-invalid object does to the run.
    type: str
    choices: [warn, refuse]
    default: refuse
  submit:
    description: Send the plan to O(submit_url). Check mode never sends.
    type: bool
    default: false
  submit_url:
    description: The registry's HTTP base URL (IRRd, which takes submissions at C(/v1/submit/)).
    type: str
  irr_password:
    description: The maintainer's password. Never logged.
    type: str
  irr_api_key:
    description: An IRRd API key instead of the password. Never logged.
    type: str
  max_delete_percent:
    description: Most of our route objects one plan may delete without O(allow_deletions).
    type: int
    default: 25
  allow_deletions:
    description: Submit a plan that deletes more route objects than O(max_delete_percent), or all of them.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Route objects for our prefixes, checked against the RPKI
  routesec.bgp.irr_route_objects:
    irr_host: whois.radb.net
    registries: {arin: {mntner: MAINT-AS64500, source: RADB}}
    descr: Example Networks
    current_vrps: /var/lib/rpki-client/json
    submit: true
    submit_url: https://irrd.example.net
    irr_password: "{{ vault_irr_password }}"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
plan:
  description: The objects to create, modify (before and after) and delete as RPSL, how many stay, and others' objects.
  returned: success
  type: dict
rpki_conflicts:
  description: Objects whose origin the RPKI makes invalid (RPSL).
  returned: when O(current_vrps) is set
  type: list
  elements: str
results:
  description: The registry's answer per object.
  returned: when submitted
  type: list
  elements: dict
submitted:
  description: Whether anything was sent.
  returned: success
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import NETBOX_ARGSPEC, netbox_records, run
from ..module_utils.irr.route_objects import check_deletions, plan_from_netbox, rpki_conflicts
from ..module_utils.irr.submit import IrrdSubmitter
from ..module_utils.irr.whois import WhoisClient
from ..module_utils.rpki.vrp import read_vrps

KINDS = ("aggregates", "asns", "prefixes")


def main():
    argument_spec = dict(
        NETBOX_ARGSPEC,
        irr_host={"type": "str", "required": True},
        irr_port={"type": "int", "default": 43},
        sources={"type": "list", "elements": "str"},
        registries={"type": "dict", "required": True},
        descr={"type": "str"},
        current_vrps={"type": "path"},
        rpki_conflict={"type": "str", "choices": ["warn", "refuse"], "default": "refuse"},
        submit={"type": "bool", "default": False},
        submit_url={"type": "str"},
        irr_password={"type": "str", "no_log": True},
        irr_api_key={"type": "str", "no_log": True},
        max_delete_percent={"type": "int", "default": 25},
        allow_deletions={"type": "bool", "default": False},
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("submit", True, ("submit_url",))],
    )
    p = module.params
    records = netbox_records(module, KINDS)
    with WhoisClient(p["irr_host"], p["irr_port"], sources=p["sources"]) as client:
        desired, plan = run(module, plan_from_netbox, records, p["registries"], p["descr"], client)
    result = {"changed": plan.changed, "plan": plan.to_dict(), "submitted": False}
    if p["current_vrps"]:
        conflicts = rpki_conflicts(desired, run(module, read_vrps, p["current_vrps"]))
        result["rpki_conflicts"] = [o.text() for o in conflicts]
        if conflicts and p["rpki_conflict"] == "refuse":
            keys = ", ".join("%s %s" % (o.key[1], o.key[2]) for o in conflicts)
            module.fail_json(
                msg="RPKI-invalid route objects (registries refuse them): %s; nothing was submitted" % keys, **result
            )
        for obj in conflicts:
            module.warn("route object %s %s is RPKI-invalid: the registry may refuse it" % obj.key[1:])
    if p["submit"]:
        run(module, check_deletions, plan, p["max_delete_percent"], p["allow_deletions"])
    if p["submit"] and plan.changed and not module.check_mode:
        submitter = IrrdSubmitter(p["submit_url"], password=p["irr_password"], api_key=p["irr_api_key"])
        result["results"] = run(module, submitter.submit, plan.changes())
        result["submitted"] = True
        if any(r.get("result") == "failed" for r in result["results"]):
            module.fail_json(msg="the registry refused some objects; see results", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
