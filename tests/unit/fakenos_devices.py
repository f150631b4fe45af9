# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Emulated routers for the CLI driver tests, served over SSH by fakenos.

fakenos (PyPI) runs an SSH server (paramiko) per emulated host on a loopback
port and a shell per connection (``cmd.Cmd`` with a prompt). Its shipped
platforms answer exact command strings with canned text: they keep no
configuration, IOS-XR and Junos have no configuration mode at all, and a
command's handler learns neither the connection it serves nor any line it was
not written for (the ``_default_`` answer cannot be a callable). So the routers
here use fakenos at its seams:

* the NOS is a ``Nos`` whose ``device`` is a ``Router`` below, shared by all
  connections to that host (running configuration, lock, confirm timer);
* the shell is ``RouterShell``, a subclass of fakenos's ``CMDShell`` that hands
  every line to a ``Session`` (one per connection) and tells it when the
  connection ends;
* fakenos's channel-to-shell tap is replaced while serving by ``line_tap``: the
  same tap, also ending a line at a lone Ctrl-D (Junos ends terminal input with
  one) and without its 10 ms pause per byte.

What the routers do was written from vendor documentation and published
transcripts of real devices, for exactly the commands the drivers use; wording
no such source gave is marked "assumed", and the drivers do not depend on it.
These are models of the devices, not the devices: the tests check the drivers
against them. Confirm timers run on a clock ``clock_rate`` times faster than
real time, so that a test need not wait minutes.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import ipaddress
import itertools
import re
import socket
import threading
import time
import traceback
from unittest import mock

from fakenos import FakeNOS
from fakenos.core.nos import Nos
from fakenos.plugins.servers import ssh_server_paramiko
from fakenos.plugins.shell.cmd_shell import CMDShell

USERNAME = "admin"
PASSWORD = "routesec-test"
CTRL_D = "\x04"
CISCO_INVALID = "% Invalid input detected at '^' marker."


def stamp(form="%a %b %d %H:%M:%S %Y"):
    return time.strftime(form, time.gmtime())


def prefix_or_none(text):
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError:
        return None


def bounds_valid(prefix, ge, le):
    low, top = prefix.prefixlen, prefix.max_prefixlen
    ge_ok = ge is None or low < int(ge) <= top
    le_ok = le is None or (int(ge) if ge else low) <= int(le) <= top
    return ge_ok and le_ok


# -- fakenos plumbing -------------------------------------------------------------------------------


def line_tap(channel_stdio, shell_stdin, shell_replied_event, run_srv):
    """fakenos's channel-to-shell tap (echo, a line to the shell at CR or LF), also ending a line at Ctrl-D."""
    pending = bytearray()
    while run_srv.is_set():
        byte = channel_stdio.read(1)
        if not byte:
            break
        shell_replied_event.wait(10)
        if not channel_stdio.channel.active:
            break
        try:
            if byte not in (b"\r", b"\n", CTRL_D.encode()):
                channel_stdio.write(byte)
                pending += byte
                continue
            channel_stdio.write(b"\r\n")
            if byte == CTRL_D.encode():
                pending += byte
            shell_stdin.write(pending.decode("utf-8", "replace") + "\n")
            pending.clear()
            shell_replied_event.clear()
        except (OSError, EOFError):
            break


class ClosingReader:
    """The shell's input; ``closed`` once the server stopped feeding it (cmd.Cmd then reads 'EOF')."""

    def __init__(self, stream):
        self.stream = stream
        self.closed = False

    def write(self, text):
        self.stream.write(text)

    def readline(self):
        line = self.stream.readline()
        if line is None:
            self.closed = True
            return ""
        return line


class RouterShell(CMDShell):
    """fakenos's shell, handing every line to a Session of the emulated router (``nos.device``)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.session = self.nos.device.open_session()
        self.stdin = ClosingReader(self.stdin)
        self.intro = self.session.banner()
        self.prompt = self.session.prompt()
        self.closing = False

    def onecmd(self, line):
        if self.closing or self.stdin.closed or not self.is_running.is_set():
            return True
        try:
            output = self.session.handle(line)
        except Exception:  # noqa: BLE001 - a fault of the emulator, shown to the client: the test fails fast
            output = "emulator fault:\n" + traceback.format_exc()
        if output:
            self.writeline(output)
        self.prompt = self.session.prompt()
        return self.session.ended

    def stop(self):
        self.closing = True
        super().stop()

    def start(self):
        try:
            super().start()
        finally:
            self.session.close()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_listening(server, limit=10):
    """fakenos calls ``listen()`` in a thread of its own, a moment after ``start()`` returns."""
    deadline = time.monotonic() + limit
    while not server._socket.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
        assert time.monotonic() < deadline, "fakenos did not start listening"
        time.sleep(0.01)


class Served:
    """A fakenos host serving an emulated router on ``port`` with the SSH host key ``hostkey`` (its public key
    line); ``router`` can be swapped for a fresh one."""

    def __init__(self, nos, port, hostkey):
        self.nos = nos
        self.port = port
        self.hostkey = hostkey

    @property
    def known_hosts_line(self):
        return "[127.0.0.1]:%d %s\n" % (self.port, self.hostkey)

    @property
    def router(self):
        return self.nos.device

    @router.setter
    def router(self, router):
        self.nos.device.shutdown()
        self.nos.device = router  # connections made from now on talk to ``router``


@contextlib.contextmanager
def serve(router):
    """Serve ``router`` over SSH on a free loopback port; yields a ``Served``."""
    port = free_port()
    nos = Nos(name="routesec_%s" % router.platform, initial_prompt="{base_prompt}#")
    nos.device = router
    host = {"username": USERNAME, "password": PASSWORD, "port": port, "nos": {"plugin": nos.name}}
    net = FakeNOS(inventory={"hosts": {router.hostname: host}}, plugins=[nos])
    net.shell_plugins["CMDShell"] = RouterShell
    with mock.patch.object(ssh_server_paramiko, "channel_to_shell_tap", line_tap):
        net.start()
        try:
            server = net.hosts[router.hostname].server
            wait_until_listening(server)
            key = server._ssh_server_key
            yield Served(nos, port, "%s %s" % (key.get_name(), key.get_base64()))
        finally:
            net.stop()
            nos.device.shutdown()


# -- the shared parts of every router --------------------------------------------------------------


class Router:
    """One emulated router: what its connections share, its configuration lock and its confirm timer."""

    platform = None
    session_class = None

    def __init__(self, hostname, clock_rate=1.0):
        self.hostname = hostname
        self.clock_rate = clock_rate
        self.mutex = threading.RLock()
        self.lock_holder = None
        self.timer = None
        self.terminals = itertools.count(2)

    def open_session(self):
        with self.mutex:
            return self.session_class(self, next(self.terminals))

    def after(self, device_seconds, action):
        """Run ``action`` (holding the mutex) once ``device_seconds`` of the device's clock have passed."""
        self.cancel_timer()

        def fire():
            with self.mutex:
                if self.timer is timer:
                    self.timer = None
                    action()

        timer = threading.Timer(device_seconds / self.clock_rate, fire)
        timer.daemon = True
        self.timer = timer
        timer.start()

    def cancel_timer(self):
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    @property
    def pending(self):
        """True while a change waits for confirmation."""
        return self.timer is not None

    def take_lock(self, session):
        if self.lock_holder not in (None, session):
            return False
        self.lock_holder = session
        return True

    def release_lock(self, session):
        if self.lock_holder is session:
            self.lock_holder = None

    def shutdown(self):
        with self.mutex:
            self.cancel_timer()


