#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: prefix_filter
short_description: Deploy a router's announcement prefix-lists from routesec intent
version_added: 0.1.0
description:
  - Takes one router's intent from R(routesec.bgp.netbox_intent,ansible_collections.routesec.bgp.netbox_intent_module)
    and brings the router's prefix-lists to it, or renders them for the router's platform.
  - With O(state=deployed) it reads the running configuration, plans the smallest change (entries
    that stay keep their sequence numbers), refuses a list that would become empty or shrink by more
    than O(max_shrink_percent), pushes, reads the router back to confirm, and restores the previous
    lists if the router did not end up as planned. C(changed) comes from that read-back.
  - In check mode it connects, reads and plans, and sends nothing; with C(--diff) it shows the
    unified diff of the lists.
  - On every transport that logs in, the device's SSH host key is checked first (O(known_hosts) or O(hostkey)); a
    key that does not match or is not known fails the task before the login, so nothing is sent, in check mode too.
  - Every transport goes through the same deployment (read, plan, guards, load, compare, commit confirmed,
    post-change checks, confirm or roll back); an option a transport cannot honour is refused before anything
    is sent, never ignored.
  - Deploys to C(frr). With O(transport=netmiko) netmiko drives vtysh over SSH line by line; it has no confirm
    timer, so O(confirm_timeout) other than 0 is refused (the default commits without one), and O(wait_established)
    and O(prefix_bounds) are checked after the push, which is sent back when they fail. With
    O(transport=vtysh) (on the router, through an SSH shell account) or O(transport=vtysh_local) (an FRR
    on the controller's host) the change is sent as one file to C(vtysh -f), which FRR reads several
    times faster, under a confirm timer the module leaves on the router (O(confirm_timeout)); the change
    is confirmed only once the BGP sessions in O(wait_established) are Established, else sent back, and a
    run that loses its connection is sent back by the timer. One run at a time per router (a lock in
    O(state_dir)). A list in which no entry stays is replaced as a whole.
  - Deploys to C(cisco_ios), C(cisco_iosxr), C(arista_eos) and C(juniper_junos) over their CLI (netmiko,
    O(transport=netmiko)). The lists are redefined whole as the renderer writes them, under the device's own
    commit-confirmed (IOS revert timer, IOS-XR and Junos C(commit confirmed), EOS session C(commit timer)) for
    O(confirm_timeout), and confirmed at once (O(wait_established) and O(prefix_bounds) are refused, since
    post-change checks are FRR and BIRD only so far). These drivers are tested against emulated routers, not yet
    against real ones.
  - With O(transport=netconf) the lists are deployed to any platform as OpenConfig prefix-sets
    (C(openconfig-routing-policy), served over NETCONF by IOS-XR, Junos, Nokia SR OS and EOS). The guards
    compare the sets read from running with the intent, then one C(<edit-config>) of the candidate adds and
    deletes only the prefixes that differ (other prefix-sets are left alone), committed with a confirmed commit
    the device reverts unless confirmed within O(confirm_timeout) (or when the session drops), and confirmed
    once running reads back as the candidate. Prefix-sets have no deny entries, so a list with one is refused.
    Login with O(username) and O(ssh_key) or O(password); the device's host key is checked (C(known_hosts) or
    O(hostkey)).
  - O(state=rendered) renders for every platform
    (C(frr), C(bird2), C(openbgpd), C(cisco_ios), C(cisco_iosxr), C(juniper_junos), C(arista_eos),
    C(nokia_sros)) without connecting.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.controller
  - routesec.bgp.router_access
  - routesec.bgp.ssh
  - routesec.bgp.host_keys
  - routesec.bgp.confirm
options:
  intent:
    description: One device's intent, an item of the RV(routesec.bgp.netbox_intent#module:devices) result.
    type: dict
    required: true
  state:
    description:
      - C(deployed) pushes to the router; C(rendered) returns the configuration without connecting.
    type: str
    choices: [deployed, rendered]
    default: deployed
  transport:
    description: How the change reaches the router (see the description).
    type: str
    choices: [netmiko, vtysh, vtysh_local, netconf]
    default: netmiko
  max_shrink_percent:
    description: Refuse a change that removes more than this share of a list's entries.
    type: float
    default: 25
  allow_shrink:
    description: Push a change even if it shrinks a list by more than O(max_shrink_percent).
    type: bool
    default: false
  allow_empty:
    description: Push a list even if it would have no entries.
    type: bool
    default: false
