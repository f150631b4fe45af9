#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: netconf_config
short_description: Bring part of a device's configuration to a given state over NETCONF, commit-confirmed
version_added: 0.1.0
description:
  - Loads O(config) into the candidate datastore of a NETCONF server (Junos, IOS-XR, Nokia SR OS and others
    with C(:candidate)), compares it with running and commits it with a confirmed commit (RFC 6241 section 8.4)
    that the device itself reverts unless confirmed within O(confirm_timeout) seconds, or when the session is
    lost. The driver confirms once running reads back as the candidate.
  - The candidate datastore is locked for the whole run, so two runs cannot interleave; the server's
    C(<validate>) checks the candidate first when O(validate) is set. A candidate the device refuses changes
    nothing.
  - O(filter) names the part of the configuration this task manages; the diff covers that part only, and a
    candidate reaching outside it is refused.
  - Check mode shows the diff and changes nothing; a re-run with the same O(config) changes nothing.
  - With O(operation=replace), a candidate that would empty a managed part that has configuration is refused
    unless O(allow_empty) is set.
author: routesec maintainers (@routesec)
requirements:
  - ncclient
extends_documentation_fragment:
  - routesec.bgp.controller
  - routesec.bgp.host_keys
options:
  host:
    description: The device's NETCONF address.
    type: str
    required: true
  port:
    description: NETCONF over SSH port.
    type: int
    default: 830
  username:
    description: SSH user.
    type: str
    required: true
  password:
    description: SSH password. Never logged.
    type: str
  ssh_key:
    description: SSH private key file.
    type: path
  config:
    description: The configuration the managed part should have, as a C(<config>) document in the device's YANG models.
    type: str
    required: true
  filter:
    description:
      - A subtree filter naming the managed part (containment nodes down to empty selection nodes), for example
        C(<policy-options xmlns="..."/>). Without it the whole configuration is managed.
    type: str
  operation:
    description:
      - C(merge) adds and changes what O(config) holds and removes nothing.
      - C(replace) makes each selection node of O(filter) exactly what O(config) has for it.
    type: str
    choices: [merge, replace]
    default: merge
  validate:
    description: Have the device validate the candidate (C(<validate>)) before anything is committed, when it offers C(:validate).
    type: bool
    default: true
  allow_empty:
    description: Allow O(operation=replace) to empty a managed part that has configuration.
    type: bool
    default: false
  confirm_timeout:
    description: Seconds the change runs unconfirmed before the device reverts it; 0 commits without a timer.
    type: int
    default: 120
  timeout:
    description: Seconds to wait for each NETCONF reply.
    type: int
    default: 30
attributes:
  check_mode:
    support: full
    description: Loads the candidate, shows its diff and discards it; the running configuration is not changed.
  diff_mode:
    support: full
    description: The unified diff of the managed part, running against candidate.
"""

EXAMPLES = r"""
- name: Customer prefix-set on an IOS-XR router, confirmed within two minutes or reverted by the router
  routesec.bgp.netconf_config:
    host: "{{ ansible_host }}"
    username: routesec
    ssh_key: ~/.ssh/routesec
    filter: '<routing-policy xmlns="http://cisco.com/ns/yang/Cisco-IOS-XR-policy-repository-cfg"/>'
    operation: replace
    config: "{{ lookup('ansible.builtin.template', 'routing-policy.xml.j2') }}"
  delegate_to: localhost
"""

RETURN = r"""
config_diff:
  description: The unified diff of the managed part from running to O(config) ("" when equal); also shown with C(--diff).
  returned: success
  type: str
confirmed:
  description: Whether a change was committed and confirmed.
  returned: success
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import HOST_KEY_OPTIONS, deploy_options, exit_with_config_diff, netconf_driver, run
from ..module_utils.drivers.netconf import is_empty
from ..module_utils.errors import SafetyError
from ..module_utils.plan.deploy import Plan, deploy


def refuse_emptying(driver):
    """Refuse a loaded candidate that leaves nothing of a managed part that has configuration."""
    if is_empty(driver.get_candidate()) and not is_empty(driver.get_running()):
        raise SafetyError(
            "config: the candidate would empty the managed part, which has configuration; nothing was "
            "changed (set allow_empty to do this)"
        )


def deployed(module, driver):
    p = module.params
    guard = refuse_emptying if p["operation"] == "replace" and not p["allow_empty"] else None
    with driver:
        outcome = deploy(driver, Plan(p["config"], check_loaded=guard), deploy_options(module))
    return outcome.diff, outcome.committed


def main():
    module = AnsibleModule(
        argument_spec={
            "host": {"type": "str", "required": True},
            "port": {"type": "int", "default": 830},
            "username": {"type": "str", "required": True},
            "password": {"type": "str", "no_log": True},
            "ssh_key": {"type": "path", "no_log": False},
            **HOST_KEY_OPTIONS,
            "config": {"type": "str", "required": True},
            "filter": {"type": "str"},
            "operation": {"type": "str", "choices": ["merge", "replace"], "default": "merge"},
            "validate": {"type": "bool", "default": True},
            "allow_empty": {"type": "bool", "default": False},
            "confirm_timeout": {"type": "int", "default": 120},
            "timeout": {"type": "int", "default": 30},
        },
        supports_check_mode=True,
    )
    p = module.params
    options = {key: p[key] for key in ("operation", "validate")}
    driver = netconf_driver(module, p["host"], p["port"], p["timeout"], subtree_filter=p["filter"], **options)
    exit_with_config_diff(module, *run(module, deployed, module, driver))


if __name__ == "__main__":
    main()
