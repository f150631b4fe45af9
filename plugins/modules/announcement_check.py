#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: announcement_check
short_description: Verify from outside that our announcement is accepted and RPKI-valid
version_added: 0.1.0
description:
  - Asks an observer running FRR (an upstream's router, a route collector or a looking glass reachable over SSH
    with vtysh as the shell) for each of O(prefixes), and checks that its best path comes from O(origin_asn);
    and checks against the VRPs the RPKI holds (O(current_vrps)) that this origin is RPKI-valid.
  - With O(current_aspas), also verifies the observer's best path against the ASPAs the RPKI holds
    (draft-ietf-sidrops-aspa-verification, in O(aspa_direction)); a path the ASPA data does not explain
    (a leak, or a provider missing from our ASPA) is a problem.
  - Asks again every 2 seconds for up to O(wait) seconds while a check fails (BGP and the RPKI take a moment to
    converge, and O(current_vrps) and O(current_aspas) are read again each time), then fails naming every problem.
  - Reads only.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.controller
  - routesec.bgp.cli_login
  - routesec.bgp.host_keys
options:
  prefixes:
    description: The prefixes announced.
    type: list
    elements: str
    required: true
  origin_asn:
    description: The AS that originates them.
    type: int
    required: true
  current_vrps:
    description: The VRPs the RPKI holds (a validator's JSON or CSV export).
    type: path
    required: true
  current_aspas:
    description:
      - The ASPAs the RPKI holds (rpki-client's JSON, the file of O(current_vrps) when it is rpki-client's).
      - Without it the paths are not verified.
    type: path
  aspa_direction:
    description:
      - How the observer received the route from its neighbour. V(upstream) from a customer or a lateral peer
        (a route collector, a looking glass of a peer); V(downstream) from one of its providers.
    type: str
    choices: [upstream, downstream]
    default: upstream
  platform:
    description: The observer's platform.
    type: str
    choices: [frr]
    default: frr
  host:
    description: The observer's address.
    type: str
    required: true
  wait:
    description: Seconds to keep asking while a check fails.
    type: int
    default: 60
attributes:
  check_mode:
    support: full
    description: Reads only, in check mode too.
  diff_mode:
    support: none
    description: Reads only; there is nothing to diff.
"""

EXAMPLES = r"""
- name: The new block is seen from us and RPKI-valid upstream
  routesec.bgp.announcement_check:
    prefixes: [185.230.80.0/22]
    origin_asn: 64500
    current_vrps: /var/lib/rpki-client/json
    host: lg.example.net
    username: lg
    password: "{{ vault_lg_password }}"
"""

RETURN = r"""
checks:
  description:
    - Per prefix whether the observer sees it from our origin (C(seen), C(origins) best first) and its RPKI state.
    - With O(current_aspas), the best path (C(path)) and its ASPA state (C(aspa)).
  returned: always
  type: list
  elements: dict
  sample: [{"prefix": "185.230.80.0/22", "origin": 64500, "seen": true, "origins": [64500], "rpki": "valid",
            "path": "64510 64500", "aspa": "valid", "problems": []}]
problems:
  description: Every problem found.
  returned: always
  type: list
  elements: str
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import CLI_LOGIN_ARGSPEC, HOST_KEY_OPTIONS, cli_login, run
from ..module_utils.compliance.announcement_check import check_announcement, observed_paths, show_command
from ..module_utils.drivers.registry import driver_for
from ..module_utils.intent.model import parse_prefix
from ..module_utils.rpki.aspa import read_aspas
from ..module_utils.rpki.rov import RovIndex
from ..module_utils.rpki.vrp import read_vrps

POLL_SECONDS = 2


def verify(p, prefixes):
    login = cli_login(p)
    deadline = time.monotonic() + p["wait"]
    with driver_for(p["platform"], "netmiko", host=p["host"], port=p["port"], **login) as observer:
        while True:
            rov = RovIndex(read_vrps(p["current_vrps"]))
            aspas = read_aspas(p["current_aspas"]) if p["current_aspas"] else None
            checks = [
                check_announcement(
                    prefix,
                    p["origin_asn"],
                    observed_paths(observer.show(show_command(prefix)), prefix, p["host"]),
                    rov,
                    aspas,
                    p["aspa_direction"],
                )
                for prefix in prefixes
            ]
            if not any(c["problems"] for c in checks) or time.monotonic() >= deadline:
                return checks
            time.sleep(POLL_SECONDS)


def main():
    module = AnsibleModule(
        argument_spec={
            **CLI_LOGIN_ARGSPEC,
            **HOST_KEY_OPTIONS,
            "prefixes": {"type": "list", "elements": "str", "required": True},
            "origin_asn": {"type": "int", "required": True},
            "current_vrps": {"type": "path", "required": True},
            "current_aspas": {"type": "path"},
            "aspa_direction": {"type": "str", "choices": ["upstream", "downstream"], "default": "upstream"},
            "platform": {"type": "str", "choices": ["frr"], "default": "frr"},
            "host": {"type": "str", "required": True},
            "wait": {"type": "int", "default": 60},
        },
        supports_check_mode=True,
    )
    prefixes = [run(module, parse_prefix, value, "option prefixes", "prefixes") for value in module.params["prefixes"]]
    checks = run(module, verify, module.params, prefixes)
    problems = [text for check in checks for text in check["problems"]]
    if problems:
        module.fail_json(
            msg="the announcement is not as planned: %s" % "; ".join(problems), checks=checks, problems=problems
        )
    module.exit_json(changed=False, checks=checks, problems=problems)


if __name__ == "__main__":
    main()
