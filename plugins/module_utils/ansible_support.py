# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The thin layer between Ansible modules and the core: shared options and error handling."""

from __future__ import annotations

from ansible.module_utils.basic import env_fallback

from .errors import RoutesecError
from .netbox_reader import read_snapshot

NETBOX_ARGSPEC = {
    "netbox_url": {"type": "str", "required": True, "fallback": (env_fallback, ["NETBOX_URL"])},
    "netbox_token": {"type": "str", "required": True, "no_log": True, "fallback": (env_fallback, ["NETBOX_TOKEN"])},
    "validate_certs": {"type": "bool", "default": True},
    "timeout": {"type": "int", "default": 30},
}


def run(module, func, *args, **kwargs):
    """Call ``func``; a routesec refusal becomes a clean Ansible failure with its message."""
    try:
        return func(*args, **kwargs)
    except RoutesecError as exc:
        module.fail_json(msg=str(exc), changed=False, error_type=type(exc).__name__)
    return None  # not reached: fail_json exits


def netbox_records(module, kinds):
    """The NetBox records of ``kinds``, read with the module's NETBOX_ARGSPEC options (failing cleanly)."""
    p = module.params
    snapshot = run(
        module,
        read_snapshot,
        p["netbox_url"],
        p["netbox_token"],
        timeout=p["timeout"],
        validate_certs=p["validate_certs"],
        kinds=kinds,
    )
    return snapshot.records
