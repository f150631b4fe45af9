#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: roa_plan
short_description: Plan the ROAs our NetBox prefixes need against the ROAs that exist, and submit them
version_added: 0.1.0
description:
  - Reads our ASNs (tagged C(routesec-own)), the aggregates we hold and the prefixes tagged
    C(routesec-announce) from NetBox, and derives one ROA per prefix and origin ASN
    (C(routesec_origin_asn)), with max length equal to the prefix length unless the prefix's
    C(routesec_max_length) says otherwise.
  - Refuses, naming the NetBox object and field, a prefix without origin, an origin that is not ours,
    a prefix outside our aggregates, a max length out of range; and a max length longer than the
    prefix (anyone could then originate its more-specifics, RFC 9319) unless O(wide_max_length), and
    one prefix and origin asked with two different max lengths.
  - Compares them with the ROAs that exist, read from a validator's VRP output (O(current_vrps)).
    Only ROAs inside our aggregates count; those for our ASNs are added or removed as needed, those
    for other ASNs are reported in RV(plan) (C(foreign)) and left alone. Additions are listed first.
  - With O(ca), the current ROAs come from the CA's API instead (RIPE NCC RPKI management API or a
    Krill CA), and with O(submit) the plan is sent to it as one change (additions and removals
    together, so nothing is half-applied); for ARIN the request texts to sign are returned
    (RV(arin_requests)) and nothing is sent.
  - Before anything is submitted, a plan that removes all of our ROAs or more than
    O(max_remove_percent) of them is refused (a NetBox that lost its prefixes must not empty the
    RPKI) unless O(allow_removals).
  - C(changed) says whether the RPKI differs from NetBox (and, with O(submit), that the plan was sent);
    check mode and O(submit=false) send nothing. With C(--diff) the ROAs before and after are shown.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.controller
  - routesec.bgp.within
  - routesec.bgp.netbox
