#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: daemon_config
short_description: Deploy a BIRD 2 or OpenBGPD configuration file, checked by the daemon, commit-confirmed
version_added: 0.1.0
description:
  - Brings a routing daemon configured by one file (BIRD 2, OpenBGPD) to O(config), on this host or on a router
    over SSH. The daemon's own parser checks the candidate first (C(bird -p), C(bgpd -n)); a refused candidate
    changes nothing.
  - With O(confirm_timeout), the change runs under a timer (BIRD's own C(configure ... timeout); for OpenBGPD a
    watchdog the driver leaves on the router) that goes back to the previous configuration unless confirmed; it
    is confirmed only once the sessions in O(wait_established) are Established, else it is rolled back and the
    task fails. A run that loses its connection before confirming is undone by the timer.
  - One run at a time per daemon (a lock directory beside the file). Check mode shows the diff and changes
    nothing; a re-run with the same O(config) changes nothing.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.controller
  - routesec.bgp.ssh
  - routesec.bgp.host_keys
  - routesec.bgp.confirm
options:
  platform:
    description: The daemon.
    type: str
    required: true
    choices: [bird2, openbgpd]
  config:
    description: The whole configuration file the daemon should run.
    type: str
    required: true
  path:
    description: Its configuration file (default C(/etc/bird/bird.conf), C(/etc/bgpd.conf)).
    type: str
  socket:
    description: Its control socket (default C(/run/bird/bird.ctl), C(/run/openbgpd/bgpd.sock)).
    type: str
  host:
    description: The router to reach over SSH (its host key checked before logging in); on this host when omitted.
    type: str
attributes:
  check_mode:
    support: full
    description: Has the daemon check the candidate and shows its diff; changes nothing.
  diff_mode:
    support: full
    description: The unified diff of the configuration file, running against candidate.
"""

EXAMPLES = r"""
- name: BIRD on a route server, confirmed once both upstream sessions are up
  routesec.bgp.daemon_config:
    platform: bird2
    config: "{{ lookup('ansible.builtin.template', 'bird.conf.j2') }}"
    host: "{{ ansible_host }}"
    username: routesec
    ssh_key: ~/.ssh/routesec
    confirm_timeout: 120
    wait_established: [upstream1, upstream2]
  delegate_to: localhost
"""

RETURN = r"""
config_diff:
  description: The unified diff from the running file to O(config) ("" when equal); also shown with C(--diff).
  returned: success
  type: str
confirmed:
  description: Whether a change was committed and confirmed.
  returned: success
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import (
    CONFIRM_OPTIONS,
    HOST_KEY_OPTIONS,
    deploy_options,
    exit_with_config_diff,
    run,
    runner_of,
)
from ..module_utils.drivers.registry import driver_for, platforms_over
from ..module_utils.plan.deploy import deploy


def driver_of(module, runner):
    p = module.params
    options = {key: p[key] for key in ("path", "socket") if p[key]}
    if "path" in options:
        options["config_path"] = options.pop("path")
    return run(module, driver_for, p["platform"], "file", runner=runner, name=p["host"] or "localhost", **options)


def deployed(module, driver):
    with driver:
        outcome = deploy(driver, module.params["config"], deploy_options(module))
    return outcome.diff, outcome.committed


def main():
    module = AnsibleModule(
        argument_spec={
            "platform": {"type": "str", "required": True, "choices": platforms_over("file")},
            "config": {"type": "str", "required": True},
            "path": {"type": "str"},
            "socket": {"type": "str"},
            "host": {"type": "str"},
            "port": {"type": "int", "default": 22},
            "username": {"type": "str"},
            "password": {"type": "str", "no_log": True},
            "ssh_key": {"type": "path"},
            **HOST_KEY_OPTIONS,
            **CONFIRM_OPTIONS,
        },
        supports_check_mode=True,
        required_by={"host": ("username",)},
    )
    runner = runner_of(module, module.params["host"])
    try:
        diff, confirmed = run(module, deployed, module, driver_of(module, runner))
    finally:
        runner.close()
    exit_with_config_diff(module, diff, confirmed)


if __name__ == "__main__":
    main()