requirements:
  - netmiko (for O(transport=netmiko)), paramiko (for O(transport=vtysh)), ncclient (for O(transport=netconf))
attributes:
  check_mode:
    support: full
    description: Connects and reads, sends nothing.
  diff_mode:
    support: full
    description: Returns the unified diff of the managed lists, running against candidate.
"""

EXAMPLES = r"""
- name: Deploy through vtysh on the router, confirmed once the transit session is back up
  routesec.bgp.prefix_filter:
    intent: "{{ routesec_intent.devices[inventory_hostname] }}"
    transport: vtysh
    username: routesec
    ssh_key: ~/.ssh/routesec
    confirm_timeout: 120
    wait_established: [198.18.0.100]

- name: Deploy announcement filters
  routesec.bgp.prefix_filter:
    intent: "{{ hostvars['localhost'].routesec_intent.devices[inventory_hostname] }}"
    port: 22
    username: "{{ ansible_user }}"
    password: "{{ ansible_password }}"

- name: Deploy as OpenConfig prefix-sets over NETCONF, reverted by the router unless confirmed in two minutes
  routesec.bgp.prefix_filter:
    intent: "{{ routesec_intent.devices[inventory_hostname] }}"
    transport: netconf
    username: routesec
    ssh_key: ~/.ssh/routesec
    confirm_timeout: 120

- name: Render Junos configuration without connecting
  routesec.bgp.prefix_filter:
    intent: "{{ routesec_intent.devices['edge1'] }}"
    state: rendered
  register: junos
"""

RETURN = r"""
commands:
  description: Lines sent (or, in check mode, that would be sent) to the router.
  returned: state=deployed
  type: list
  elements: str
  sample: ["ip prefix-list ROUTESEC-OWN-V4 seq 15 permit 185.230.78.0/24"]
before:
  description: Each managed list's lines on the router before the change.
  returned: state=deployed
  type: dict
after:
  description: Each managed list's lines after the change (planned, in check mode).
  returned: state=deployed
  type: dict
rendered:
  description: The lists in the platform's configuration syntax.
  returned: state=rendered
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import deploy_options, run
from ..module_utils.intent.model import DeviceIntent
from ..module_utils.plan.deploy import deploy, list_result, prefix_list_plan
from ..module_utils.render import render_prefix_lists
from ..module_utils.router_access import ROUTER_ACCESS_OPTIONS, router_driver


def main():
    module = AnsibleModule(
        argument_spec={
            "intent": {"type": "dict", "required": True},
            "state": {"type": "str", "choices": ["deployed", "rendered"], "default": "deployed"},
            "max_shrink_percent": {"type": "float", "default": 25},
            "allow_shrink": {"type": "bool", "default": False},
            "allow_empty": {"type": "bool", "default": False},
            **ROUTER_ACCESS_OPTIONS,
            "transport": {
                "type": "str",
                "choices": ["netmiko", "vtysh", "vtysh_local", "netconf"],
                "default": "netmiko",
            },
        },
        supports_check_mode=True,
    )
    p = module.params
    intent = run(module, DeviceIntent.from_dict, p["intent"])
    device = intent.device
    if p["state"] == "rendered":
        rendered = run(module, render_prefix_lists, device.platform, intent.prefix_lists)
        module.exit_json(changed=False, rendered=rendered)
    options = deploy_options(
        module,
        max_shrink_percent=p["max_shrink_percent"],
        allow_empty=p["allow_empty"],
        allow_shrink=p["allow_shrink"],
    )
    driver, runner = router_driver(module, device)
    syntax = "openconfig" if p["transport"] == "netconf" else device.platform

    def deployed():
        with driver:
            return list_result(deploy(driver, prefix_list_plan(intent.prefix_lists, syntax), options))

    try:
        module.exit_json(**run(module, deployed))
    finally:
        if runner is not None:
            runner.close()


if __name__ == "__main__":
    main()
