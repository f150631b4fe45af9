#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: roa_plan
short_description: Plan the ROAs our NetBox prefixes need against the ROAs that exist
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
  - Reads only; submits nothing. C(changed) says whether the RPKI differs from NetBox; with C(--diff)
    the ROAs before and after are shown.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.netbox
  - routesec.bgp.read_only
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
"""

EXAMPLES = r"""
- name: What the RPKI lacks or holds too much of
  routesec.bgp.roa_plan:
    current_vrps: /var/lib/rpki-client/json
  delegate_to: localhost
  run_once: true
  register: roas
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
lines:
  description: The plan, one line per ROA to add (C(+)) or remove (C(-)), additions first.
  returned: success
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import NETBOX_ARGSPEC, run
from ..module_utils.netbox_reader import read_snapshot
from ..module_utils.roa_plan import RoaPolicy, announcement_states, plan_roas, roa_intent
from ..module_utils.rpki.vrp import read_vrps

KINDS = ("aggregates", "asns", "prefixes")  # what ROA intent needs from NetBox


def main():
    argument_spec = dict(
        NETBOX_ARGSPEC,
        current_vrps={"type": "path"},
        wide_max_length={"type": "bool", "default": False},
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    args = (p["netbox_url"], p["netbox_token"])
    snapshot = run(module, read_snapshot, *args, timeout=p["timeout"], validate_certs=p["validate_certs"], kinds=KINDS)
    intent = run(module, roa_intent, snapshot.records, RoaPolicy(wide_max_length=p["wide_max_length"]))
    current = run(module, read_vrps, p["current_vrps"]) if p["current_vrps"] else []
    plan = run(module, plan_roas, intent.roas, current, intent.own_asns, intent.held)
    states = announcement_states(intent.roas, current, plan.applied(current))
    module.exit_json(
        origin_validation={prefix: {"now": now, "after": after} for prefix, (now, after) in states.items()},
        changed=plan.changed,
        roas=[roa.to_dict() for roa in intent.roas],
        plan=plan.to_dict(),
        lines=plan.lines(),
        diff=plan.diff(),
    )


if __name__ == "__main__":
    main()