class Session:
    """One connection's CLI: its mode, what it typed so far, and a question waiting for an answer."""

    exec_commands = ()
    config_commands = ()

    def __init__(self, router, terminal):
        self.router = router
        self.terminal = terminal
        self.ended = False
        self.question = None  # (prompt text, handler of the answer)

    def banner(self):
        return ""

    def handle(self, line):
        with self.router.mutex:
            if self.question is not None:
                answer = self.question[1]
                self.question = None
                return answer(line.strip())
            return self.command(line)

    def prompt(self):
        return self.question[0] if self.question else self.mode_prompt()

    def close(self):
        with self.router.mutex:
            self.connection_lost()
            self.router.release_lock(self)

    def dispatch(self, line, table):
        """Run the handler of the first pattern of ``table`` that ``line`` matches; else refuse the line."""
        for pattern, handler in table:
            match = re.fullmatch(pattern, line)
            if match:
                return getattr(self, handler)(match)
        return self.invalid(line)

    def caret(self, line, vocabulary):
        """The ``^`` under the first word of ``line`` that is not a keyword (where IOS-like CLIs point)."""
        offset = 0
        for word in line.split():
            offset = line.index(word, offset)
            if word not in vocabulary:
                break
        return " " * (len(self.mode_prompt()) + offset) + "^"

    def empty(self, match):
        return ""

    def end_session(self, match):
        self.ended = True
        return ""

    def command(self, line):  # pragma: no cover - each platform's
        raise NotImplementedError

    def mode_prompt(self):  # pragma: no cover - each platform's
        raise NotImplementedError

    def invalid(self, line):  # pragma: no cover - each platform's
        raise NotImplementedError

    def connection_lost(self):
        """What the device does when the connection ends without the CLI's exit sequence."""


# -- Cisco IOS ----------------------------------------------------------------------------------------

IOS_WORDS = {"ip", "ipv6", "prefix-list", "seq", "permit", "deny", "ge", "le", "description", "no", "hostname"}
IOS_ENTRY = r"(?P<kw>ip|ipv6) prefix-list (?P<name>\S+)( seq (?P<seq>\d+))? (?P<entry>(permit|deny) .+)"
PREFIX_ENTRY = re.compile(r"(permit|deny) (?P<prefix>\S+)( ge (?P<ge>\d+))?( le (?P<le>\d+))?")


class IosConfig:
    """The parts of an IOS configuration the tests use, printed in IOS's order."""

    def __init__(self, hostname):
        self.hostname = hostname
        self.prefix_lists = {}  # (keyword, name) -> {seq: "permit P ..."}
        self.descriptions = {}  # (keyword, name) -> text

    def add_entry(self, key, seq, entry):
        entries = self.prefix_lists.setdefault(key, {})
        if entry in entries.values():
            return  # IOS keeps one of each entry
        entries[seq if seq is not None else max(entries, default=0) + 5] = entry

    def lines(self):
        body = ["version 15.9", "hostname %s" % self.hostname, "!"]
        body += ["archive", " path flash:routesec", " maximum 5", "!", "configuration mode exclusive auto", "!"]
        for keyword in ("ip", "ipv6"):
            lists = [(name, entries) for (kw, name), entries in self.prefix_lists.items() if kw == keyword]
            for name, entries in lists:
                described = self.descriptions.get((keyword, name))
                body += ["%s prefix-list %s description %s" % (keyword, name, described)] if described else []
                body += ["%s prefix-list %s seq %d %s" % (keyword, name, seq, entries[seq]) for seq in sorted(entries)]
            if lists:
                body.append("!")
        return body + ["end"]

    def text(self):
        body = "\n".join(self.lines())
        header = "Building configuration...\n\nCurrent configuration : %d bytes\n!\n" % len(body)
        return header + "! Last configuration change at %s by admin\n!\n%s" % (stamp("%H:%M:%S UTC %a %b %d %Y"), body)


class IosRouter(Router):
    """Cisco IOS with ``configuration mode exclusive auto``, an ``archive`` path and the revert timer."""

    platform = "cisco_ios"
    archive_path = "flash:routesec"
    archive_maximum = 5

    def __init__(self, hostname="r1", clock_rate=1.0):
        super().__init__(hostname, clock_rate)
        self.running = IosConfig(hostname)
        self.archives = []  # (file name, configuration)
        self.archive_numbers = itertools.count(1)
        self.revert_to = None

    def archive(self):
        name = "%s-%d" % (self.archive_path, next(self.archive_numbers))
        self.archives = (self.archives + [(name, copy.deepcopy(self.running))])[-self.archive_maximum :]
        return name

    def start_revert_timer(self, minutes):
        self.archive()
        self.revert_to = copy.deepcopy(self.running)
        self.after(minutes * 60, self.revert)

    def revert(self):
        self.cancel_timer()
        self.running, self.revert_to = self.revert_to, None


