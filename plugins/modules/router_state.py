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
  - Connects to the router over SSH (netmiko; BIRD 2 and OpenBGPD as below), reads its running configuration and
    returns what compliance checks compare with NetBox, parsed - every prefix-list with its entries, on FRR and
    BIRD 2 the RTR caches (FRR's C(rpki) section, BIRD's C(protocol rpki) blocks), and on FRR, BIRD 2 and OpenBGPD
    the BGP sessions' policy. The running configuration itself is not returned (it may hold secrets).
  - BIRD 2 (V(bird2)) is read as R(routesec.bgp.daemon_config,ansible_collections.routesec.bgp.daemon_config_module)
    deploys it - its configuration file O(path), over SSH (SFTP) or on this host when O(host) is omitted - with
    every C(include)d file read in its place, as BIRD does (an include by wildcard is refused). Its prefix sets
    (C(define NAME = [...])) are the prefix-lists.
  - OpenBGPD (V(openbgpd)) is read the same way - its bgpd.conf O(path), with every C(include)d file (an absolute
    path, as bgpd reads a relative one from its working directory) read in its place. Its C(prefix-set)s are the
    prefix-lists.
  - Reads only; check mode reads the same. The router's SSH host key is checked before logging in (O(known_hosts) or
    O(hostkey)).
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.controller
  - routesec.bgp.read_only
  - routesec.bgp.host_keys
options:
  port:
    description: SSH port.
    type: int
    default: 22
  username:
    description: SSH user (required with O(host)).
    type: str
  password:
    description: SSH password (required except for V(bird2) and V(openbgpd), which can log in with O(ssh_key)).
      Never logged.
    type: str
  ssh_key:
    description: SSH private key file (V(bird2), V(openbgpd)).
    type: path
  platform:
    description: The router's platform (as in the intent of R(routesec.bgp.netbox_intent,ansible_collections.routesec.bgp.netbox_intent_module)).
    type: str
    required: true
    choices: [frr, cisco_ios, cisco_iosxr, juniper_junos, arista_eos, bird2, openbgpd]
  host:
    description: Address to connect to (required except for V(bird2) and V(openbgpd), which are read on this host
      without it).
    type: str
  path:
    description: The daemon's configuration file (V(bird2), default C(/etc/bird/bird.conf); V(openbgpd), default
      C(/etc/bgpd.conf)).
    type: str
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

- name: Read a BIRD 2 router's prefix sets and RTR caches over SSH with a key
  routesec.bgp.router_state:
    platform: bird2
    host: "{{ ansible_host }}"
    username: routesec
    ssh_key: ~/.ssh/routesec
    path: /etc/bird/bird.conf
  register: routesec_router_state

- name: Read an OpenBGPD router's prefix-sets and BGP sessions on this host
  routesec.bgp.router_state:
    platform: openbgpd
    path: /etc/bgpd.conf
  register: routesec_router_state
"""

RETURN = r"""
prefix_lists:
  description: Every prefix-list on the router (on BIRD, every prefix set), its entries as text.
  returned: success
  type: dict
  sample: {"ROUTESEC-OWN-V4": ["permit 185.230.76.0/22 le 24"]}
rtr_caches:
  description: The RTR caches the router is configured for (C(address port)); null where not read for the platform.
  returned: success
  type: list
  elements: str
  sample: ["198.18.0.20 3323"]
rov_policy:
  description:
    - What the router does with RPKI-invalid routes (FRR) - the route-maps that reject them (C(rejecting), by a C(deny)
      entry matching C(rpki invalid), or a C(call) of such a route-map), every neighbour's inbound route-map
      (C(inbound)) and the neighbours whose inbound route-map rejects them (C(validated)). Null where not read for
      the platform.
  returned: success
  type: dict
  sample: {"rejecting": ["ROUTESEC-ROV"], "inbound": {"198.18.0.100": "ROUTESEC-ROV"}, "validated": ["198.18.0.100"]}
