# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a module that deploys to one router reaches it: the ``routesec.bgp.router_access`` options and the driver.

``router_driver`` opens nothing: it returns the driver ``drivers.registry`` chooses for the device's platform
and the module's ``transport``, with its login, and the runner to close after the run (None when there is
none).
"""

from __future__ import annotations

from .ansible_support import CONFIRM_OPTIONS, HOST_KEY_OPTIONS, host_key_options, run, runner_of
from .drivers.registry import driver_for
from .render import openconfig

TRANSPORTS = ["netmiko", "vtysh", "vtysh_local", "netconf", "file", "file_local"]

# The options of the ``routesec.bgp.router_access`` doc fragment (with ``ssh``, ``host_keys`` and ``confirm``).
ROUTER_ACCESS_OPTIONS = {
    "host": {"type": "str"},
    "port": {"type": "int", "default": 22},
    "username": {"type": "str"},
    "password": {"type": "str", "no_log": True},
    "ssh_key": {"type": "path"},
    "connect_timeout": {"type": "int", "default": 30},
    "save": {"type": "bool", "default": True},
    "transport": {"type": "str", "choices": TRANSPORTS, "default": "netmiko"},
    "netconf_port": {"type": "int", "default": 830},
    "netconf_validate": {"type": "bool", "default": True},
    "vtysh": {"type": "list", "elements": "str", "default": ["vtysh"]},
    "state_dir": {"type": "str", "default": "/var/lib/routesec"},
    "config_path": {"type": "str"},
    "main_config_path": {"type": "str"},
    "socket": {"type": "str"},
    **HOST_KEY_OPTIONS,
    **CONFIRM_OPTIONS,
}


def router_driver(module, device, subtree_filter=None):
    """``(driver, runner)`` for ``device`` (intent.model.Device) by the module's options; over NETCONF the
    running configuration is read through ``subtree_filter`` (by default the OpenConfig prefix-sets)."""
    p = module.params
    for option in ("config_path", "main_config_path", "socket"):
        if p[option] and p["transport"] not in ("file", "file_local"):
            module.fail_json(msg="%s is for transport=file or file_local, not %s" % (option, p["transport"]))
    runner = None
    if p["transport"] in ("vtysh", "vtysh_local"):
        runner = vtysh_runner(module, device)
    elif p["transport"] in ("file", "file_local"):
        runner = file_runner(module, device)
    transport = {"vtysh_local": "vtysh", "file_local": "file"}.get(p["transport"], p["transport"])
    access = connection(module, device, runner)
    if p["transport"] == "netconf" and subtree_filter:
        access["subtree_filter"] = subtree_filter
    driver = run(module, driver_for, device.platform, transport, **access)
    return driver, runner


def connect_host(module, device):
    host = module.params["host"] or device.mgmt_host
    if not host:
        module.fail_json(msg="device %s: no host to connect to (no primary IP in NetBox, no host option)" % device.name)
    return host


def vtysh_runner(module, device):
    p = module.params
    if device.platform != "frr":
        module.fail_json(
            msg="device %s: transport=%s deploys to FRR only, not %s" % (device.name, p["transport"], device.platform)
        )
    if p["transport"] == "vtysh_local":
        return runner_of(module, None)
    if not p["username"]:
        module.fail_json(msg="transport=vtysh needs username")
    return runner_of(module, connect_host(module, device), p["connect_timeout"])


def file_runner(module, device):
    p = module.params
    if p["transport"] == "file_local":
        return runner_of(module, None)
    if not p["username"]:
        module.fail_json(msg="transport=file needs username")
    return runner_of(module, connect_host(module, device), p["connect_timeout"])


def connection(module, device, runner):
    """The driver's keywords for the module's ``transport``."""
    p = module.params
    if p["transport"] in ("file", "file_local"):
        paths = {"config_path": p["config_path"], "main_path": p["main_config_path"], "socket": p["socket"]}
        return {"runner": runner, "name": device.name, **{k: v for k, v in paths.items() if v}}
    if runner is not None:
        return {
            "runner": runner,
            "state_dir": p["state_dir"],
            "vtysh": p["vtysh"],
            "name": device.name,
            "save": p["save"],
        }
    host = connect_host(module, device)
    if p["transport"] == "netconf":
        if not p["username"]:
            module.fail_json(msg="transport=netconf needs username")
        login = {"username": p["username"], "password": p["password"], "key_filename": p["ssh_key"]}
        return {
            "host": host,
            "port": p["netconf_port"],
            "timeout": p["connect_timeout"],
            "subtree_filter": openconfig.FILTER,
            "validate": p["netconf_validate"],
            "name": device.name,
            **login,
            **host_key_options(p),
        }
    if not (p["username"] and p["password"]):
        module.fail_json(
            msg="device %s (%s): transport=netmiko needs username and password" % (device.name, device.platform)
        )
    login = {"username": p["username"], "password": p["password"], "port": p["port"], "timeout": p["connect_timeout"]}
    save = {"save": p["save"]} if device.platform == "frr" else {}
    return {"host": host, "name": device.name, **login, **save, **host_key_options(p)}
