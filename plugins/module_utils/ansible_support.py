# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The thin layer between Ansible modules and the core: shared options and error handling."""

from __future__ import annotations

from ansible.module_utils.basic import env_fallback

from .errors import RoutesecError

# What only some modules use (drivers with their SSH and NETCONF libraries, the NetBox client, the deploy
# plan) is imported where it is used: every module run is a new process, and these imports are most of its start.

NETBOX_ARGSPEC = {
    "netbox_url": {"type": "str", "required": True, "fallback": (env_fallback, ["NETBOX_API", "NETBOX_URL"])},
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


def netbox_snapshot(module, kinds):
    """The NetBox snapshot of ``kinds`` (records, API calls), read with the module's NETBOX_ARGSPEC options
    (failing cleanly)."""
    from .netbox.reader import read_snapshot

    p = module.params
    return run(
        module,
        read_snapshot,
        p["netbox_url"],
        p["netbox_token"],
        timeout=p["timeout"],
        validate_certs=p["validate_certs"],
        kinds=kinds,
    )


def netbox_records(module, kinds):
    """The NetBox records of ``kinds`` (see netbox_snapshot)."""
    return netbox_snapshot(module, kinds).records


# The options of the ``routesec.bgp.within``, ``routesec.bgp.cli_login`` and ``routesec.bgp.host_keys`` doc
# fragments.
WITHIN_OPTION = {"within": {"type": "list", "elements": "str"}}
CLI_LOGIN_ARGSPEC = {
    "port": {"type": "int", "default": 22},
    "username": {"type": "str", "required": True},
    "password": {"type": "str", "no_log": True, "required": True},
    "connect_timeout": {"type": "int", "default": 30},
}
HOST_KEY_OPTIONS = {
    "known_hosts": {"type": "path"},
    "hostkey": {"type": "str", "no_log": False},
    "hostkey_verify": {"type": "bool", "default": True},
}


def host_key_options(params):
    """The keywords of the ``host_keys`` options in ``params``, as every driver, runner and transport takes them."""
    return {name: params[name] for name in HOST_KEY_OPTIONS}


def cli_login(params):
    """The transport keywords of the ``cli_login`` and ``host_keys`` options in ``params``."""
    login = {"username": params["username"], "password": params["password"], "timeout": params["connect_timeout"]}
    return {**login, **host_key_options(params)}


def scoped_netbox_records(module, kinds):
    """netbox_records narrowed to the module's ``within`` blocks when it has any (see scope.scoped_records)."""
    records = netbox_records(module, kinds)
    if not module.params.get("within"):
        return records
    from .intent.scope import parse_blocks, scoped_records

    blocks = run(module, parse_blocks, module.params["within"])
    return run(module, scoped_records, records, blocks)


# The options of the ``routesec.bgp.confirm`` doc fragment, for a module's argument_spec.
CONFIRM_OPTIONS = {
    "confirm_timeout": {"type": "int"},
    "wait_established": {"type": "list", "elements": "str", "default": []},
    "established_timeout": {"type": "int", "default": 60},
    "prefix_bounds": {
        "type": "list",
        "elements": "dict",
        "default": [],
        "options": {
            "neighbor": {"type": "str", "required": True},
            "direction": {"type": "str", "choices": ["accepted", "sent"], "default": "accepted"},
            "min": {"type": "int"},
            "max": {"type": "int"},
        },
    },
}


def deploy_options(module, **guards):
    """DeployOptions from the module's check mode, its ``confirm`` options and the guard keywords ``guards``."""
    from .plan.deploy import DeployOptions

    confirm = {name: module.params[name] for name in CONFIRM_OPTIONS if name in module.params}
    return DeployOptions(check_mode=module.check_mode, **confirm, **guards)


def runner_of(module, host, timeout=60):
    """The runner reaching ``host`` over SSH with the module's login and ``host_keys`` options (this host when
    ``host`` is None), ``timeout`` seconds for each command, failing cleanly."""
    from .drivers.runner import LocalRunner, SshRunner

    p = module.params
    if not host:
        return LocalRunner(timeout)
    login = (p["username"], p["password"], p["ssh_key"], p["port"], timeout)
    return run(module, SshRunner, host, *login, **host_key_options(p))


def netconf_driver(module, host, port, timeout, **options):
    """A NetconfDriver for ``host`` with the module's login and ``host_keys`` options."""
    from .drivers.netconf import NetconfDriver

    p = module.params
    login = {"username": p["username"], "password": p["password"], "key_filename": p["ssh_key"]}
    login.update(host_key_options(p))
    return run(module, NetconfDriver, host, port=port, timeout=timeout, **login, **options)


def exit_with_config_diff(module, diff, confirmed):
    """End a whole-configuration module: changed when there was a diff, shown with ``--diff``."""
    result = {"changed": bool(diff), "config_diff": diff, "confirmed": confirmed}
    if module._diff and diff:
        result["diff"] = {"prepared": diff}
    module.exit_json(**result)