class IosSession(Session):
    exec_commands = (
        (r"", "empty"),
        (r"enable", "empty"),
        (r"terminal (width|length) \d+", "empty"),
        (r"show running-config", "show_running"),
        (r"configure terminal( lock)?", "configure"),
        (r"configure terminal revert timer (?P<minutes>\d+)", "configure_with_timer"),
        (r"configure confirm", "confirm"),
        (r"configure revert now", "revert_now"),
        (r"configure replace (?P<url>\S+) force", "replace"),
        (r"archive config", "archive_config"),
        (r"show archive", "show_archive"),
        (r"exit", "end_session"),
    )
    config_commands = (
        (r"", "empty"),
        (r"hostname (?P<name>\S+)", "hostname"),
        (r"(?P<kw>ip|ipv6) prefix-list (?P<name>\S+) description (?P<text>.+)", "describe"),
        (IOS_ENTRY, "add_entry"),
        (r"no (?P<kw>ip|ipv6) prefix-list (?P<name>\S+)", "remove_list"),
        (r"end|exit", "leave_config"),
        (r"do (?P<command>.+)", "do"),
    )
    no_pending = "% No Rollback Confirmed Change pending"  # assumed wording

    def __init__(self, router, terminal):
        super().__init__(router, terminal)
        self.config = False

    def mode_prompt(self):
        return "%s(config)#" % self.router.hostname if self.config else "%s#" % self.router.hostname

    def command(self, line):
        return self.dispatch(line.strip(), self.config_commands if self.config else self.exec_commands)

    def invalid(self, line):
        return "%s\n%s" % (self.caret(line, IOS_WORDS), CISCO_INVALID)

    def enter_config(self):
        holder = self.router.lock_holder
        if not self.router.take_lock(self):
            return (
                "Configuration mode locked exclusively by user 'admin' process '%d' from terminal '%d'. "
                % (
                    100 + holder.terminal,
                    holder.terminal,
                )
                + "Please try later."
            )
        self.config = True
        return "Enter configuration commands, one per line.  End with CNTL/Z."

    def configure(self, match):
        answer = self.enter_config()
        if self.config and match.group(1):
            answer = "Configuration mode locked exclusively. The lock will be cleared once you exit out of "
            answer += "configuration mode using end/exit\nEnter configuration commands, one per line.  End with CNTL/Z."
        return answer

    def configure_with_timer(self, match):
        minutes = int(match["minutes"])
        if not 1 <= minutes <= 120:
            return self.invalid(match.string)
        answer = self.enter_config()
        if self.config:
            self.router.start_revert_timer(minutes)
        return answer

    def leave_config(self, match):
        self.config = False
        self.router.release_lock(self)
        return ""

    def do(self, match):
        return self.dispatch(match["command"], self.exec_commands)

    def show_running(self, match):
        return self.router.running.text()

    def hostname(self, match):
        self.router.running.hostname = self.router.hostname = match["name"]
        return ""

    def add_entry(self, match):
        entry = PREFIX_ENTRY.fullmatch(match["entry"])
        prefix = prefix_or_none(entry["prefix"]) if entry else None
        family = 4 if match["kw"] == "ip" else 6
        if prefix is None or prefix.version != family or not bounds_valid(prefix, entry["ge"], entry["le"]):
            return self.invalid(match.string)
        seq = int(match["seq"]) if match["seq"] else None
        self.router.running.add_entry((match["kw"], match["name"]), seq, match["entry"])
        return ""

    def describe(self, match):
        key = (match["kw"], match["name"])
        self.router.running.prefix_lists.setdefault(key, {})
        self.router.running.descriptions[key] = match["text"]
        return ""

    def remove_list(self, match):
        key = (match["kw"], match["name"])
        self.router.running.prefix_lists.pop(key, None)
        self.router.running.descriptions.pop(key, None)
        return ""

    def confirm(self, match):
        if not self.router.pending:
            return self.no_pending
        self.router.cancel_timer()
        self.router.revert_to = None
        return ""

    def revert_now(self, match):
        if not self.router.pending:
            return self.no_pending
        self.router.revert()
        return ""

    def replace(self, match):
        archived = dict(self.router.archives).get(match["url"])
        if archived is None:
            return "%%Error opening %s (No such file or directory)" % match["url"]
        if self.router.lock_holder not in (None, self):
            return "Configuration mode locked exclusively. Please try later."  # assumed wording
        self.router.running = copy.deepcopy(archived)
        return "Total number of passes: 1\nRollback Done"

    def archive_config(self, match):
        self.router.archive()
        return ""

    def show_archive(self, match):
        router = self.router
        names = [name for name, config in router.archives]
        rows = [" Archive #  Name"]
        for number, name in enumerate(names, 1):
            rows.append("   %-8d %s%s" % (number, name, " <- Most Recent" if number == len(names) else ""))
        head = "The maximum archive configurations allowed is %d.\n" % router.archive_maximum
        head += "There are currently %d archive configurations saved.\n" % len(names)
        head += "The next archive file will be named %s-<timestamp>-%d\n" % (router.archive_path, len(names))
        return head + "\n".join(rows)


IosRouter.session_class = IosSession


# -- Cisco IOS-XR -------------------------------------------------------------------------------------

XR_WORDS = {"prefix-set", "end-set", "no", "hostname", "commit", "confirmed", "ge", "le"}


class XrConfig:
    """The parts of an IOS-XR configuration the tests use."""

    def __init__(self, hostname):
        self.hostname = hostname
        self.prefix_sets = {}  # name -> [entry, ...]

    def apply(self, changes):
        """A copy with the target configuration's ``changes`` applied."""
        result = copy.deepcopy(self)
        for change in changes:
            kind, name = change[:2]
            if kind == "hostname":
                result.hostname = name
            elif kind == "remove":
                result.prefix_sets.pop(name, None)
            else:
                result.prefix_sets[name] = list(change[2])
        return result

    def lines(self):
        body = ["hostname %s" % self.hostname]
        for name, entries in self.prefix_sets.items():
            body += ["prefix-set %s" % name, *self.set_body(entries), "end-set", "!"]
        return body

    @staticmethod
    def set_body(entries):
        """Remarks as typed; entries separated by commas (none after the last)."""
        last = max((index for index, entry in enumerate(entries) if not entry.startswith("#")), default=-1)
        return [
            "  %s%s" % (entry, "," if index < last and not entry.startswith("#") else "")
            for index, entry in enumerate(entries)
        ]

    def text(self, last_change):
        head = "%s\n!! Building configuration...\n!! IOS XR Configuration 7.9.2\n" % stamp("%a %b %d %H:%M:%S.000 UTC")
        head += "!! Last configuration change at %s by admin\n!\n" % last_change
        return head + "\n".join(self.lines()) + "\nend"


