# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a device's SSH host key is checked, for every SSH path (paramiko, netmiko, ncclient).

``HostKeys(known_hosts=None, hostkey=None, hostkey_verify=True)``: the key the device must offer is the
pinned ``hostkey`` (a public key line, a known_hosts line or its base64 part) or else the one a known_hosts
file (default ``~/.ssh/known_hosts``) holds for it, looked up as OpenSSH does: ``host`` on port 22,
``[host]:port`` on any other. ``hostkey_verify=False`` is the explicit opt-out: any key is accepted.

The libraries check the key after the key exchange and before authentication, so a refused key ends the
connection before the password (or a key) is offered. Each context manager below sets its library up
to check, and turns the library's refusal into ``HostKeyError`` naming the device, its address and what
the key was checked against:

* ``paramiko_checked(client, host, port, where)``: loads the expected keys into a paramiko ``SSHClient``
  and rejects any other;
* ``netmiko_checked(host, port, where)`` yields netmiko's keyword arguments (``ssh_strict`` and a
  known_hosts file holding the expected keys only, removed once the body has connected);
* ``ncclient_checked(host, port, where, mismatch_errors)`` yields ncclient's (the expected key pinned).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import tempfile

from . import DriverError

try:
    import paramiko
    from paramiko.hostkeys import InvalidHostKey
except ImportError:  # pragma: no cover - reported by the module's missing_required_lib
    paramiko = None

DEFAULT_KNOWN_HOSTS = "~/.ssh/known_hosts"
UNKNOWN_HOST_MARK = "not found in known_hosts"  # paramiko's RejectPolicy, which netmiko wraps in its own error
NOT_LOGGED_IN = "Nothing was sent: the connection was closed before logging in."
NOT_CONNECTED = "Nothing was sent: no connection was made."


class HostKeyError(DriverError):
    """The device's SSH host key is not the one expected (or none is known); nothing was sent to it."""


