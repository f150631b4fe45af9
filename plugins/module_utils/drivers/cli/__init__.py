# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Routers configured over their SSH CLI (netmiko): Cisco IOS/IOS-XE, IOS-XR, Arista EOS, Juniper Junos.

One base class holds the SSH session, the prompt handling and the verbs of the
driver interface; each platform class says which commands stage a candidate,
show it, commit it with a timer, confirm and roll back.

A candidate is configuration text in the platform's own CLI form, merged into
the running configuration: what the renderers produce (an object is redefined
whole, ``no ...`` first; for Junos the curly form with ``replace:`` tags), or
``set``/``delete`` commands on Junos. Lines that are empty or start with ``!``
are comments and are not sent.

How each platform keeps the interface's promises (details in each class):

* IOS-XR: lock ``configure exclusive``; the candidate is the target configuration
  (each line checked as it is typed), compared with ``show configuration merge``;
  ``commit confirmed S`` (30-65535 s), confirmed by ``commit``; rollback ``end``
  + ``yes`` while unconfirmed, else ``rollback configuration last 1``.
* EOS: lock: its own named session and no other one pending (cooperative); the
  candidate is that session, compared by ``show session-config named N diffs``;
  ``configure session N commit timer hh:mm:ss``, confirmed by ``configure
  session N commit``; rollback ``configure session N abort`` while unconfirmed,
  else ``configure replace`` of a copy taken before the commit.
* Junos: lock ``configure exclusive``; ``load replace|set terminal`` and ``commit
  check``; ``commit confirmed M`` (minutes), confirmed by ``commit check``;
  rollback ``rollback 1`` + ``commit``.
* IOS: lock ``configure terminal lock``; no candidate on the device: the result
  is predicted, applied under ``configure terminal revert timer M`` and checked
  against the prediction, confirmed by ``configure confirm``; rollback
  ``configure revert now`` while unconfirmed, else ``configure replace`` of an
  archive taken before the commit.

``compare()`` is a unified diff of the configuration texts the device prints
(lines that change on every print, such as time stamps, left out); EOS gives
its own unified diff. ``confirm()`` first checks that the running configuration
is still the one committed: if the device's timer went back already (or another
session changed it), it refuses instead of confirming something else.

Leaving the context discards an uncommitted candidate and releases the lock.
With a commit still waiting for confirmation, leaving closes the connection
without the CLI's exit sequence, so the device's own timer decides, exactly as
when the connection is lost. The driver knows the prompt by the device's name,
so a candidate must not rename the device.

Not checked against real routers (none runs here): the command sequences and
the answers they expect follow the vendors' documentation and published
transcripts of real devices; the unit tests run them against emulated devices.
"""

from __future__ import annotations

# Imported by name so that Ansible ships them with the modules.
from .arista_eos import AristaEosDriver
from .cisco_ios import CiscoIosDriver
from .cisco_iosxr import CiscoXrDriver
from .juniper_junos import JuniperJunosDriver

__all__ = ["AristaEosDriver", "CiscoIosDriver", "CiscoXrDriver", "JuniperJunosDriver"]