class XrRouter(Router):
    """IOS-XR: per-session target configurations, ``configure exclusive``, trial commits with a timer."""

    platform = "cisco_iosxr"

    def __init__(self, hostname="xr1", clock_rate=1.0):
        super().__init__(hostname, clock_rate)
        self.running = XrConfig(hostname)
        self.history = []  # configurations before each commit, newest last
        self.trial = None  # (session, trial id) of an unconfirmed ``commit confirmed``
        self.trial_ids = itertools.count(0x5B40)
        self.last_change = stamp()

    def commit(self, config):
        self.history.append(self.running)
        self.running = config
        self.last_change = stamp()

    def start_trial(self, session, seconds):
        self.trial = (session, "00001000-%08x-00000000" % next(self.trial_ids))
        self.after(seconds, self.end_trial)

    def end_trial(self):
        """The trial's timer ran out, or its session left answering yes: back to before the trial."""
        self.cancel_timer()
        self.trial = None
        self.commit(self.history[-1])

    def confirm_trial(self):
        self.cancel_timer()
        self.trial = None


class XrSession(Session):
    exec_commands = (
        (r"", "empty"),
        (r"terminal (width|length) \d+", "empty"),
        (r"show running-config", "show_running"),
        (r"configure( exclusive)?", "configure"),
        (r"rollback configuration last (?P<count>\d+)", "rollback"),
        (r"exit", "end_session"),
    )
    config_commands = (
        (r"", "empty"),
        (r"hostname (?P<name>\S+)", "hostname"),
        (r"prefix-set (?P<name>\S+)", "open_set"),
        (r"no prefix-set (?P<name>\S+)", "remove_set"),
        (r"show running-config", "show_running"),
        (r"show configuration", "show_target"),
        (r"show configuration merge", "show_merge"),
        (r"show configuration failed", "show_failed"),
        (r"commit", "commit"),
        (r"commit confirmed (?P<seconds>\d+)", "commit"),
        (r"commit confirmed minutes (?P<minutes>\d+)", "commit"),
        (r"clear", "clear"),
        (r"abort", "abort"),
        (r"end|exit", "leave_config"),
    )
    set_commands = (
        (r"end-set", "close_set"),
        (r"#.*", "set_remark"),
        (r"(?P<prefix>[^\s,]+)(?P<ge> ge \d+)?(?P<le> le \d+)?,?", "set_entry"),
    )
    trial_warning = (
        "\nYou are exiting after a 'commit confirm' with an active rollback session.  If you exit the "
        "configuration awaiting confirmation will not be confirmed and the router will immediately rollback "
        "to the previous configuration.\nDo you wish to exit? [no]: "
    )
    uncommitted_warning = "Uncommitted changes found, commit them before exiting(yes/no/cancel)? [cancel]:"

    def __init__(self, router, terminal):
        super().__init__(router, terminal)
        self.mode = "exec"
        self.target = []  # ("hostname", name) | ("remove", set name) | ("set", set name, entries)
        self.open = None  # (name, entries) of the prefix-set being typed

    def banner(self):
        return "\nUser Access Verification\n"

    def mode_prompt(self):
        suffix = {"exec": "", "config": "(config)", "set": "(config-pfx)"}[self.mode]
        return "RP/0/RP0/CPU0:%s%s#" % (self.router.hostname, suffix)

    def command(self, line):
        table = {"exec": self.exec_commands, "config": self.config_commands, "set": self.set_commands}
        return self.dispatch(line.strip(), table[self.mode])

    def invalid(self, line):
        return "%s\n%s" % (self.caret(line, XR_WORDS), CISCO_INVALID)

    def connection_lost(self):
        self.target = []  # the target configuration dies with its session; a trial stays on its timer

    def show_running(self, match):
        return self.router.running.text(self.router.last_change)

    def configure(self, match):
        router = self.router
        if match.group(1):
            if router.trial is not None and router.trial[0] is not self:
                return "Cannot enter exclusive mode. A trial commit is underway in another configuration session."
            if not router.take_lock(self):
                return (
                    self.sessions_table()
                    + "\nCannot enter exclusive mode. The Configuration Namespace is locked by another agent."
                )
        self.mode = "config"
        return ""

    def sessions_table(self):
        holder = self.router.lock_holder
        return "Current Configuration Session  Line       User     Date                     Lock\n" + (
            "00001000-%08x-00000000     vty%-6d admin    %s *" % (holder.terminal, holder.terminal, stamp())
        )

    def rollback(self, match):
        router, count = self.router, int(match["count"])
        if router.lock_holder not in (None, self) or router.trial is not None:
            return "% Failed to rollback: the configuration is locked by another session"  # assumed wording
        if count < 1 or count > len(router.history):
            return "% Invalid rollback point"  # assumed wording
        router.commit(copy.deepcopy(router.history[-count]))
        return (
            "Loading Rollback Changes.\nLoaded Rollback Changes in 1 sec \nCommitting.\n"
            "1 items committed in 1 sec (0)items/sec\nUpdating.\nUpdated Commit database in 1 sec \n"
            "Configuration successfully rolled back %d commits." % count
        )

    def hostname(self, match):
        self.target.append(("hostname", match["name"]))
        return ""

    def open_set(self, match):
        self.mode, self.open = "set", (match["name"], [])
        if match["name"] in self.router.running.prefix_sets:
            return (
                "%% WARNING: Policy object prefix-set %s exists! Reconfiguring it via CLI will replace current "
                "definition. Use abort to cancel." % match["name"]
            )
        return ""

    def set_entry(self, match):
        prefix = prefix_or_none(match["prefix"])
        ge = match["ge"] and match["ge"].split()[1]
        le = match["le"] and match["le"].split()[1]
        if prefix is None or not bounds_valid(prefix, ge, le):
            return self.invalid(match.string)
        self.open[1].append(match.string.rstrip(","))
        return ""

    def set_remark(self, match):
        self.open[1].append(match.string)
        return ""

    def close_set(self, match):
        name, entries = self.open
        self.target.append(("set", name, entries))
        self.mode, self.open = "config", None
        return ""

    def remove_set(self, match):
        self.target.append(("remove", match["name"]))
        return ""

    def show_target(self, match):
        lines = []
        for change in self.target:
            if change[0] == "set":
                lines += ["prefix-set %s" % change[1], *("  " + entry for entry in change[2]), "end-set"]
            else:
                lines.append("%s prefix-set %s" % ("no" if change[0] == "remove" else "hostname", change[1]))
        return "Building configuration...\n!! IOS XR Configuration 7.9.2\n%s\nend" % "\n".join(lines)

    def show_merge(self, match):
        return self.router.running.apply(self.target).text(self.router.last_change)

    def show_failed(self, match):
        return "% No such configuration item(s)"

    def commit(self, match):
        router = self.router
        trial_session = router.trial[0] if router.trial else None
        seconds = int(match.groupdict().get("seconds") or 0) or 60 * int(match.groupdict().get("minutes") or 0)
        if seconds and not 30 <= seconds <= 65535:
            return self.invalid(match.string)
        if trial_session is self and not seconds:
            router.confirm_trial()
            answer = "% Confirming commit for trial session."
            return answer if not self.target else answer + "\n" + self.commit_target(None)
        if trial_session is not None and self.target:
            return "%% Cannot commit because there is an unexpired trial/rollback session '%s'." % router.trial[1]
        if not self.target:
            return "No configuration changes to commit."
        if router.lock_holder not in (None, self):
            return "% Failed to commit one or more configuration items: the configuration is locked"  # assumed
        return self.commit_target(seconds)

    def commit_target(self, seconds):
        router = self.router
        router.commit(router.running.apply(self.target))
        self.target = []
        if seconds:
            router.start_trial(self, seconds)
            router.release_lock(self)  # IOS-XR releases the exclusive lock once a trial commit is in
        return ""

    def clear(self, match):
        self.target = []
        return ""

    def abort(self, match):
        self.target = []
        self.leave()
        return ""

    def leave(self):
        self.mode = "exec"
        self.router.release_lock(self)

    def leave_config(self, match):
        if self.router.trial is not None and self.router.trial[0] is self:
            self.question = (self.trial_warning, self.answer_trial_warning)
        elif self.target:
            self.question = (self.uncommitted_warning, self.answer_uncommitted)
        else:
            self.leave()
        return ""

    def answer_trial_warning(self, answer):
        if answer == "yes":
            self.router.end_trial()
            self.leave()
        return ""

    def answer_uncommitted(self, answer):
        if answer == "yes":
            self.commit_target(None)
        if answer in ("yes", "no"):
            self.target = []
            self.leave()
        return ""


