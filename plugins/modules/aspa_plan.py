#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aspa_plan
short_description: Plan the ASPAs of our ASes from NetBox against those that exist, and submit them to Krill
version_added: 0.1.0
description:
  - Reads our ASNs (tagged C(routesec-own)), the managed routers' local ASNs (C(routesec_local_asn)) and the
    netbox-bgp plugin's sessions from NetBox, and derives one ASPA per AS of ours - its providers are the
    remote ASes of the transit sessions (C(routesec_relationship=transit)) of its routers, whatever their status
    (a planned session's provider is published before the session comes up), plus the ASes in the custom field
    C(routesec_aspa_providers) of its NetBox ASN (C(AS64496, AS65010), or C(AS0) alone for an AS without
    providers).
  - Refuses, naming the NetBox object and field, an ASPA that would leave out a provider carrying our routes
    (C(AS0) while the AS has transit sessions, each session named; a transit session on a device routesec does
    not manage whose remote AS no ASPA lists), C(AS0) beside other providers, an AS among its own providers, the
    field on an ASN that is not ours, and sessions or routers it cannot read.
  - An AS of ours with neither transit sessions nor the field gets no ASPA, and what the CA holds for it stays.
  - Compares them with the ASPAs that exist, read from a Krill CA (O(ca=krill)) or from a validator's ASPA
    export (O(current_aspas)). The plan adds ASPAs, replaces them (providers added and removed) and, for customer
    ASes NetBox does not call ours, removes them only with O(remove_unknown) (else reported in RV(plan),
    C(unknown)).
  - With O(submit) the plan is sent to Krill as one update, applied whole or not at all. Before that, a plan
    removing a provider from an ASPA, or a whole ASPA, is refused unless O(allow_removals), as routes through a
    provider the ASPA no longer lists become ASPA-invalid where paths are verified.
  - O(ca=ripe) is refused - the RIPE NCC's published RPKI Management API document describes no ASPA calls.
  - C(changed) says whether the ASPAs differ from NetBox (and, with O(submit), that the plan was sent); check
    mode and O(submit=false) send nothing. With C(--diff) our ASPAs before and after are shown.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.controller
  - routesec.bgp.netbox
  - routesec.bgp.ca_api
options:
  current_aspas:
    description:
      - The ASPAs the RPKI holds now, as a validator exports them (rpki-client JSON, gzip allowed); only those of
        our ASes count. With O(ca=none) only.
      - Without it (and without a CA), every ASPA is planned as an addition.
    type: path
  ca:
    description: Where the ASPAs live. V(none) reads O(current_aspas) only; V(ripe) is refused (no documented API).
    type: str
    choices: [none, krill, ripe]
    default: none
  submit:
    description: Send the plan to the CA (V(krill)). Check mode never sends.
    type: bool
    default: false
  allow_removals:
    description: Submit a plan that removes providers from ASPAs, or whole ASPAs.
    type: bool
    default: false
  remove_unknown:
    description: Plan the removal of the CA's ASPAs whose customer AS NetBox does not tag C(routesec-own).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reads NetBox and the CA (or the validator's export) and plans; submits nothing.
  diff_mode:
    support: full
    description: Our ASPAs before and after the plan.
"""

EXAMPLES = r"""
- name: Compare NetBox's providers with the ASPAs a validator sees (reads only)
  routesec.bgp.aspa_plan:
    current_aspas: /var/lib/rpki-client/json
  delegate_to: localhost
  run_once: true
  register: aspa_check

- name: Publish them from our CA in Krill, provider removals included once reviewed
  routesec.bgp.aspa_plan:
    ca: krill
    ca_url: "{{ krill_url }}"
    ca_handle: "{{ krill_ca }}"
    ca_api_key: "{{ vault_krill_token }}"
    submit: true
    allow_removals: "{{ aspa_removals_reviewed | default(false) }}"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