options:
  current_vrps:
    description:
      - The VRPs the RPKI holds now, as a validator writes them (rpki-client, Routinator, FORT or
        StayRTR JSON, or Routinator/RIPE NCC CSV; gzip allowed).
      - Without it, every ROA is planned as an addition.
    type: path
  wide_max_length:
    description: Allow a max length longer than the prefix (all its more-specifics must be announced).
    type: bool
    default: false
  ca:
    description: Where the ROAs live. V(none) reads O(current_vrps) only.
    type: str
    choices: [none, arin, krill, ripe]
    default: none
  ca_url:
    description:
      - The CA API's base URL. For V(ripe) the default is the production API; for V(krill) it is required
        (for example C(https://krill.example.net:3000)).
    type: str
  ca_handle:
    description: The Krill CA's handle.
    type: str
  ca_api_key:
    description: The RIPE NCC API key or the Krill token. Never logged.
    type: str
  ca_timeout:
    description: Seconds to wait for each CA API call.
    type: int
    default: 30
  submit:
    description: Send the plan to the CA (V(ripe), V(krill)). Check mode never sends.
    type: bool
    default: false
  max_remove_percent:
    description: Most of our ROAs one plan may remove without O(allow_removals).
    type: int
    default: 25
  allow_removals:
    description: Submit a plan that removes more ROAs than O(max_remove_percent), or all of them.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reads the validator's VRPs (or the CA) and plans; submits nothing.
  diff_mode:
    support: full
    description: Our ROAs in the RPKI before and after the plan.
"""

EXAMPLES = r"""
- name: What the RPKI lacks or holds too much of
  routesec.bgp.roa_plan:
    current_vrps: /var/lib/rpki-client/json
  delegate_to: localhost
  run_once: true
  register: roas

- name: Bring our Krill CA's ROAs in line with NetBox
  routesec.bgp.roa_plan:
    ca: krill
    ca_url: https://krill.example.net:3000
    ca_handle: example
    ca_api_key: "{{ vault_krill_token }}"
    submit: true
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
roas:
  description: The ROAs NetBox asks for.
  returned: success
  type: list
  elements: dict
  sample: [{"prefix": "185.230.76.0/22", "maxLength": 22, "asn": 64500}]
plan:
  description: ROAs to add and to remove, how many stay, and ROAs of other ASNs inside our space.
  returned: success
  type: dict
  sample:
    add: [{"prefix": "185.230.78.0/24", "maxLength": 24, "asn": 64500}]
    remove: []
    unchanged: 1
    foreign: []
origin_validation:
  description:
    - For each prefix NetBox originates, the RPKI origin-validation state of its announcement from its origin
      AS against the VRPs now (O(current_vrps)) and once the plan is applied - C(valid), C(invalid) or C(not-found).
    - An announcement that is C(invalid) now is dropped by networks that validate.
  returned: success
  type: dict
  sample: {"185.230.78.0/24": {"now": "not-found", "after": "valid"}}
submitted:
  description: Whether the plan was sent to the CA.
  returned: success
  type: bool
arin_requests:
  description: With O(ca=arin), the ROA request texts to sign (one per addition) and the removals to do in ARIN Online.
  returned: when O(ca=arin)
  type: dict
lines:
  description: The plan, one line per ROA to add (C(+)) or remove (C(-)), additions first.
  returned: success
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import NETBOX_ARGSPEC, WITHIN_OPTION, run, scoped_netbox_records
from ..module_utils.rpki.arin import ArinRoaRequests
from ..module_utils.rpki.cas import CAS, WITHOUT_API, CaAccess, ca_client
from ..module_utils.rpki.roa_plan import RoaPolicy, announcement_states, check_removals, plan_roas, roa_intent
from ..module_utils.rpki.vrp import read_vrps

KINDS = ("aggregates", "asns", "prefixes")  # what ROA intent needs from NetBox


def main():
    argument_spec = dict(
        NETBOX_ARGSPEC,
        **WITHIN_OPTION,
        current_vrps={"type": "path"},
        wide_max_length={"type": "bool", "default": False},
        ca={"type": "str", "choices": list(WITHOUT_API) + sorted(CAS), "default": "none"},
        ca_url={"type": "str"},
        ca_handle={"type": "str"},
        ca_api_key={"type": "str", "no_log": True},
        ca_timeout={"type": "int", "default": 30},
        submit={"type": "bool", "default": False},
        max_remove_percent={"type": "int", "default": 25},
        allow_removals={"type": "bool", "default": False},
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("ca", "ripe", ("ca_api_key",)), ("ca", "krill", ("ca_url", "ca_handle", "ca_api_key"))],
    )
    p = module.params
    if p["ca"] in CAS and p["current_vrps"]:
        module.fail_json(msg="current_vrps and ca=%s both say where the ROAs are: give one" % p["ca"])
    records = scoped_netbox_records(module, KINDS)
    intent = run(module, roa_intent, records, RoaPolicy(wide_max_length=p["wide_max_length"]))
    access = CaAccess(p["ca_url"], p["ca_handle"], p["ca_api_key"], p["ca_timeout"])
    client = run(module, ca_client, p["ca"], access)
    if client is not None:
        current = run(module, client.current_roas)
    else:
        current = run(module, read_vrps, p["current_vrps"]) if p["current_vrps"] else []
    plan = run(module, plan_roas, intent.roas, current, intent.own_asns, intent.held)
    states = announcement_states(intent.roas, current, plan.applied(current))
    result = {
        "changed": plan.changed,
        "origin_validation": {prefix: {"now": now, "after": after} for prefix, (now, after) in states.items()},
        "roas": [roa.to_dict() for roa in intent.roas],
        "plan": plan.to_dict(),
        "lines": plan.lines(),
        "diff": plan.diff(),
        "submitted": False,
    }
    if p["submit"] or p["ca"] == "arin":
        run(module, check_removals, plan, p["max_remove_percent"], p["allow_removals"])
    if p["ca"] == "arin":
        result["arin_requests"] = run(module, ArinRoaRequests().render, plan)
    elif p["submit"] and client is not None and plan.changed and not module.check_mode:
        run(module, client.submit, plan)
        result["submitted"] = True
    module.exit_json(**result)


if __name__ == "__main__":
    main()