XrRouter.session_class = XrSession


# -- Arista EOS --------------------------------------------------------------------------------------


class EosConfig:
    """The parts of an EOS configuration the tests use."""

    def __init__(self, hostname):
        self.hostname = hostname
        self.prefix_lists = {}  # (keyword, name) -> {seq: "permit P ..."}

    def body(self):
        lines = ["! device: %s (vEOS-lab, EOS-4.31.1F)" % self.hostname, "!", "! boot system flash:/vEOS-lab.swi"]
        lines += ["!", "hostname %s" % self.hostname, "!"]
        for (keyword, name), entries in self.prefix_lists.items():
            lines.append("%s prefix-list %s" % (keyword, name))
            lines += ["   seq %d %s" % (seq, entries[seq]) for seq in sorted(entries)]
            lines.append("!")
        return lines + ["end"]

    def text(self, command="show running-config"):
        return "\n".join(["! Command: %s" % command, *self.body()])


class EosConfigSession:
    """A named configuration session: a copy of the running configuration made when it was opened."""

    def __init__(self, config):
        self.config = config
        self.state = "pending"
        self.previous = None  # the running configuration before a commit with a timer


class EosRouter(Router):
    """Arista EOS: named configuration sessions, ``commit timer``, flash copies of the configuration."""

    platform = "arista_eos"

    def __init__(self, hostname="eos1", clock_rate=1.0):
        super().__init__(hostname, clock_rate)
        self.running = EosConfig(hostname)
        self.sessions = {}  # name -> EosConfigSession; they outlive the connections that made them
        self.files = {}

    def commit_with_timer(self, name, seconds):
        session = self.sessions[name]
        session.previous, session.state = self.running, "pendingCommitTimer"
        self.running = copy.deepcopy(session.config)
        self.after(seconds, lambda: self.abort(name))

    def abort(self, name):
        session = self.sessions.pop(name)
        if session.state == "pendingCommitTimer":
            self.cancel_timer()
            self.running = session.previous


