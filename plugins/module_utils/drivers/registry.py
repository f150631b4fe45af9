# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which driver reaches which platform, by which transport: the one place a device's driver is chosen.

Transports:

* ``netmiko``: the device's SSH CLI (FRR with vtysh as the login shell, the
  CLI platforms of ``cli``);
* ``vtysh``: FRR's vtysh run on the router through a runner (``runner``: over
  SSH, or on this host), with a confirm timer;
* ``file``: a daemon configured by one file and reloaded (BIRD 2, OpenBGPD),
  through a runner;
* ``netconf``: any device with a NETCONF server (``netconf``).

A new platform adds its driver class here (and its name in ``platforms``).
"""

from __future__ import annotations

from ..errors import TransportError
from ..platforms import PLATFORMS

# Imported by name (not looked up at run time) so that Ansible ships them with the modules.
from .bird2 import Bird2Driver
from .cli import AristaEosDriver, CiscoIosDriver, CiscoXrDriver, JuniperJunosDriver
from .frr import FrrDriver
from .frr_netmiko import FrrNetmikoDriver
from .netconf import NetconfDriver
from .openbgpd import OpenbgpdDriver

DRIVERS = {
    ("frr", "netmiko"): FrrNetmikoDriver,
    ("frr", "vtysh"): FrrDriver,
    ("bird2", "file"): Bird2Driver,
    ("openbgpd", "file"): OpenbgpdDriver,
    **{
        (driver.platform, "netmiko"): driver
        for driver in (CiscoIosDriver, CiscoXrDriver, AristaEosDriver, JuniperJunosDriver)
    },
}
# the transport of a platform's driver when none is named (the first in DRIVERS)
DEFAULT_TRANSPORT = {}
for _platform, _transport in DRIVERS:
    DEFAULT_TRANSPORT.setdefault(_platform, _transport)
NETCONF = "netconf"  # reaches any platform


def driver_for(platform: str, transport: str | None = None, **connection):
    """A driver for a device of ``platform`` reached by ``transport`` (its default when None), not yet open;
    ``connection`` goes to the driver's class. TransportError naming the field when none fits."""
    if platform not in PLATFORMS:
        raise TransportError(
            "platform %r is not supported (supported: %s)" % (platform, ", ".join(PLATFORMS)), field="platform"
        )
    transport = transport or DEFAULT_TRANSPORT.get(platform)
    if transport == NETCONF:
        return NetconfDriver(**connection)
    driver = DRIVERS.get((platform, transport))
    if driver is None:
        reach = sorted(t for p, t in DRIVERS if p == platform) + [NETCONF]
        raise TransportError(
            "no driver deploys to platform %r over %s (its transports: %s); use state=rendered to get its "
            "configuration" % (platform, transport or "its own CLI", ", ".join(reach)),
            field="transport" if transport else "platform",
        )
    return driver(**connection)


def platforms_over(*transports: str) -> list:
    """The platforms a driver reaches over one of ``transports``, in PLATFORMS' order."""
    return [p for p in PLATFORMS if any((p, t) in DRIVERS for t in transports)]
