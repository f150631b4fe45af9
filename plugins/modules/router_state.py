#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: router_state
short_description: Read a router's prefix-lists and RTR sessions, for compliance checks
version_added: 0.1.0
description:
  - Connects to the router over SSH (netmiko), reads its running configuration and returns what compliance
    checks compare with NetBox, parsed - every prefix-list with its entries and, on FRR, the RTR caches of its
    C(rpki) section. The running configuration itself is not returned (it may hold secrets).
  - Reads only; check mode reads the same.
author: routesec maintainers (@routesec)
options:
  port:
    description: SSH port.
    type: int
    default: 22
  username:
    description: SSH user.
    type: str
    required: true
  password:
    description: SSH password. Never logged.
    type: str
    required: true
  platform:
    description: The router's platform (as in the intent of R(routesec.bgp.netbox_intent,ansible_collections.routesec.bgp.netbox_intent_module)).
    type: str
    required: true
    choices: [frr, cisco_ios, cisco_iosxr, arista_eos, juniper_junos]
  host:
    description: Address to connect to.
    type: str
    required: true
  name:
    description: The router's name, for messages.
    type: str
  connect_timeout:
    description: Seconds to wait for the SSH connection and each answer.
    type: int
    default: 30
"""

EXAMPLES = r"""
- name: Read the router's filters and RTR sessions
  routesec.bgp.router_state:
    platform: "{{ routesec_intent.devices[inventory_hostname].platform }}"
    host: "{{ routesec_intent.devices[inventory_hostname].mgmt_host }}"
    username: "{{ routesec_ssh_username }}"
    password: "{{ routesec_ssh_password }}"
  register: routesec_router_state
"""

RETURN = r"""
prefix_lists:
  description: Every prefix-list on the router, its entries as text.
  returned: success
  type: dict
  sample: {"ROUTESEC-OWN-V4": ["permit 185.230.76.0/22 le 24"]}
rtr_caches:
  description: The RTR caches the router is configured for (C(address port)); null where not read for the platform.
  returned: success
  type: list
  elements: str
  sample: ["198.18.0.20 3323"]
"""

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import run
from ..module_utils.drivers.cli import DRIVERS as CLI_DRIVERS
from ..module_utils.render import renderer
from ..module_utils.render.common import entry_text
from ..module_utils.render.frr import parse_rtr_caches
from ..module_utils.transports import transport_for

RTR_PARSERS = {"frr": parse_rtr_caches}


def running_config(module):
    p = module.params
    name = p["name"] or p["host"]
    if p["platform"] in CLI_DRIVERS:
        args = (p["host"], p["username"], p["password"])
        session = CLI_DRIVERS[p["platform"]](*args, port=p["port"], timeout=p["connect_timeout"], name=name)
    else:
        login = {"username": p["username"], "password": p["password"], "timeout": p["connect_timeout"]}
        session = transport_for(p["platform"], host=p["host"], port=p["port"], name=name, **login)
    with session:
        return session.get_running()


def main():
    module = AnsibleModule(
        argument_spec={
            "platform": {
                "type": "str",
                "required": True,
                "choices": ["frr", "cisco_ios", "cisco_iosxr", "arista_eos", "juniper_junos"],
            },
            "host": {"type": "str", "required": True},
            "name": {"type": "str"},
            "port": {"type": "int", "default": 22},
            "username": {"type": "str", "required": True},
            "password": {"type": "str", "no_log": True, "required": True},
            "connect_timeout": {"type": "int", "default": 30},
        },
        supports_check_mode=True,
    )
    platform = module.params["platform"]
    text = run(module, running_config, module)
    lists = run(module, renderer(platform).parse_prefix_lists, text)
    parse_caches = RTR_PARSERS.get(platform)
    module.exit_json(
        changed=False,
        prefix_lists={
            name: [entry_text(e) for _seq, e in sorted(entries.items())] for (_afi, name), entries in lists.items()
        },
        rtr_caches=parse_caches(text) if parse_caches else None,
    )


if __name__ == "__main__":
    main()
