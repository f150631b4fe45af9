# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NETCONF (RFC 6241) over SSH, for devices with a candidate datastore (Junos, IOS-XR, Nokia SR OS, ...).

The verbs map onto the protocol's own: ``load_candidate`` is an ``<edit-config>`` of the
candidate (followed by ``<validate>`` when the server offers ``:validate``), ``compare``
diffs ``<get-config>`` of running and candidate, ``commit(confirm=N)`` is a confirmed
commit (RFC 6241 section 8.4) that the server itself reverts when no confirming commit
comes within N seconds or when the session ends, ``rollback`` is ``<cancel-commit>``
(``:confirmed-commit:1.1``) or a restore of the configuration saved before the commit.

The managed part of the configuration is named by ``subtree_filter``: a structural subtree filter
(containment nodes down to selection nodes, the empty elements, no content-match nodes).
Configuration texts are ``<config>`` documents, indented the same way every time, so a
``get_running()`` text can be loaded back and diffs show real changes only. The
``<validate>`` step can be turned off (``validate=False``) for servers that mishandle it. With
``operation="replace"`` every selection node (a container or a leaf: the entries of a
list are not told apart) is replaced as a whole by the candidate's, or removed when the
candidate has none; the default ``merge`` only adds and changes. A candidate reaching
outside the filter is refused, so ``compare`` always shows everything it changes.
Without a filter the whole configuration is managed, and ``replace`` replaces all of it.

Host keys are checked by default, as on every SSH path (``hostkeys``): against the
``known_hosts`` file (default ``~/.ssh/known_hosts``) or the pinned ``hostkey``; turning the
check off takes an explicit ``hostkey_verify=False``.