class HostKeys:
    def __init__(self, known_hosts=None, hostkey=None, hostkey_verify=True):
        self.known_hosts = os.path.expanduser(known_hosts or DEFAULT_KNOWN_HOSTS)
        self.hostkey = hostkey
        self.verify = hostkey_verify

    # -- the libraries --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def paramiko_checked(self, client, host, port, where):
        if not self.verify:
            client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # in memory only: nothing is saved
            yield
            return
        keys = self.expected_keys(host, port, where)
        for key in keys:
            client.get_host_keys().add(lookup_name(host, port), key.get_name(), key)
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        with self.refusals(host, port, where, keys):
            yield

    @contextlib.contextmanager
    def netmiko_checked(self, host, port, where):
        if not self.verify:
            yield {"ssh_strict": False, "system_host_keys": False, "alt_host_keys": False}
            return
        keys = self.expected_keys(host, port, where)
        with tempfile.TemporaryDirectory(prefix="routesec-hostkeys-") as folder:
            path = write_known_hosts(os.path.join(folder, "known_hosts"), lookup_name(host, port), keys)
            with self.refusals(host, port, where, keys):
                yield {"ssh_strict": True, "system_host_keys": False, "alt_host_keys": True, "alt_key_file": path}

    @contextlib.contextmanager
    def ncclient_checked(self, host, port, where, mismatch_errors=()):
        """ncclient pins one key: the expected one (the first known_hosts lists); it raises one of
        ``mismatch_errors`` for any other."""
        if not self.verify:
            yield {"hostkey_verify": False}
            return
        keys = self.expected_keys(host, port, where)
        if not keys:
            raise self.unknown(host, port, where, NOT_CONNECTED)
        with self.refusals(host, port, where, keys, mismatch_errors):
            yield {"hostkey_verify": True, "hostkey_b64": keys[0].get_base64()}

    # -- the expected keys ----------------------------------------------------------------------------

    def expected_keys(self, host, port, where):
        """The keys the device at ``host``:``port`` may offer: the pinned one, or those known_hosts lists."""
        if self.hostkey:
            return [pinned_key(self.hostkey, where)]
        found = self.read_known_hosts(where).lookup(lookup_name(host, port))
        return list(found.values()) if found else []

    def read_known_hosts(self, where):
        known = paramiko.HostKeys()
        try:
            known.load(self.known_hosts)
        except FileNotFoundError:
            pass  # no key is known
        except (OSError, InvalidHostKey) as error:
            raise HostKeyError(
                "cannot read the known_hosts file %s: %s" % (self.known_hosts, error), where, "known_hosts"
            ) from None
        return known

    def checked_against(self):
        return "the pinned hostkey" if self.hostkey else "the known_hosts file %s" % self.known_hosts

    # -- the refusals ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def refusals(self, host, port, where, keys, mismatch_errors=()):
        """Inside, the library refusing the host key raises HostKeyError (any other error passes)."""
        try:
            yield
        except Exception as error:
            refusal = host_key_refusal(error, mismatch_errors)
            if refusal is None:
                raise
            if keys:
                raise self.mismatch(host, port, where, getattr(refusal, "key", None)) from None
            raise self.unknown(host, port, where, NOT_LOGGED_IN) from None

    def mismatch(self, host, port, where, offered=None):
        offer = " (%s)" % describe(offered) if offered is not None else ""
        update = "replace hostkey" if self.hostkey else "replace its line in that file"
        return HostKeyError(
            "the SSH host key offered for %s%s does not match %s: possibly a man-in-the-middle attack, or the "
            "device's key was changed. %s If the key did change, check the new one on the device, then %s"
            % (lookup_name(host, port), offer, self.checked_against(), NOT_LOGGED_IN, update),
            where,
        )

    def unknown(self, host, port, where, what_was_sent):
        scan = "ssh-keyscan %s%s" % ("" if port == 22 else "-p %s " % port, host)
        return HostKeyError(
            "no SSH host key for %s is in the known_hosts file %s, so the device cannot be authenticated. %s "
            "Add its key to that file (%s prints it; compare its fingerprint with the device's), or pin it with "
            "hostkey, or turn the check off with hostkey_verify: false (anyone on the path could then pose as "
            "the device)" % (lookup_name(host, port), self.known_hosts, what_was_sent, scan),
            where,
        )


def lookup_name(host, port):
    """The name known_hosts lists the device under (as OpenSSH and paramiko look it up)."""
    return host if int(port) == 22 else "[%s]:%s" % (host, port)


def pinned_key(text, where=None):
    """The key of a pinned ``hostkey``: a public key line (``ssh-ed25519 AAAA... comment``), a known_hosts
    line or its base64 part alone."""
    for field in text.split():
        key = decoded_key(field)
        if key is not None:
            return key
    raise HostKeyError(
        "hostkey is not an SSH public key (expected a line such as 'ssh-ed25519 AAAA...')", where, "hostkey"
    )


def decoded_key(field):
    """The public key whose base64 form is ``field``, or None."""
    try:
        blob = base64.b64decode(field, validate=True)
        return paramiko.PKey.from_type_string(paramiko.Message(blob).get_text(), blob)
    except (binascii.Error, ValueError, UnicodeDecodeError, paramiko.SSHException, paramiko.UnknownKeyType):
        return None


def write_known_hosts(path, name, keys):
    with open(path, "w", encoding="ascii") as handle:
        handle.writelines("%s %s %s\n" % (name, key.get_name(), key.get_base64()) for key in keys)
    return path


def describe(key):
    return "%s %s" % (key.get_name(), key.fingerprint)


def host_key_refusal(error, mismatch_errors=()):
    """The library's refusal of the host key in ``error`` or the errors it was raised from, or None."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, (paramiko.BadHostKeyException, *mismatch_errors)):
            return error
        if isinstance(error, paramiko.SSHException) and UNKNOWN_HOST_MARK in str(error):
            return error
        error = error.__cause__ or error.__context__
    return None