class EosSession(Session):
    exec_commands = (
        (r"", "empty"),
        (r"enable", "empty"),
        (r"terminal width (?P<width>\d+)", "width"),
        (r"terminal length 0", "no_paging"),
        (r"show running-config", "show_running"),
        (r"configure session (?P<name>\S+)", "enter_session"),
        (r"configure session (?P<name>\S+) commit", "commit"),
        (r"configure session (?P<name>\S+) commit timer (?P<h>\d+):(?P<m>\d\d):(?P<s>\d\d)", "commit"),
        (r"configure session (?P<name>\S+) abort", "abort"),
        (r"show configuration sessions detail", "show_sessions"),
        (r"show session-config named (?P<name>\S+) diffs", "show_diffs"),
        (r"copy running-config (?P<url>flash:\S+)", "copy_running"),
        (r"configure replace (?P<url>flash:\S+)", "replace"),
        (r"exit", "end_session"),
    )
    session_commands = (
        (r"", "empty"),
        (r"hostname (?P<name>\S+)", "hostname"),
        (r"(?P<kw>ip|ipv6) prefix-list (?P<name>\S+)", "open_list"),
        (r"(?P<kw>ip|ipv6) prefix-list (?P<name>\S+) seq (?P<seq>\d+) (?P<entry>(permit|deny) .+)", "add_entry"),
        (r"no (?P<kw>ip|ipv6) prefix-list (?P<name>\S+)", "remove_list"),
        (r"show session-config diffs", "show_diffs"),
        (r"commit", "commit"),
        (r"commit timer (?P<h>\d+):(?P<m>\d\d):(?P<s>\d\d)", "commit"),
        (r"abort", "abort"),
        (r"end|exit", "leave_session"),
    )
    list_commands = (
        (r"seq (?P<seq>\d+) (?P<entry>(permit|deny) .+)", "add_entry"),
        (r"no seq (?P<seq>\d+)", "remove_entry"),
        (r"exit", "close_list"),
        (r"end", "leave_session"),
    )

    def __init__(self, router, terminal):
        super().__init__(router, terminal)
        self.name = None  # the configuration session this connection is in
        self.list = None  # (keyword, name) of the prefix-list being typed

    def mode_prompt(self):
        host = self.router.hostname
        if self.name is None:
            return "%s#" % host
        if self.list is None:
            return "%s(config-s-%s)#" % (host, self.name[:6])
        return "%s(config-s-%s-%s-pfx)#" % (host, self.name[:6], self.list[0])

    def command(self, line):
        line = line.strip()
        if self.name is None:
            return self.dispatch(line, self.exec_commands)
        if self.list is None or self.matches(line, self.list_commands):
            return self.dispatch(line, self.list_commands if self.list else self.session_commands)
        if self.matches(line, self.session_commands):
            self.list = None  # a command of the parent mode leaves the prefix-list mode, as on EOS
        return self.dispatch(line, self.session_commands)

    @staticmethod
    def matches(line, table):
        return any(re.fullmatch(pattern, line) for pattern, handler in table)

    def invalid(self, line):
        return "% Invalid input"

    def width(self, match):
        return "Width set to %s columns." % match["width"]

    def no_paging(self, match):
        return "Pagination disabled."

    def show_running(self, match):
        return self.router.running.text()

    def enter_session(self, match):
        existing = self.router.sessions.get(match["name"])
        if existing is not None and existing.state != "pending":
            return "%% Cannot enter session %s (it is committed)" % match["name"]  # assumed wording
        if existing is None:
            self.router.sessions[match["name"]] = EosConfigSession(copy.deepcopy(self.router.running))
        self.name = match["name"]
        return ""

    def leave_session(self, match):
        self.name = self.list = None
        return ""

    def hostname(self, match):
        self.router.sessions[self.name].config.hostname = match["name"]
        return ""

    def open_list(self, match):
        self.list = (match["kw"], match["name"])
        self.router.sessions[self.name].config.prefix_lists.setdefault(self.list, {})
        return ""

    def add_entry(self, match):
        entry = PREFIX_ENTRY.fullmatch(match["entry"])
        prefix = prefix_or_none(entry["prefix"]) if entry else None
        key = (match["kw"], match["name"]) if "kw" in match.groupdict() else self.list
        if prefix is None or prefix.version != (4 if key[0] == "ip" else 6):
            return self.invalid(match.string)
        if not bounds_valid(prefix, entry["ge"], entry["le"]):
            return self.invalid(match.string)
        self.router.sessions[self.name].config.prefix_lists.setdefault(key, {})[int(match["seq"])] = match["entry"]
        return ""

    def remove_entry(self, match):
        self.router.sessions[self.name].config.prefix_lists[self.list].pop(int(match["seq"]), None)
        return ""

    def close_list(self, match):
        self.list = None
        return ""

    def remove_list(self, match):
        self.router.sessions[self.name].config.prefix_lists.pop((match["kw"], match["name"]), None)
        return ""

    def show_diffs(self, match):
        name = match.groupdict().get("name") or self.name
        session = self.router.sessions.get(name)
        if session is None:
            return "%% Session %s not found" % name  # assumed wording
        running, staged = self.router.running.body(), session.config.body()
        diff = difflib.unified_diff(
            running, staged, "system:/running-config", "session:/%s-session-config" % name, lineterm=""
        )
        return "\n".join(diff)

    def commit(self, match):
        name = match.groupdict().get("name") or self.name
        session = self.router.sessions.get(name)
        if session is None:
            return "%% Session %s not found" % name  # assumed wording
        self.name = self.list = None
        if session.state == "pendingCommitTimer":
            self.router.cancel_timer()
            del self.router.sessions[name]
            return ""
        if match.groupdict().get("h") is not None:
            seconds = 3600 * int(match["h"]) + 60 * int(match["m"]) + int(match["s"])
            self.router.commit_with_timer(name, seconds)
            return ""
        self.router.running = copy.deepcopy(self.router.sessions.pop(name).config)
        return ""

    def abort(self, match):
        name = match.groupdict().get("name") or self.name
        if name not in self.router.sessions:
            return "%% Session %s not found" % name  # assumed wording
        self.router.abort(name)
        self.name = self.list = None
        return ""

    def show_sessions(self, match):
        lines = [
            "Maximum number of completed sessions: 1",
            "Maximum number of pending sessions: 5",
            "Merge on commit is disabled",
            "Autosave to startup-config on commit is disabled",
            "",
        ]
        timed = [name for name, session in self.router.sessions.items() if session.state == "pendingCommitTimer"]
        for name in timed:
            lines += [
                "Session with pending commit timer: %s" % name,
                "Time left until commit timer expiry: in 0:04:59",
                "",
            ]
        lines += [
            "  Name             State     User  Terminal Completed Time      Committed By",
            "- ---------------- --------- ----- -------- ------------------- ------------",
        ]
        for name, session in self.router.sessions.items():
            state = "committed" if session.state == "pendingCommitTimer" else session.state
            mark = "*" if name == self.name else " "
            lines.append("%s %-16s %-9s admin vty%d" % (mark, name, state, self.terminal))
        return "\n".join(lines)

    def copy_running(self, match):
        self.router.files[match["url"]] = copy.deepcopy(self.router.running)
        return "Copy completed successfully."

    def replace(self, match):
        saved = self.router.files.get(match["url"])
        if saved is None:
            return "%% Error copying %s (No such file or directory)" % match["url"]  # assumed wording
        self.router.running = copy.deepcopy(saved)
        return ""


