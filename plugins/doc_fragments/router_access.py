# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  host:
    description: Address to connect to. Defaults to the device's primary IP from NetBox.
    type: str
  connect_timeout:
    description: Seconds to wait for the SSH connection and each answer.
    type: int
    default: 30
  save:
    description: Save the configuration on the router after a successful change.
    type: bool
    default: true
  transport:
    description: How the change reaches the router (see the module's description).
    type: str
    choices: [netmiko, vtysh, vtysh_local, netconf, file, file_local]
    default: netmiko
  netconf_port:
    description: The NETCONF over SSH port (O(transport=netconf)).
    type: int
    default: 830
  netconf_validate:
    description:
      - Have the device validate the candidate (C(<validate>)) before the commit (O(transport=netconf)), when it
        offers C(:validate). Turn off for servers that mishandle it (yuma123 C(netconfd) 2.13 drops the
        candidate's edits when a commit follows C(<validate>); the read-back after the commit catches that).
    type: bool
    default: true
  vtysh:
    description: The vtysh command and its options on the router (O(transport=vtysh) and O(transport=vtysh_local)),
      for example with C(--vty_socket) and C(--config_dir) for an FRR in its own path namespace.
    type: list
    elements: str
    default: [vtysh]
  config_path:
    description:
      - The file the change replaces on the router (O(transport=file) over SSH, O(transport=file_local) on the
        controller's host), checked by the daemon (C(bird -p), C(bgpd -n)) and activated with its own
        commit-confirmed. Default, the daemon's configuration file (C(/etc/bird/bird.conf)).
    type: str
  main_config_path:
    description:
      - The configuration the daemon runs, which includes O(config_path) (BIRD C(include "FILE";), OpenBGPD
        C(include "FILE")); the candidate is checked (and run, on BIRD) through a copy of it, and the main file
        itself is never changed.
    type: str
  socket:
    description: The daemon's control socket (O(transport=file)); default C(/run/bird/bird.ctl), C(/run/openbgpd/bgpd.sock).
    type: str
  state_dir:
    description: Folder on the router for the change files, the confirm timer's marker and the lock.
    type: str
    default: /var/lib/routesec
"""