Only the candidate is locked by default. That lock already keeps every other session
from committing; locking running as well (``lock_running=True``) keeps some servers
(yuma123 netconfd) from reverting an unconfirmed commit, which is the point of the timer.
After every commit and rollback the driver reads running back and fails when it is not
what the server was asked to make it.
"""

from __future__ import annotations

import copy
import re
from contextlib import contextmanager

from . import DriverError, unified
from .hostkeys import HostKeys

try:
    from lxml import etree
    from ncclient import NCClientError, manager
    from ncclient.operations import RPCError
    from ncclient.transport import SSHUnknownHostError
    from paramiko.ssh_exception import SSHException

    SESSION_ERRORS = (NCClientError, SSHException, OSError, EOFError)
except ImportError:  # pragma: no cover - reported by the module's missing_required_lib
    manager = None
    SESSION_ERRORS = ()

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
OPERATION = "{%s}operation" % NC
OPERATIONS = ("merge", "replace")


class NetconfDriver:
    platform = "netconf"

    def __init__(
        self,
        host,
        username=None,
        password=None,
        port=830,
        key_filename=None,
        hostkey_verify=True,
        hostkey=None,
        known_hosts=None,
        ssh_config=None,
        timeout=30,
        subtree_filter=None,
        operation="merge",
        validate=True,
        lock_running=False,
        name=None,
    ):
        self.name = name or host
        self.where = "device %s (NETCONF %s:%s)" % (self.name, host, port)
        if operation not in OPERATIONS:
            raise DriverError("operation must be one of %s, not %r" % (", ".join(OPERATIONS), operation), self.where)
        self.connect_params = {
            "host": host,
            "port": port,
            "username": username,
            "password": password,
            "key_filename": key_filename,
            "ssh_config": ssh_config,
            "timeout": timeout,
        }
        self.host_keys = HostKeys(known_hosts, hostkey, hostkey_verify)
        self.timeout = timeout
        # the paths (tuples of qualified names) of the filter's selection nodes; None: the whole configuration
        self.selections = self._parse_filter(subtree_filter) if subtree_filter else None
        self.filter_xml = (
            '<filter xmlns="%s" type="subtree">%s</filter>' % (NC, subtree_filter) if subtree_filter else None
        )
        self.operation = operation
        self.validate = validate
        self.lock_running = lock_running
        self.manager = None
        self.locked = []
        self.loaded = False  # a candidate is loaded, not committed
        self.pending = False  # committed with a confirm timer, not yet confirmed
        self.previous = None  # running before the last commit
        self.committed = None  # what the last commit made running

    # -- the session ------------------------------------------------------------------------------------

    def __enter__(self):
        if manager is None:
            raise DriverError("the Python library ncclient is required", self.where)
        host, port = self.connect_params["host"], self.connect_params["port"]
        with self.session_errors("connecting"):
            with self.host_keys.ncclient_checked(host, port, self.where, (SSHUnknownHostError,)) as checking:
                self.manager = manager.connect(**self.connect_params, **checking)
            self.manager.timeout = self.timeout
        try:
            self._need_capability(":candidate", "this driver works through the candidate datastore")
            self._lock("candidate")
            if self.lock_running:
                self._lock("running")
            self.rpc("discard-changes", self.manager.discard_changes)
        except DriverError:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info):
        if self.manager is None:
            return
        try:
            if self.loaded and self.manager.connected:
                self.discard()
            for target in reversed(self.locked):
                self.rpc("unlock %s" % target, self.manager.unlock, target=target)
        except DriverError:
            pass  # closing the session drops the locks and an uncommitted candidate
        finally:
            self.locked = []
            self.close()

    def close(self):
        """End the session; a commit still waiting for confirmation is reverted by the server."""
        session, self.manager = self.manager, None
        if session is None or not session.connected:
            return
        try:
            with self.session_errors("closing the session"):
                session.close_session()
        except DriverError:
            pass

    # -- the verbs --------------------------------------------------------------------------------------

    def get_running(self) -> str:
        return self._get("running")

    def get_candidate(self):
        return self._get("candidate")

    def load_candidate(self, text: str) -> None:
        payload, default_operation = self._edit_payload(text, self.operation)
        if self.loaded:
            self.discard()  # a new candidate, not one more edit of the last
        try:
            self._edit("edit-config", payload, default_operation)
            if self.validate and ":validate" in self.manager.server_capabilities:
                self.rpc("validate", self.manager.validate, source="candidate")
        except DriverError as error:
            self.discard()
            raise DriverError(
                "the device refused the candidate, nothing was changed: %s" % error.reason, self.where
            ) from None
        self.loaded = True

    def compare(self) -> str:
        self._need_candidate()
        return unified(self.get_running(), self.get_candidate(), self.name)

    def discard(self) -> None:
        self.rpc("discard-changes", self.manager.discard_changes)
        self.loaded = False

    def commit(self, confirm: int | None = None) -> None:
        """Make the candidate running; with ``confirm`` seconds, only until ``confirm()`` (else the server reverts)."""
        self._need_candidate()
        if confirm:
            self._need_capability(":confirmed-commit", "a commit with a timer was asked for, nothing was committed")
        self.previous = self.get_running()
        self.committed = self.get_candidate()
        if confirm:
            self.rpc("confirmed commit", self.manager.commit, confirmed=True, timeout=str(int(confirm)))
            self.pending = True
        else:
            self.rpc("commit", self.manager.commit)
        self.loaded = False
        self._check_running(
            self.committed, "the server accepted the commit, yet running is not the candidate", undo=True
        )

    def confirm(self) -> None:
        if not self.pending:
            raise DriverError("there is no commit waiting for confirmation", self.where)
        self.rpc("confirming commit", self.manager.commit)
        self.pending = False
        self._check_running(
            self.committed, "running is not what was committed: the server's timer had already gone back"
        )

    def rollback(self) -> None:
        """Back to the configuration before the last commit: cancel a commit waiting for confirmation, or restore."""
        if self.previous is None:
            raise DriverError("there is no previous configuration to roll back to", self.where)
        if self.pending and ":confirmed-commit:1.1" in self.manager.server_capabilities:
            self.rpc("cancel-commit", self.manager.cancel_commit)
        else:
            self._restore(self.previous)
        self.pending = False
        self.loaded = False
        self._check_running(self.previous, "after the rollback running is not the configuration before the commit")

    # -- helpers ----------------------------------------------------------------------------------------

    def rpc(self, what, call, *args, **kwargs):
        """``call(*args, **kwargs)``; DriverError with the server's error messages when it answers rpc-error."""
        try:
            with self.session_errors(what):
                return call(*args, **kwargs)
        except RPCError as error:
            raise DriverError("%s refused: %s" % (what, rpc_error_text(error)), self.where) from error

    @contextmanager
    def session_errors(self, what):
        """Turns the session failing (not the server refusing) into DriverError naming ``what`` was done."""
        try:
            yield
        except RPCError:
            raise
        except SESSION_ERRORS as error:
            raise DriverError("%s failed: %s" % (what, str(error) or type(error).__name__), self.where) from error

    def _lock(self, target):
        try:
            self.rpc("lock %s" % target, self.manager.lock, target=target)
        except DriverError as error:
            if getattr(error.__cause__, "tag", None) != "lock-denied":
                raise
            holder = lock_holder(error.__cause__)
            raise DriverError(
                "the %s datastore is locked by %s; wait for that session to end"
                % (target, "session %s" % holder if holder else "another session"),
                self.where,
            ) from None
        self.locked.append(target)

    def _restore(self, config_text):
        """Replace the managed configuration with ``config_text`` (a ``<config>`` text) and commit."""
        self.rpc("discard-changes", self.manager.discard_changes)
        self._edit("edit-config (restore)", *self._edit_payload(config_text, "replace"))
        self.rpc("commit (restore)", self.manager.commit)

    def _edit(self, what, payload, default_operation):
        self.rpc(
            what, self.manager.edit_config, config=payload, target="candidate", default_operation=default_operation
        )

    def _check_running(self, expected, failure, undo=False):
        """DriverError ``failure`` when running is not ``expected``; with ``undo``, roll back first."""
        if self.get_running() == expected:
            return
        if undo:
            self.rollback()
        raise DriverError(failure + ("; rolled back" if undo else ""), self.where)

    def _get(self, source):
        if self.manager is None:
            raise DriverError("no session: use the driver as a context manager", self.where)
        reply = self.rpc("get-config %s" % source, self.manager.get_config, source=source, filter=self.filter_xml)
        return config_text(reply.data_ele)

    def _edit_payload(self, text, operation):
        """(the ``<config>`` element to send, the default-operation) for a candidate text."""
        config = self._parse_config(text)
        if self.selections is None:
            return config, operation
        outside = [
            path_text(path) for path in leaf_paths(config.iterchildren(etree.Element)) if not self._managed(path)
        ]
        if outside:
            raise DriverError("the candidate reaches outside the managed part: %s" % ", ".join(outside), self.where)
        if operation == "replace":
            for path in self.selections:
                mark_replaced(config, path)
        return config, "merge"

    def _managed(self, path):
        return any(path[: len(selected)] == selected for selected in self.selections)

    def _parse_filter(self, text):
        nodes = list(self._parse_xml("<filter>%s</filter>" % text, "filter").iterchildren(etree.Element))
        if not nodes or any((each.text or "").strip() for node in nodes for each in node.iter(etree.Element)):
            raise DriverError("the filter must be elements down to empty selection nodes, no content", self.where)
        return leaf_paths(nodes)

    def _parse_config(self, text):
        root = self._parse_xml(text, "candidate")
        if etree.QName(root).localname != "config":
            raise DriverError("the candidate is not a <config> document", self.where)
        config = etree.Element("{%s}config" % NC, nsmap={None: NC, "nc": NC})
        config.extend(list(root))
        return config

    def _parse_xml(self, text, what):
        try:
            return etree.fromstring(text.encode("utf-8"), etree.XMLParser(remove_blank_text=True))
        except etree.XMLSyntaxError as error:
            raise DriverError("the %s is not well-formed XML: %s" % (what, error), self.where) from error

    def _need_capability(self, capability, why):
        if capability not in self.manager.server_capabilities:
            raise DriverError("the server does not advertise %s: %s" % (capability, why), self.where)

    def _need_candidate(self):
        if not self.loaded:
            raise DriverError("no candidate is loaded", self.where)