EosRouter.session_class = EosSession


# -- Juniper Junos ------------------------------------------------------------------------------------

JUNOS_TOP = {"version", "system", "interfaces", "routing-options", "protocols", "policy-options"}
JUNOS_NAMED = {"prefix-list", "route-filter-list", "as-path-group", "policy-statement", "term", "group", "neighbor"}
JUNOS_SINGLE = {"host-name", "version", "description", "local-as", "peer-as", "type"}
JUNOS_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{};]|[^\s{};"]+')


def leaf_identity(key):
    """Statements with the same identity replace each other; other leaves sit side by side."""
    first = key.split()[0]
    return first if first in JUNOS_SINGLE else key


def put_leaf(tree, key):
    for existing in [old for old in tree if tree[old] is None and leaf_identity(old) == leaf_identity(key)]:
        del tree[existing]
    tree[key] = None


def merge_tree(target, loaded, honour_replace):
    """Merge ``loaded`` ({key: (tag, subtree or None)}) into ``target``: a statement tagged ``delete:`` goes
    (with what it holds; one that is not there is passed over), one tagged ``replace:`` replaces."""
    for key, (replace, child) in loaded.items():
        if replace == "delete":
            target.pop(key, None)
        elif child is None:
            put_leaf(target, key)
        elif (replace and honour_replace) or not isinstance(target.get(key), dict):
            target[key] = {}
            merge_tree(target[key], child, honour_replace)
        else:
            merge_tree(target[key], child, honour_replace)


def render_tree(tree, depth=0):
    lines = []
    for key, child in tree.items():
        pad = "    " * depth
        if child is None:
            lines.append("%s%s;" % (pad, key))
        else:
            lines += ["%s%s {" % (pad, key), *render_tree(child, depth + 1), "%s}" % pad]
    return lines


class CurlyLoad:
    """Curly-brace configuration typed after ``load ... terminal``: the statements and the syntax errors."""

    def __init__(self, lines):
        self.tokens = [(number, token) for number, line in enumerate(lines, 1) for token in JUNOS_TOKEN.findall(line)]
        self.position = 0
        self.errors = []

    def parse(self):
        tree = self.block(depth=0)
        if self.position < len(self.tokens):
            self.error(self.tokens[self.position])
        return tree

    def block(self, depth, parent=None):
        tree, words, replace = {}, [], False
        while self.position < len(self.tokens):
            number, token = self.tokens[self.position]
            self.position += 1
            if token == "replace:":
                replace = True
            elif token == "delete:":
                replace = "delete"
            elif token == "}":
                if depth == 0:
                    self.error((number, token))
                    continue
                return tree
            elif token in ("{", ";"):
                if words and self.allowed(words[0], parent):
                    key = " ".join(words)
                    tree[key] = (replace, self.block(depth + 1, words[0]) if token == "{" else None)
                elif token == "{":
                    self.error((number, words[0] if words else token))
                    self.block(depth + 1, None)
                elif words:
                    self.error((number, words[0]))
                words, replace = [], False
            else:
                words.append(token)
        if depth:
            self.errors.append("terminal:%d:(0) syntax error: missing '}'" % (self.tokens[-1][0] if self.tokens else 0))
        return tree

    @staticmethod
    def allowed(word, parent):
        if parent is None:
            return word in JUNOS_TOP
        if parent == "policy-options":
            return word in JUNOS_NAMED | {"community", "as-path"}
        return True

    def error(self, located):
        number, word = located
        self.errors.append(
            "terminal:%d:(0) syntax error: %s\n  [edit]\n    '%s'\n      syntax error" % (number, word, word)
        )


def set_path(words):
    """The tree path of a ``set``/``delete`` command's words: containers, then the leaf (or None)."""
    path, index = [], 0
    while index < len(words):
        word = words[index]
        if "/" in word or word in JUNOS_SINGLE:
            return path, " ".join(words[index:])
        if word in JUNOS_NAMED and index + 1 < len(words):
            path.append("%s %s" % (word, words[index + 1]))
            index += 2
            continue
        path.append(word)
        index += 1
    return path, None


class JunosRouter(Router):
    """Junos: one candidate database, ``configure exclusive``, rollbacks, ``commit confirmed`` in minutes."""

    platform = "juniper_junos"

    def __init__(self, hostname="vmx1", clock_rate=1.0):
        super().__init__(hostname, clock_rate)
        self.running = {"version 23.2R1.13": None, "system": {"host-name %s" % hostname: None}}
        self.rollbacks = []  # earlier committed configurations, newest first (rollback 1, 2, ...)
        self.candidate = copy.deepcopy(self.running)
        self.last_commit = stamp("%Y-%m-%d %H:%M:%S UTC")

    def commit(self, config):
        self.rollbacks.insert(0, self.running)
        self.running = copy.deepcopy(config)
        self.candidate = copy.deepcopy(config)
        self.last_commit = stamp("%Y-%m-%d %H:%M:%S UTC")

    def confirm_window_over(self):
        """The confirmed commit was not confirmed in time: Junos loads rollback 1 and commits it."""
        self.commit(self.rollbacks[0])


class JunosSession(Session):
    exec_commands = (
        (r"", "empty"),
        (r"set cli screen-width (?P<width>\d+)", "screen_width"),
        (r"set cli complete-on-space off", "complete_on_space"),
        (r"set cli screen-length (?P<length>\d+)", "screen_length"),
        (r"show configuration", "show_running"),
        (r"configure( (?P<how>exclusive))?", "configure"),
        (r"exit|quit", "end_session"),
    )
    config_commands = (
        (r"", "empty"),
        (r"load (?P<how>merge|replace|set) terminal", "load"),
        (r"show", "show_candidate"),
        (r"run (?P<command>.+)", "run"),
        (r"commit check", "commit_check"),
        (r"commit", "commit"),
        (r"commit confirmed( (?P<minutes>\d+))?", "commit"),
        (r"rollback( (?P<number>\d+))?", "rollback"),
        (r"exit configuration-mode|exit|quit", "leave_config"),
    )
    exit_question = (
        "The configuration has been changed but not committed\nExit with uncommitted changes? [yes,no] (yes) "
    )

    def __init__(self, router, terminal):
        super().__init__(router, terminal)
        self.mode = "exec"
        self.exclusive = False
        self.loading = None  # (how, lines typed so far) during ``load ... terminal``

    def banner(self):
        return "Last login: %s from 192.0.2.254\n--- JUNOS 23.2R1.13 Kernel 64-bit  JNPR-12.1-20230720" % stamp()

    def mode_prompt(self):
        if self.loading is not None:
            return ""
        if self.mode == "exec":
            return "%s@%s> " % (USERNAME, self.router.hostname)
        return "\n[edit]\n%s@%s# " % (USERNAME, self.router.hostname)

    def command(self, line):
        if self.loading is not None:
            return self.load_line(line)
        table = self.config_commands if self.mode == "config" else self.exec_commands
        return self.dispatch(line.strip(), table)

    def invalid(self, line):
        word = (line.split() or [""])[0]
        return "%s\nunknown command." % (" " * (len(self.mode_prompt().split("\n")[-1]) + line.find(word)) + "^")

    def connection_lost(self):
        if self.exclusive:
            self.router.candidate = copy.deepcopy(self.router.running)  # discarded when the session ends

    def screen_width(self, match):
        return "Screen width set to %s" % match["width"]

    def complete_on_space(self, match):
        return "Disabling complete-on-space"

    def screen_length(self, match):
        return "Screen length set to %s" % match["length"]

    def show_running(self, match):
        router = self.router
        return "## Last commit: %s by admin\n%s" % (router.last_commit, "\n".join(render_tree(router.running)))

    def configure(self, match):
        router = self.router
        holder = router.lock_holder
        if holder not in (None, self):
            return (
                "error: configuration database locked by:\n  %s terminal pts/%d (pid %d) on since %s\n"
                "      exclusive [edit]" % (USERNAME, holder.terminal, 4200 + holder.terminal, router.last_commit)
            )
        if match["how"] == "exclusive":
            if router.candidate != router.running:
                return (
                    "Users currently editing the configuration:\n  %s terminal pts/1 (pid 4201) on since %s\n"
                    % (
                        USERNAME,
                        router.last_commit,
                    )
                    + "      [edit]\nerror: configuration database modified"
                )
            router.take_lock(self)
            self.exclusive = True
        self.mode = "config"
        return "warning: uncommitted changes will be discarded on exit\nEntering configuration mode"

    def run(self, match):
        return self.dispatch(match["command"], self.exec_commands)

    def show_candidate(self, match):
        return "## Last changed: %s\n%s" % (self.router.last_commit, "\n".join(render_tree(self.router.candidate)))

    def load(self, match):
        self.loading = (match["how"], [])
        return "[Type ^D at a new line to end input]"

    def load_line(self, line):
        how, lines = self.loading
        if not line.startswith(CTRL_D):
            lines.append(line)
            return ""
        self.loading = None
        errors = self.load_set(lines) if how == "set" else self.load_curly(lines, how == "replace")
        if errors:
            return "\n".join(errors + ["load complete (%d errors)" % len(errors)])
        return "load complete"

    def load_curly(self, lines, honour_replace):
        loading = CurlyLoad(lines)
        merge_tree(self.router.candidate, loading.parse(), honour_replace)  # Junos loads what it can
        return loading.errors

    def load_set(self, lines):
        errors = []
        for number, line in enumerate(lines, 1):
            words = JUNOS_TOKEN.findall(line)
            if len(words) < 2 or words[0] not in ("set", "delete") or words[1] not in JUNOS_TOP:
                errors.append("terminal:%d:(0) syntax error: %s" % (number, " ".join(words[:2])))
                continue
            path, leaf = set_path(words[1:])
            self.apply_set(words[0], path, leaf)
        return errors

    def apply_set(self, verb, path, leaf):
        tree = self.router.candidate
        for key in path[:-1] if verb == "delete" and leaf is None else path:
            if not isinstance(tree.get(key), dict):
                if verb == "delete":
                    return
                tree[key] = {}
            tree = tree[key]
        if verb == "set":
            if leaf is not None:
                put_leaf(tree, leaf)
            return
        tree.pop(leaf if leaf is not None else path[-1], None)

    def commit_check(self, match):
        self.router.cancel_timer()  # commit check confirms a pending confirmed commit
        return "configuration check succeeds"

    def commit(self, match):
        router = self.router
        if router.lock_holder not in (None, self):
            return "error: configuration database locked by another user"  # assumed wording
        router.cancel_timer()  # a commit confirms a pending confirmed commit
        router.commit(router.candidate)
        if "minutes" not in match.groupdict():
            return "commit complete"
        minutes = int(match["minutes"] or 10)
        router.after(minutes * 60, router.confirm_window_over)
        return (
            "configuration check succeeds\ncommit confirmed will be automatically rolled back in %d minutes unless "
            "confirmed\ncommit complete\n\n# commit confirmed will be rolled back in %d minutes" % (minutes, minutes)
        )

    def rollback(self, match):
        number = int(match["number"] or 0)
        router = self.router
        if number > len(router.rollbacks):
            return "error: rollback %d does not exist" % number  # assumed wording
        router.candidate = copy.deepcopy(router.running if number == 0 else router.rollbacks[number - 1])
        return "load complete"

    def leave_config(self, match):
        if self.router.candidate != self.router.running:
            self.question = (self.exit_question, self.answer_exit)
            return ""
        return self.leave()

    def answer_exit(self, answer):
        if answer in ("", "yes"):
            return self.leave()
        return ""

    def leave(self):
        self.connection_lost()
        self.router.release_lock(self)
        self.mode, self.exclusive = "exec", False
        return "Exiting configuration mode"


JunosRouter.session_class = JunosSession

ROUTERS = {router.platform: router for router in (IosRouter, XrRouter, EosRouter, JunosRouter)}
