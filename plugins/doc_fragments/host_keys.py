# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  known_hosts:
    description:
      - The known_hosts file (OpenSSH format) the device's SSH host key is checked against, before logging in.
        A device on a port other than 22 is looked up as C([host]:port), as OpenSSH does.
      - Defaults to C(~/.ssh/known_hosts) of the user running the module.
    type: path
  hostkey:
    description:
      - The device's SSH host key, pinned - a public key line (C(ssh-ed25519 AAAA... comment), as in the device's
        C(/etc/ssh/ssh_host_ed25519_key.pub)), a known_hosts line or its base64 part. Checked instead of
        O(known_hosts).
    type: str
  hostkey_verify:
    description:
      - Check the device's SSH host key (against O(hostkey) or O(known_hosts)) before logging in. A key that does
        not match, or a device whose key is not known, fails the task and nothing is sent to the device (no password,
        no command).
      - V(false) is the explicit opt-out - any key is accepted, so anyone on the network path can pose as the device
        and receive the login. Keep it for throw-away labs.
    type: bool
    default: true
"""