aspas:
  description: The ASPAs NetBox asks for, each provider with where NetBox names it (sessions, the custom field).
  returned: success
  type: list
  elements: dict
  sample:
    - customer: 64500
      providers: [64496, 65010]
      sources: {"AS64496": ["NetBox BGP session r1:transit (id 3)"], "AS65010": ["custom field routesec_aspa_providers"]}
plan:
  description:
    - ASPAs to add, replace (with the providers added and removed) and remove, how many stay, the CA's ASPAs of
      customer ASes that are not ours (C(unknown), left alone) and our ASes NetBox names no provider for
      (C(undescribed), with what the CA publishes for them). Providers C([0]) is an AS0 ASPA.
  returned: success
  type: dict
  sample:
    add: []
    replace: [{"customer": 64500, "providers": [64496, 65020], "added": [65020], "removed": [65010]}]
    remove: []
    unchanged: 0
    unknown: []
    undescribed: [{"customer": 64501, "published": null}]
lines:
  description: The plan, one line per ASPA to add (C(+)), replace (C(~)) or remove (C(-)).
  returned: success
  type: list
  elements: str
  sample: ["~ ASPA AS64500 => AS64496, AS65020 (+AS65020, -AS65010)"]
submitted:
  description: Whether the plan was sent to the CA.
  returned: success
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import NETBOX_ARGSPEC, netbox_snapshot, run
from ..module_utils.rpki.aspa_cas import ASPA_CAS, CA_CHOICES, aspa_client, read_published
from ..module_utils.rpki.aspa_intent import aspa_intent
from ..module_utils.rpki.aspa_plan import check_removals, plan_aspas
from ..module_utils.rpki.cas import CaAccess

KINDS = ("asns", "devices", "bgp_sessions")  # what ASPA intent needs from NetBox


def main():
    module = AnsibleModule(
        argument_spec=dict(
            NETBOX_ARGSPEC,
            current_aspas={"type": "path"},
            ca={"type": "str", "choices": CA_CHOICES, "default": "none"},
            ca_url={"type": "str"},
            ca_handle={"type": "str"},
            ca_api_key={"type": "str", "no_log": True},
            ca_timeout={"type": "int", "default": 30},
            submit={"type": "bool", "default": False},
            allow_removals={"type": "bool", "default": False},
            remove_unknown={"type": "bool", "default": False},
        ),
        supports_check_mode=True,
        required_if=[("ca", "krill", ("ca_url", "ca_handle", "ca_api_key"))],
    )
    p = module.params
    if p["ca"] in ASPA_CAS and p["current_aspas"]:
        module.fail_json(msg="current_aspas and ca=%s both say where the ASPAs are: give one" % p["ca"])
    client = run(module, aspa_client, p["ca"], CaAccess(p["ca_url"], p["ca_handle"], p["ca_api_key"], p["ca_timeout"]))
    if p["submit"] and client is None:
        module.fail_json(msg="submit=true sends the plan to a CA: set ca=krill (with ca=none nothing is sent)")
    snapshot = netbox_snapshot(module, KINDS)
    if "bgp_sessions" not in snapshot.records:
        module.warn("NetBox has no netbox-bgp plugin: the providers are those of routesec_aspa_providers alone")
    intent = run(module, aspa_intent, snapshot.records)
    published = run(module, read_published, client, p["current_aspas"], intent.own)
    plan = run(module, plan_aspas, intent, published, p["remove_unknown"])
    if plan.unknown:
        unknown = ", ".join("AS%d" % customer for customer, _providers in plan.unknown)
        module.warn("the CA's ASPAs of %s, which NetBox does not call ours, are left alone (remove_unknown)" % unknown)
    result = {
        "changed": plan.changed,
        "aspas": intent.to_dict(),
        "plan": plan.to_dict(),
        "lines": plan.lines(),
        "diff": plan.diff(),
        "submitted": False,
    }
    if p["submit"]:
        run(module, check_removals, plan, p["allow_removals"])
    if p["submit"] and plan.changed and not module.check_mode:
        run(module, client.submit_aspas, plan)
        result["submitted"] = True
    module.exit_json(**result)


if __name__ == "__main__":
    main()
