#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: announcement
short_description: Originate our NetBox prefixes from a router
version_added: 0.1.0
description:
  - Takes one router's intent from R(routesec.bgp.netbox_intent,ansible_collections.routesec.bgp.netbox_intent_module)
    and makes the router originate the prefixes of its announcement prefix-lists (the NetBox prefixes we
    originate), or with O(within) only those inside these blocks, as when onboarding one block.
  - On C(frr) each prefix gets a blackhole route (which keeps it in the routing table) and a C(network)
    statement in its address family of C(router bgp); FRR's C(staticd) must run.
  - Only adds; a prefix the router originates and NetBox no longer lists is left alone (withdrawing is a decision
    for people). Refuses, sending nothing, when the router's running announcement prefix-list of the prefix's
    address family does not permit it - deploy the filters
    (R(routesec.bgp.prefix_filter,ansible_collections.routesec.bgp.prefix_filter_module)) first.
  - Reads the router back after the change; if the prefixes are not all originated it sends the change back and fails.
  - In check mode it connects, reads and plans, and sends nothing; with C(--diff) it shows the C(network) statements.
    The check-mode plan takes the announcement prefix-lists as the intent has them, so that a check-mode run of the
    filters and then the announcement plans both.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.controller
  - routesec.bgp.cli_login
  - routesec.bgp.host_keys
options:
  intent:
    description: One device's intent, an item of the RV(routesec.bgp.netbox_intent#module:devices) result.
    type: dict
    required: true
  within:
    description: Originate only the prefixes inside these blocks.
    type: list
    elements: str
  host:
    description: The router's address to connect to, when not its primary IP in NetBox.
    type: str
  save:
    description: Write the configuration to the router's startup files once the change is in.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Connects, reads the running configuration and plans; sends nothing.
  diff_mode:
    support: full
    description: The router's C(network) statements before and after.
"""

EXAMPLES = r"""
- name: Originate the new block from every router
  routesec.bgp.announcement:
    intent: "{{ routesec_intent.devices[inventory_hostname] }}"
    within: [185.230.80.0/22]
    username: routesec
    password: "{{ vault_router_password }}"
"""

RETURN = r"""
plan:
  description: The prefixes the router should originate (C(wanted)), those it did (C(present)) and those added (C(add)).
  returned: success
  type: dict
  sample: {"wanted": ["185.230.80.0/22"], "present": [], "add": ["185.230.80.0/22"]}
commands:
  description: The configuration lines sent (in check mode, that would be sent).
  returned: success
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import CLI_LOGIN_ARGSPEC, HOST_KEY_OPTIONS, cli_login, deploy_options, run
from ..module_utils.drivers.registry import driver_for
from ..module_utils.intent.model import DeviceIntent
from ..module_utils.intent.scope import parse_blocks
from ..module_utils.plan.announce import AnnouncementPlanner
from ..module_utils.plan.deploy import deploy


def main():
    module = AnsibleModule(
        argument_spec={
            **CLI_LOGIN_ARGSPEC,
            **HOST_KEY_OPTIONS,
            "intent": {"type": "dict", "required": True},
            "within": {"type": "list", "elements": "str"},
            "host": {"type": "str"},
            "save": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    p = module.params
    intent = run(module, DeviceIntent.from_dict, p["intent"])
    blocks = run(module, parse_blocks, p["within"]) if p["within"] else None
    device = intent.device
    if device.platform != "frr":
        module.fail_json(msg="device %s: announcements are made on FRR only, not %s" % (device.name, device.platform))
    login = {"port": p["port"], "name": device.name, "save": p["save"], **cli_login(p)}
    driver = run(module, driver_for, device.platform, "netmiko", host=p["host"] or device.mgmt_host, **login)
    planner = AnnouncementPlanner(intent, blocks, module.check_mode)

    def announce():
        with driver:
            deploy(driver, planner, deploy_options(module))
        return planner.plan

    plan = run(module, announce)
    result = {"changed": plan.changed, "plan": plan.to_dict(), "commands": plan.commands()}
    if module._diff:
        result["diff"] = plan.diff()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