def rpc_error_text(error):
    """The server's messages (with their paths) from an rpc-error reply."""
    parts = []
    for each in error.errlist or [error]:
        message = (each.message or each.tag or "rpc-error").strip()
        parts.append("%s (at %s)" % (message, each.path.strip()) if each.path else message)
    return "; ".join(parts)


def lock_holder(error):
    """The session id holding a lock, from a lock-denied rpc-error (RFC 6241 error-info session-id)."""
    info = getattr(error, "info", None) or ""
    found = re.search(r"<(?:\w+:)?session-id>\s*(\d+)\s*<", info)
    return found.group(1) if found and found.group(1) != "0" else None


def config_text(data):
    """The children of a ``<data>`` reply as an indented ``<config>`` document."""
    config = etree.Element("{%s}config" % NC, nsmap={None: NC})
    config.extend(copy.deepcopy(child) for child in data)
    etree.indent(config)
    etree.cleanup_namespaces(config, keep_ns_prefixes=value_prefixes(config))
    return etree.tostring(config, encoding="unicode") + "\n"


def value_prefixes(config):
    """The prefixes that qualify values (identityrefs, ``oc-bgp-types:IPV4_UNICAST``): declared where they are
    used, they look unused to ``cleanup_namespaces``, yet the text cannot be loaded back without them."""
    return sorted(
        {
            node.text.split(":", 1)[0]
            for node in config.iter(etree.Element)
            if node.text and ":" in node.text and node.text.split(":", 1)[0] in node.nsmap
        }
    )


def leaf_paths(nodes, parent=()):
    """The paths (tuples of qualified names) from ``nodes`` down to each element without element children:
    a filter's selection nodes, or the leaves a candidate sets."""
    paths = []
    for node in nodes:
        path = parent + (node.tag,)
        children = list(node.iterchildren(etree.Element))
        paths.extend(leaf_paths(children, path) if children else [path])
    return paths


def mark_replaced(config, path):
    """Mark the element at ``path`` for replacement; when the candidate has none, add one that removes it."""
    node = config
    for tag in path[:-1]:
        child = node.find(tag)
        node = etree.SubElement(node, tag) if child is None else child
    selected = node.find(path[-1])
    if selected is None:
        etree.SubElement(node, path[-1]).set(OPERATION, "remove")
    else:
        selected.set(OPERATION, "replace")


def is_empty(text):
    """Whether a ``<config>`` text sets no value at all (empty containers are no configuration)."""
    return not any((node.text or "").strip() for node in etree.fromstring(text.encode("utf-8")).iter(etree.Element))


def path_text(path):
    return "/" + "/".join(etree.QName(tag).localname for tag in path)
