#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: rov_config
short_description: Render every managed router's RTR sessions and origin-validation policy from NetBox
version_added: 0.1.0
description:
  - Reads the RPKI-to-router caches from NetBox, as services named C(rtr) (protocol TCP, with their
    ports and IP addresses) on the validators' devices or virtual machines, and the devices tagged
    C(routesec-managed) with their platform and C(routesec_local_asn).
  - Renders, for each router, its platform's RTR session configuration for every cache and an import
    policy C(ROUTESEC-ROV) (C(routesec_rov) on BIRD) that rejects RPKI-invalid routes and, with
    O(not_found_local_pref), lowers the local preference of not-found ones. Attach the policy to the
    neighbours whose routes are validated.
  - Fails, naming the NetBox object and field, when there is no C(rtr) service, a service has no
    address or port or is not TCP, or a device's platform, local ASN or primary IP is missing.
  - Reads only; the configuration is returned, not pushed.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.controller
  - routesec.bgp.netbox
  - routesec.bgp.read_only
options:
  reject_invalid:
    description: Reject RPKI-invalid routes (with V(false) they are only marked where the platform can).
    type: bool
    default: true
  not_found_local_pref:
    description: Local preference for routes whose origin no ROA covers (not-found). Default, unchanged.
    type: int
  aspa:
    description:
      - Also the ASPA table for the session policy's ASPA path verification, where a platform keeps one - on BIRD
        (2.16 or later) the table C(routesec_aspa), fed by every RTR session (RTR version 2), and the function
        C(routesec_aspa_state()) that R(routesec.bgp.session_policy,ansible_collections.routesec.bgp.session_policy_module)
        calls with C(aspa=true). OpenBGPD 8 takes the ASPAs of its C(rtr) sessions without it. A BIRD before 2.16
        refuses the configuration.
    type: bool
    default: false
  platform_map:
    description: Maps NetBox platform slugs to routesec platforms when they differ.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Origin validation for every router
  routesec.bgp.rov_config:
    not_found_local_pref: 50
  delegate_to: localhost
  run_once: true
  register: rov
"""

RETURN = r"""
devices:
  description: Per router, its platform and configuration (and, for OpenBGPD, the filter rules apart).
  returned: success
  type: dict
  sample:
    r1:
      platform: frr
      config: "rpki\n rpki cache 192.0.2.1 323 preference 1\nexit\n..."
caches:
  description: The RTR caches NetBox holds, in its order.
  returned: success
  type: list
  elements: dict
  sample: [{"address": "192.0.2.1", "port": 323, "preference": 1}]
"""

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import NETBOX_ARGSPEC, netbox_records, run
from ..module_utils.rpki.router_policy import RovPolicy
from ..module_utils.rpki.rov_intent import rov_configs

KINDS = ("asns", "devices", "rtr_services")  # what origin-validation intent needs from NetBox


def main():
    argument_spec = dict(
        NETBOX_ARGSPEC,
        reject_invalid={"type": "bool", "default": True},
        not_found_local_pref={"type": "int"},
        aspa={"type": "bool", "default": False},
        platform_map={"type": "dict", "default": {}},
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    records = netbox_records(module, KINDS)
    policy = run(module, RovPolicy, p["reject_invalid"], p["not_found_local_pref"], p["aspa"])
    configs, caches = run(module, rov_configs, records, policy, p["platform_map"])
    module.exit_json(changed=False, devices=configs, caches=[c.__dict__ for c in caches])


if __name__ == "__main__":
    main()