session_policy:
  description:
    - The BGP sessions' policy on the router, for R(routesec.bgp.compliance,ansible_collections.routesec.bgp.compliance_module).
      Null where not read for the platform.
    - On FRR a list - the session policy's objects (AS-path and community lists, route-maps, and per neighbour its
      remote AS and its route-maps, maximum-prefix, default-originate and local-role) as C([key, value]) pairs.
    - On BIRD 2 and OpenBGPD a dict - C(platform); C(sessions), every BGP session of the configuration by neighbour
      address (C(remote_as), whether it has an C(import) and an C(export) policy, a C(max_prefix), its C(role));
      C(blocks), a digest of each block the session policy's file writes (BIRD's filters, C(protocol bgp) blocks
      and AS number sets; OpenBGPD's neighbours with their filter rules and its AS sets), by name.
  returned: success
  type: raw
  sample: {"platform": "bird2", "sessions": {"198.51.100.1": {"remote_as": "65000", "import": true, "export": true,
    "max_prefix": true, "role": "provider"}}, "blocks": {"filter routesec_out_customer_v4": "5d0c2f6e1a9b3c47"}}
"""

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import HOST_KEY_OPTIONS, host_key_options, run, runner_of
from ..module_utils.compliance.session_checks import session_state
from ..module_utils.drivers.registry import driver_for, platforms_over
from ..module_utils.render import bird2, frr, openbgpd, renderer
from ..module_utils.render.common import entry_text
from ..module_utils.render.frr_rov_policy import parse_rov_policy

RTR_PARSERS = {"frr": frr.parse_rtr_caches, "bird2": bird2.parse_rtr_caches}
ROV_POLICY_PARSERS = {"frr": parse_rov_policy}
# the daemons read from their configuration file, with the files it includes in place
INCLUDES = {"bird2": bird2.expand_includes, "openbgpd": openbgpd.expand_includes}
# read over their CLI, and the daemons from their files
PLATFORMS = platforms_over("netmiko") + list(INCLUDES)


def daemon_config(module, name):
    """The daemon's configuration file with its includes in place, over SSH or on this host."""
    p = module.params
    runner = runner_of(module, p["host"], p["connect_timeout"])
    try:
        path = {"config_path": p["path"]} if p["path"] else {}
        driver = driver_for(p["platform"], "file", runner=runner, name=name, **path)
        return INCLUDES[p["platform"]](driver.get_running(), driver.path, runner.read)
    finally:
        runner.close()


def running_config(module):
    p = module.params
    name = p["name"] or p["host"] or "localhost"
    if p["platform"] in INCLUDES:
        return daemon_config(module, name)
    login = {"port": p["port"], "timeout": p["connect_timeout"], "name": name, **host_key_options(p)}
    with driver_for(
        p["platform"], "netmiko", host=p["host"], username=p["username"], password=p["password"], **login
    ) as session:
        return session.get_running()


def main():
    module = AnsibleModule(
        argument_spec={
            "platform": {"type": "str", "required": True, "choices": PLATFORMS},
            "host": {"type": "str"},
            "name": {"type": "str"},
            "port": {"type": "int", "default": 22},
            "username": {"type": "str"},
            "password": {"type": "str", "no_log": True},
            "ssh_key": {"type": "path"},
            "path": {"type": "str"},
            "connect_timeout": {"type": "int", "default": 30},
            **HOST_KEY_OPTIONS,
        },
        supports_check_mode=True,
        required_if=[("platform", p, ("host", "username", "password")) for p in PLATFORMS if p not in INCLUDES],
        required_by={"host": ("username",)},
    )
    platform = module.params["platform"]
    text = run(module, running_config, module)
    lists = run(module, renderer(platform).parse_prefix_lists, text)
    parse_caches = RTR_PARSERS.get(platform)
    parse_policy = ROV_POLICY_PARSERS.get(platform)
    module.exit_json(
        changed=False,
        prefix_lists={
            name: [entry_text(e) for _seq, e in sorted(entries.items())] for (_afi, name), entries in lists.items()
        },
        rtr_caches=parse_caches(text) if parse_caches else None,
        rov_policy=parse_policy(text) if parse_policy else None,
        session_policy=run(module, session_state, platform, text),
    )


if __name__ == "__main__":
    main()
