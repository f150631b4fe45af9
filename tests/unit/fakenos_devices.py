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
  one), without its 10 ms pause per byte and with TCP_NODELAY; its line buffers
  by ``TapLines``, woken by each line rather than polled.

What the routers do was written from vendor documentation and published
transcripts of real devices, for exactly the commands the drivers use; wording
no such source gave is marked "assumed", and the drivers do not depend on it.
These are models of the devices, not the devices: the tests check the drivers
against them. Confirm timers run on a clock ``clock_rate`` times faster than
real time, so that a test need not wait minutes.
"""

from __future__ import annotations

import collections
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
from ports import free_port

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
    """fakenos's channel-to-shell tap (echo, a line to the shell at CR or LF), also ending a line at Ctrl-D.
    The echo goes out a byte at a time: without TCP_NODELAY, Nagle's algorithm holds each small packet until
    the client's delayed acknowledgement (some 40 ms a command), which no router's CLI does. The flag of the
    shell's reply is cleared before the shell has the line, not after (as fakenos does): a reply quicker than the
    tap, as under load, would otherwise be forgotten and the next byte wait 10 s for it, a stall per line."""
    with contextlib.suppress(OSError, AttributeError):
        channel_stdio.channel.get_transport().sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
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
            shell_replied_event.clear()
            shell_stdin.write(pending.decode("utf-8", "replace") + "\n")
            pending.clear()
        except (OSError, EOFError):
            break


class TapLines:
    """fakenos's ``TapIO`` (the lines between the SSH channel and the shell, first in first out) woken by each
    line instead of looking every 10 ms: a candidate of a few hundred lines typed into the shell would
    otherwise wait seconds on the emulator alone."""

    def __init__(self, run_srv, initial_value="", newline="\n"):
        self.run_srv = run_srv
        self.lines = collections.deque()
        self.ready = threading.Condition()

    def readline(self):
        with self.ready:
            while self.run_srv.is_set():
                if self.lines:
                    return self.lines.popleft()
                self.ready.wait(0.1)
        return None

    def write(self, value):
        with self.ready:
            self.lines.append(value)
            self.ready.notify()

    def flush(self):
        pass


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
    with (
        mock.patch.object(ssh_server_paramiko, "channel_to_shell_tap", line_tap),
        mock.patch.object(ssh_server_paramiko, "TapIO", TapLines),
    ):
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

IOS_WORDS = {
    *("ip", "ipv6", "prefix-list", "seq", "permit", "deny", "ge", "le", "description", "no", "hostname"),
    *("as-path", "access-list", "community-list", "large-community-list", "standard", "expanded", "route-map"),
    *("router", "bgp", "neighbor", "address-family", "match", "set", "continue", "exit", "exit-address-family"),
}
IOS_ENTRY = r"(?P<kw>ip|ipv6) prefix-list (?P<name>\S+)( seq (?P<seq>\d+))? (?P<entry>(permit|deny) .+)"
PREFIX_ENTRY = re.compile(r"(permit|deny) (?P<prefix>\S+)( ge (?P<ge>\d+))?( le (?P<le>\d+))?")


class RouteMapEntry:
    """One entry of a route-map (IOS and EOS): its action and lines, printed in the device's order (match lines,
    then ``continue``, then set lines; EOS sorts the matches and the sets). A line that sets what the entry holds
    once (``continue``, ``set local-preference``, ``description``) replaces the one before."""

    once = ("continue", "set local-preference", "description")

    def __init__(self, action, sort=False):
        self.action = action
        self.sort = sort
        self.body = []

    def add(self, line):
        kind = next((word for word in self.once if line == word or line.startswith(word + " ")), None)
        self.body = [old for old in self.body if not (kind and (old == kind or old.startswith(kind + " ")))]
        if line not in self.body:
            self.body.append(line)

    def lines(self, indent):
        order = sorted if self.sort else list
        described = [line for line in self.body if line.startswith("description ")]
        matches = order(line for line in self.body if line.startswith("match "))
        jumps = [line for line in self.body if line.startswith("continue")]
        sets = order(line for line in self.body if line.startswith("set "))
        return [indent + line for line in described + matches + jumps + sets]


class BgpBlock:
    """``router bgp ASN`` (IOS and EOS): its own lines and each address family's, in the order typed; a line
    that sets what the router holds once (``settings``: patterns whose groups name the thing set) replaces the
    one before, in its place."""

    def __init__(self, asn, settings):
        self.asn = asn
        self.settings = settings
        self.own = []
        self.families = {}  # ipv4|ipv6 -> [line, ...]

    def setting(self, line):
        for pattern in self.settings:
            found = re.fullmatch(pattern, line)
            if found:
                return pattern, found.groups()
        return None

    def put(self, family, line):
        lines = self.own if family is None else self.families.setdefault(family, [])
        wanted = self.setting(line)
        for index, old in enumerate(lines):
            if old == line or (wanted is not None and self.setting(old) == wanted):
                lines[index] = line
                return
        lines.append(line)

    def remove(self, family, prefix):
        for lines in [self.own, *self.families.values()] if family is None else [self.families.get(family, [])]:
            lines[:] = [line for line in lines if not (line == prefix or line.startswith(prefix + " "))]

    def knows(self, peer):
        """Whether ``peer`` is a neighbour (it has a remote AS or a peer group) or a peer group."""
        return any(
            re.fullmatch(r"neighbor %s (remote-as \d+|peer[ -]group( \S+)?)" % re.escape(peer), line)
            for line in self.own
        )

    def lines(self, indent, closing=None):
        body = ["router bgp %d" % self.asn, *(indent + line for line in self.own)]
        for family, lines in self.families.items():
            body += [indent + "!", indent + "address-family %s" % family, *(2 * indent + line for line in lines)]
            body += [indent + closing] if closing else []
        return body


# What IOS holds once under ``router bgp``: a neighbour's route-map in each direction, its remote AS, ...
IOS_BGP_SETTINGS = (
    r"(neighbor \S+ route-map) \S+ (in|out)",
    r"(neighbor \S+ (?:remote-as|maximum-prefix|description|peer-group)) .+",
    r"(bgp maxas-limit) \d+",
)
IOS_UNKNOWN_NEIGHBOR = "% Specify remote-as or peer-group commands first"
# route-map lines both IOS and EOS take (from their command references), and each one's own
COMMUNITY = r"(\d+:\d+|no-export|no-advertise|local-AS|internet)"
LARGE_COMMUNITY = r"\d+:\d+:\d+"
ROUTE_MAP_LINES = (
    r"match (ip|ipv6) address prefix-list \S+",
    r"match (as-path|community|large-community) \S+",
    r"continue( (?P<target>\d+))?",
    r"set local-preference \d+",
    r"set community %s( %s)* additive" % (COMMUNITY, COMMUNITY),
    r"set large-community %s( %s)* additive" % (LARGE_COMMUNITY, LARGE_COMMUNITY),
    r"set (ip|ipv6) next-hop peer-address",
    r"description .+",
)
IOS_ROUTE_MAP_LINES = (*ROUTE_MAP_LINES, r"match rpki (invalid|valid|not-found)", r"set large-comm-list \S+ delete")


def values_in_range(line):
    """Whether the communities of ``line`` fit their fields (16 bits, or 32 for large ones)."""
    for value in re.findall(r"\b\d+(?::\d+)+\b", line):
        top = 2**16 - 1 if value.count(":") == 1 else 2**32 - 1
        if any(int(part) > top for part in value.split(":")):
            return False
    return True


def named_lines(head, lists):
    """``HEAD [KIND] NAME ENTRY`` for every entry of ``lists`` ({name or (kind, name): [entry, ...]})."""
    return [
        " ".join((head, *(key if isinstance(key, tuple) else (key,)), entry))
        for key, entries in lists.items()
        for entry in entries
    ]


IOS_PEER_REMOVABLE = r"activate|default-originate|maximum-prefix|route-map \S+ (in|out)"
IOS_MAXIMUM_PREFIX = r"neighbor (?P<peer>\S+) maximum-prefix (?P<limit>\d+)( restart (?P<minutes>\d+)| warning-only)?"
# IOS's configuration sub-modes: what their prompt says, their commands
IOS_MODES = {
    "router": (
        "config-router",
        (
            (r"neighbor (?P<peer>\S+) remote-as \d+", "bgp_neighbor"),
            (r"neighbor (?P<peer>\S+) peer-group", "bgp_neighbor"),
            (r"neighbor (?P<peer>\S+) peer-group (?P<group>\S+)", "bgp_member"),
            (r"neighbor (?P<peer>\S+) description .+", "bgp_peer_line"),
            (r"no neighbor (?P<peer>\S+)( (?P<what>.+))?", "bgp_no_peer_line"),
            (r"bgp maxas-limit (?P<limit>\d+)", "bgp_maxas"),
            (r"bgp log-neighbor-changes|no bgp default ipv4-unicast", "bgp_line"),
            (r"address-family (?P<family>ipv4|ipv6)( unicast)?", "enter_family"),
            (r"exit", "up"),
            (r"do (?P<command>.+)", "do"),
        ),
    ),
    "family": (
        "config-router-af",
        (
            (r"neighbor (?P<peer>\S+) (activate|default-originate|route-map \S+ (in|out))", "bgp_peer_line"),
            (IOS_MAXIMUM_PREFIX, "bgp_limit"),
            (r"no neighbor (?P<peer>\S+) (?P<what>%s)" % IOS_PEER_REMOVABLE, "bgp_no_peer_line"),
            (r"exit-address-family|exit", "up"),
            (r"do (?P<command>.+)", "do"),
        ),
    ),
    "route-map": (
        "config-route-map",
        (
            *((pattern, "route_map_line") for pattern in IOS_ROUTE_MAP_LINES),
            (r"exit", "up"),
            (r"do (?P<command>.+)", "do"),
        ),
    ),
}


class IosConfig:
    """The parts of an IOS configuration the tests use, printed in IOS's order."""

    def __init__(self, hostname):
        self.hostname = hostname
        self.prefix_lists = {}  # (keyword, name) -> {seq: "permit P ..."}
        self.descriptions = {}  # (keyword, name) -> text
        self.globals = []  # lines of their own (ip bgp-community new-format)
        self.communities = {}  # (standard|expanded, name) -> ["permit 65535:0", ...]
        self.large = {}  # (standard|expanded, name) -> [entry, ...]
        self.as_paths = {}  # name -> ["permit REGEX", ...]
        self.route_maps = {}  # name -> {seq: RouteMapEntry}
        self.bgp = None  # BgpBlock

    def add_entry(self, key, seq, entry):
        entries = self.prefix_lists.setdefault(key, {})
        if entry in entries.values():
            return  # IOS keeps one of each entry
        entries[seq if seq is not None else max(entries, default=0) + 5] = entry

    def lines(self):
        body = ["version 15.9", "hostname %s" % self.hostname, "!"]
        body += ["archive", " path flash:routesec", " maximum 5", "!", "configuration mode exclusive auto", "!"]
        body += [*self.bgp.lines(" ", "exit-address-family"), "!"] if self.bgp else []
        objects = [*self.globals, *named_lines("ip community-list", self.communities)]
        objects += named_lines("ip large-community-list", self.large)
        objects += named_lines("ip as-path access-list", self.as_paths)
        body += [*objects, "!"] if objects else []
        for keyword in ("ip", "ipv6"):
            lists = [(name, entries) for (kw, name), entries in self.prefix_lists.items() if kw == keyword]
            for name, entries in lists:
                described = self.descriptions.get((keyword, name))
                body += ["%s prefix-list %s description %s" % (keyword, name, described)] if described else []
                body += ["%s prefix-list %s seq %d %s" % (keyword, name, seq, entries[seq]) for seq in sorted(entries)]
            if lists:
                body.append("!")
        for name, entries in self.route_maps.items():
            for seq in sorted(entries):
                body += ["route-map %s %s %d" % (name, entries[seq].action, seq), *entries[seq].lines(" "), "!"]
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
        (r"ip bgp-community new-format", "global_line"),
        (r"ip community-list (?P<kind>standard|expanded) (?P<name>\S+) (?P<entry>(permit|deny) .+)", "add_community"),
        (r"no ip community-list (?P<kind>standard|expanded) (?P<name>\S+)", "remove_community"),
        (r"ip large-community-list (?P<kind>standard|expanded) (?P<name>\S+) (?P<entry>(permit|deny) .+)", "add_large"),
        (r"no ip large-community-list (?P<kind>standard|expanded) (?P<name>\S+)", "remove_large"),
        (r"ip as-path access-list (?P<name>\S+) (?P<entry>(permit|deny) \S+)", "add_as_path"),
        (r"no ip as-path access-list (?P<name>\S+)", "remove_as_path"),
        (r"route-map (?P<name>\S+) (?P<action>permit|deny) (?P<seq>\d+)", "enter_route_map"),
        (r"no route-map (?P<name>\S+)", "remove_route_map"),
        (r"router bgp (?P<asn>\d+)", "enter_bgp"),
        (r"end|exit", "leave_config"),
        (r"do (?P<command>.+)", "do"),
    )
    modes = IOS_MODES
    no_pending = "% No Rollback Confirmed Change pending"  # assumed wording

    def __init__(self, router, terminal):
        super().__init__(router, terminal)
        self.config = False
        self.mode = []  # the sub-modes entered: (name, what it edits), outermost first

    def mode_prompt(self):
        if not self.config:
            return "%s#" % self.router.hostname
        return "%s(%s)#" % (self.router.hostname, self.modes[self.mode[-1][0]][0] if self.mode else "config")

    def command(self, line):
        line = line.strip()
        if not self.config:
            return self.dispatch(line, self.exec_commands)
        # IOS takes a line the sub-mode does not know in the enclosing modes, leaving the sub-mode
        for depth in range(len(self.mode), -1, -1):
            table = self.modes[self.mode[depth - 1][0]][1] if depth else self.config_commands
            if any(re.fullmatch(pattern, line) for pattern, handler in table):
                del self.mode[depth:]
                return self.dispatch(line, table)
        return self.invalid(line)

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
        self.mode = []
        self.router.release_lock(self)
        return ""

    def up(self, match):
        self.mode.pop()
        return ""

    def global_line(self, match):
        lines = self.router.running.globals
        lines += [] if match.string in lines else [match.string]
        return ""

    def add_community(self, match):
        return self.add_list_entry(self.router.running.communities, match, r"(permit|deny)( %s)+" % COMMUNITY)

    def add_large(self, match):
        return self.add_list_entry(self.router.running.large, match, r"(permit|deny)( %s)+" % LARGE_COMMUNITY)

    def add_list_entry(self, lists, match, standard):
        entry = match["entry"]
        if match["kind"] == "standard" and not (re.fullmatch(standard, entry) and values_in_range(entry)):
            return self.invalid(match.string)
        entries = lists.setdefault((match["kind"], match["name"]), [])
        entries += [] if entry in entries else [entry]
        return ""

    def remove_community(self, match):
        self.router.running.communities.pop((match["kind"], match["name"]), None)
        return ""

    def remove_large(self, match):
        self.router.running.large.pop((match["kind"], match["name"]), None)
        return ""

    def add_as_path(self, match):
        entries = self.router.running.as_paths.setdefault(match["name"], [])
        entries += [] if match["entry"] in entries else [match["entry"]]
        return ""

    def remove_as_path(self, match):
        self.router.running.as_paths.pop(match["name"], None)
        return ""

    def enter_route_map(self, match):
        entries = self.router.running.route_maps.setdefault(match["name"], {})
        seq = int(match["seq"])
        if seq > 65535:
            return self.invalid(match.string)
        entries.setdefault(seq, RouteMapEntry(match["action"])).action = match["action"]
        self.mode = [("route-map", (match["name"], seq))]
        return ""

    def remove_route_map(self, match):
        self.router.running.route_maps.pop(match["name"], None)
        return ""

    def route_map_line(self, match):
        name, seq = self.mode[-1][1]
        target = match.groupdict().get("target")
        if not values_in_range(match.string) or (target is not None and int(target) <= seq):
            return self.invalid(match.string)  # IOS continues only to a later entry
        self.router.running.route_maps[name][seq].add(match.string)
        return ""

    def enter_bgp(self, match):
        running = self.router.running
        if running.bgp is not None and running.bgp.asn != int(match["asn"]):
            return "%% BGP is already running; AS is %d" % running.bgp.asn
        running.bgp = running.bgp or BgpBlock(int(match["asn"]), IOS_BGP_SETTINGS)
        self.mode = [("router", None)]
        return ""

    def enter_family(self, match):
        self.router.running.bgp.families.setdefault(match["family"], [])
        self.mode.append(("family", match["family"]))
        return ""

    def family(self):
        return self.mode[-1][1] if self.mode[-1][0] == "family" else None

    def bgp_neighbor(self, match):
        self.router.running.bgp.put(None, match.string)
        return ""

    def bgp_member(self, match):
        if not self.router.running.bgp.knows(match["group"]):
            return "%% Create the peer-group %s first" % match["group"]  # assumed wording
        return self.bgp_neighbor(match)

    def bgp_peer_line(self, match):
        if not self.router.running.bgp.knows(match["peer"]):
            return IOS_UNKNOWN_NEIGHBOR
        self.router.running.bgp.put(self.family(), match.string)
        return ""

    def bgp_limit(self, match):
        if not 1 <= int(match["limit"]) <= 2**31 - 1 or not 1 <= int(match["minutes"] or 1) <= 65535:
            return self.invalid(match.string)
        return self.bgp_peer_line(match)

    def bgp_no_peer_line(self, match):
        what = " %s" % match["what"] if match["what"] else ""
        self.router.running.bgp.remove(self.family(), "neighbor %s%s" % (match["peer"], what))
        return ""

    def bgp_maxas(self, match):
        if not 1 <= int(match["limit"]) <= 2000:
            return self.invalid(match.string)
        return self.bgp_line(match)

    def bgp_line(self, match):
        self.router.running.bgp.put(None, match.string)
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

XR_WORDS = {
    "prefix-set", "as-path-set", "community-set", "large-community-set", "end-set", "route-policy", "end-policy",
    "no", "hostname", "commit", "confirmed", "ge", "le", "router", "bgp", "neighbor", "address-family", "ipv4",
    "ipv6", "unicast", "remote-as", "maximum-prefix", "default-originate", "in", "out",
}  # fmt: skip
XR_SETS = ("prefix-set", "as-path-set", "community-set", "large-community-set")  # in the order IOS-XR prints them
XR_SET_MODES = {"prefix-set": "pfx", "as-path-set": "as", "community-set": "comm", "large-community-set": "largecomm"}
XR_REGEX = r"ios-regex '(?P<regex>[^']+)'"
XR_SET_ENTRIES = {  # what each kind of set holds besides remarks (prefix-sets: see set_entry)
    "as-path-set": re.compile(XR_REGEX + r"|length (is|ge|le|eq) \d+"),
    "community-set": re.compile(r"(?P<numbers>(\d+|\*):(\d+|\*))|internet|no-export|no-advertise|local-AS|" + XR_REGEX),
    "large-community-set": re.compile(r"(?P<numbers>(\d+|\*):(\d+|\*):(\d+|\*))|" + XR_REGEX),
}
XR_NUMBER_TOP = {"community-set": 2**16 - 1, "large-community-set": 2**32 - 1}

# RPL: the conditions and statements the tests use (Routing Policy Language command reference), with the kind of
# object a named set stands for; an inline set, ``(...)``, names none
XR_SET_OPERAND = r"(?P<name>\([^)]*\)|\S+)"
XR_CONDITIONS = (
    (r"destination in " + XR_SET_OPERAND, "prefix-set"),
    (r"as-path in " + XR_SET_OPERAND, "as-path-set"),
    (r"community matches-(any|every) " + XR_SET_OPERAND, "community-set"),
    (r"large-community matches-(any|every) " + XR_SET_OPERAND, "large-community-set"),
    (r"as-path (length|unique-length) (is|ge|le|eq) \d+", None),
    (r"as-path (neighbor-is|originates-from|passes-through) '[0-9 .]+'( exact)?", None),
    (r"validation-state is (valid|invalid|not-found)", None),
    (r"local-preference (is|ge|le|eq) \d+", None),
)
XR_STATEMENTS = (
    (r"if (?P<condition>.+) then", None),
    (r"elseif (?P<condition>.+) then", None),
    (r"else|endif|drop|pass|done", None),
    (r"set (local-preference|med|weight) \d+", None),
    (r"set next-hop (peer-address|self|discard|[0-9a-fA-F.:]+)", None),
    (r"set community " + XR_SET_OPERAND + r"( additive)?", "community-set"),
    (r"set large-community " + XR_SET_OPERAND + r"( additive)?", "large-community-set"),
    (r"delete community (all|(not )?in " + XR_SET_OPERAND + ")", "community-set"),
    (r"delete large-community (all|(not )?in " + XR_SET_OPERAND + ")", "large-community-set"),
    (r"prepend as-path (own-as|most-recent|\d+)( \d+)?", None),
    (r"apply " + XR_SET_OPERAND, "route-policy"),
    (r"#.*", None),
)
XR_OPENS, XR_CLOSES = ("if", "elseif", "else"), ("elseif", "else", "endif")

# router bgp: per mode, what it holds in the order IOS-XR prints it: (pattern, submode of a block or None for a
# line, and whether one line of the pattern replaces another ("one") or each line stands alone ("line"))
XR_NEIGHBOR = (
    (r"remote-as \d+", None, "one"),
    (r"use neighbor-group \S+", None, "one"),
    (r"description .+", None, "one"),
    (r"shutdown", None, "one"),
    (r"address-family (ipv4|ipv6) unicast", "bgp-nbr-af", "line"),
)
XR_BGP = {
    "config": ((r"router bgp \d+", "bgp", "line"),),
    "bgp": (
        (r"bgp router-id \S+", None, "one"),
        (r"address-family (ipv4|ipv6) unicast", "bgp-af", "line"),
        (r"neighbor-group \S+", "bgp-nbrgrp", "line"),
        (r"neighbor [0-9a-fA-F.:]+", "bgp-nbr", "line"),
    ),
    "bgp-af": ((r"network \S+", None, "line"),),
    "bgp-nbrgrp": XR_NEIGHBOR,
    "bgp-nbr": XR_NEIGHBOR,
    "bgp-nbr-af": (
        (r"send-community-ebgp", None, "one"),
        (r"route-policy \S+ in", None, "one"),
        (r"maximum-prefix \d+( \d+)?( warning-only| restart \d+| discard-extra-paths)?", None, "one"),
        (r"route-policy \S+ out", None, "one"),
        (r"default-originate", None, "one"),
        (r"next-hop-self", None, "one"),
    ),
}
XR_COMMIT_FAILED = (
    "% Failed to commit one or more configuration items during an atomic operation. No changes have been made.\n"
    "Please issue 'show configuration failed' from this session to view the errors"
)


def xr_condition_sets(expression):
    """``[(kind, name)]`` of the named sets an RPL condition uses; None when a part of it is not RPL."""
    used = []
    for part in re.split(r" and | or ", expression):
        part = part.strip()
        while part.startswith("not "):
            part = part[4:].strip()
        if part.startswith("(") and part.endswith(")") and not xr_condition(part):
            part = part[1:-1].strip()
        found = xr_condition(part)
        if found is None:
            return None
        used += found
    return used


def xr_condition(part):
    for pattern, kind in XR_CONDITIONS:
        match = re.fullmatch(pattern, part)
        if match:
            name = match.groupdict().get("name")
            return [(kind, name)] if kind and not name.startswith("(") else []
    return None


def xr_statement_objects(statement):
    """``[(kind, name)]`` of the sets and policies an RPL statement names; None when it is not RPL."""
    for pattern, kind in XR_STATEMENTS:
        match = re.fullmatch(pattern, statement)
        if not match:
            continue
        if match.groupdict().get("condition"):
            return xr_condition_sets(match["condition"])
        name = match.groupdict().get("name")
        return [(kind, name)] if kind and name and not name.startswith("(") else []
    return None


def xr_indented(statements):
    """An RPL body as IOS-XR prints it: two spaces a nesting level."""
    lines, level = [], 1
    for statement in statements:
        word = statement.split()[0]
        level -= word in XR_CLOSES
        lines.append("  " * level + statement)
        level += word in XR_OPENS
    return lines


def xr_bgp_grammar(mode, line):
    """``(key, submode)`` of ``line`` in BGP configuration ``mode``, None when the mode has no such line."""
    for index, (pattern, submode, identity) in enumerate(XR_BGP.get(mode, ())):
        if re.fullmatch(pattern, line):
            if line.startswith("neighbor ") and prefix_or_none(line.split()[1]) is None:
                return None
            return ((index, line) if identity == "line" else (index,)), submode
    return None


def xr_bgp_removal(mode, line):
    """The key ``no LINE`` removes in ``mode``: a line of the mode, or the first word of a one-line setting."""
    found = xr_bgp_grammar(mode, line)
    if found:
        return found[0]
    for index, (pattern, _submode, identity) in enumerate(XR_BGP.get(mode, ())):
        if identity == "one" and pattern.split()[0] == line:
            return (index,)
    return None


def xr_order(key, line):
    """Where IOS-XR prints a line among its siblings: by kind, neighbours by address."""
    if line.startswith("neighbor ") and prefix_or_none(line.split()[1]) is not None:
        address = ipaddress.ip_address(line.split()[1])
        return key[0], address.version, int(address), ""
    return key[0], 0, 0, line


class XrConfig:
    """The parts of an IOS-XR configuration the tests use: sets, route-policies and ``router bgp``."""

    def __init__(self, hostname):
        self.hostname = hostname
        self.sets = {kind: {} for kind in XR_SETS}  # kind -> {name: [entry, ...]}
        self.policies = {}  # name -> [statement, ...]
        self.bgp = {}  # key -> {"line", "block", "children"}: router bgp and what it holds

    def apply(self, changes):
        """A copy with the target configuration's ``changes`` applied."""
        result = copy.deepcopy(self)
        for change in changes:
            getattr(result, "apply_" + change[0])(*change[1:])
        return result

    def apply_hostname(self, name):
        self.hostname = name

    def apply_set(self, kind, name, entries):
        self.sets[kind][name] = list(entries)

    def apply_policy(self, name, statements):
        self.policies[name] = list(statements)

    def apply_remove(self, kind, name):
        (self.policies if kind == "route-policy" else self.sets[kind]).pop(name, None)

    def apply_bgp(self, path, key, line, block, remove):
        nodes = self.bgp
        for step_key, step_line in path:
            nodes = nodes.setdefault(step_key, {"line": step_line, "block": True, "children": {}})["children"]
        if remove:
            nodes.pop(key, None)
        else:
            nodes.setdefault(key, {"line": line, "block": block, "children": {}})["line"] = line

    def problems(self):
        """Why IOS-XR would refuse to commit this configuration (wording assumed): a policy naming a set or
        policy it does not hold, a neighbour bound to an undefined policy, two BGP autonomous systems."""
        found = []
        for name, statements in self.policies.items():
            for kind, used in (item for statement in statements for item in xr_statement_objects(statement)):
                if used not in (self.policies if kind == "route-policy" else self.sets[kind]):
                    found.append("Policy [%s] uses the %s [%s], which is not defined" % (name, kind, used))
        for path, line in self.bgp_lines_with_path(self.bgp, ()):
            attached = re.fullmatch(r"route-policy (\S+) (in|out)", line)
            if attached and attached[1] not in self.policies:
                found.append("%s: the route-policy %s is not defined" % (" ".join(path), attached[1]))
        if len(self.bgp) > 1:
            found.append("BGP is already running with AS number %s" % next(iter(self.bgp.values()))["line"].split()[2])
        return found

    def bgp_lines_with_path(self, nodes, path):
        for node in nodes.values():
            yield path, node["line"]
            yield from self.bgp_lines_with_path(node["children"], (*path, node["line"]))

    def lines(self):
        body = ["hostname %s" % self.hostname]
        for kind in XR_SETS:
            for name, entries in self.sets[kind].items():
                body += ["%s %s" % (kind, name), *self.set_body(entries), "end-set", "!"]
        for name, statements in self.policies.items():
            body += ["route-policy %s" % name, *xr_indented(statements), "end-policy", "!"]
        return body + self.bgp_print(self.bgp, 0)

    def bgp_print(self, nodes, depth):
        """IOS-XR's layout: one space a level, each block closed by ``!`` at its own level."""
        lines = []
        for key in sorted(nodes, key=lambda k: xr_order(k, nodes[k]["line"])):
            node = nodes[key]
            lines.append(" " * depth + node["line"])
            if node["block"]:
                lines += self.bgp_print(node["children"], depth + 1) + [" " * depth + "!"]
        return lines

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
        (r"(?P<kind>prefix-set|as-path-set|community-set|large-community-set) (?P<name>\S+)", "open_set"),
        (r"route-policy (?P<name>\S+)", "open_policy"),
        (r"no (?P<kind>prefix-set|as-path-set|community-set|large-community-set|route-policy) (?P<name>\S+)", "remove"),
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
    # config commands that leave a BGP submode where it is (the others are top-level objects: typed in a
    # submode, they leave it, as IOS-XR goes up the modes to find a command)
    in_place = frozenset(("empty", "show_running", "show_target", "show_merge", "show_failed", "commit", "clear"))
    set_commands = (
        (r"end-set", "close_set"),
        (r"#.*", "set_remark"),
        (r"(?P<entry>.+?),?", "set_entry"),
    )
    policy_commands = (
        (r"end-policy", "close_policy"),
        (r"abort", "abort_policy"),
        (r".+", "policy_statement"),
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
        # ("hostname", name) | ("remove", kind, name) | ("set", kind, name, entries) | ("policy", name, statements)
        # | ("bgp", path, key, line, block, remove)
        self.target = []
        self.open = None  # (kind, name, entries) of the set or route-policy being typed
        self.depth = 0  # of the route-policy being typed: its if-blocks still open
        self.path = []  # (key, line, mode) of the router bgp blocks the session is in
        self.failed = []  # why the last commit was refused

    def banner(self):
        return "\nUser Access Verification\n"

    def mode_prompt(self):
        if self.mode == "config" and self.path:
            suffix = "(config-%s)" % self.path[-1][2]
        elif self.mode == "set":
            suffix = "(config-%s)" % XR_SET_MODES[self.open[0]]
        else:
            suffix = {"exec": "", "config": "(config)", "policy": "(config-rpl)"}[self.mode]
        return "RP/0/RP0/CPU0:%s%s#" % (self.router.hostname, suffix)

    def command(self, line):
        line = " ".join(line.split())
        if self.mode == "config":
            return self.config_line(line)
        table = {"exec": self.exec_commands, "set": self.set_commands, "policy": self.policy_commands}
        return self.dispatch(line, table[self.mode])

    def config_line(self, line):
        """A line in configuration mode: in the BGP mode the session is in or one above it (IOS-XR goes up the
        modes to find the command), else a top-level command."""
        if line == "exit" and self.path:
            self.path.pop()
            return ""
        if line == "root":
            self.path = []
            return ""
        for depth in range(len(self.path), -1, -1):
            mode = self.path[depth - 1][2] if depth else "config"
            if self.bgp_line(depth, mode, line):
                return ""
        for pattern, handler in self.config_commands:
            match = re.fullmatch(pattern, line)
            if match:
                if handler not in self.in_place:
                    self.path = []
                return getattr(self, handler)(match)
        return self.invalid(line)

    def bgp_line(self, depth, mode, line):
        """Take ``line`` (or its ``no`` form) as one of BGP ``mode``'s, entered at ``depth``; False if it is not."""
        removing = line.startswith("no ")
        if removing:
            key = xr_bgp_removal(mode, line[3:])
            found = (key, None) if key else None
        else:
            found = xr_bgp_grammar(mode, line)
        if found is None:
            return False
        del self.path[depth:]
        key, submode = found
        path = tuple((step_key, step_line) for step_key, step_line, _mode in self.path)
        self.target.append(("bgp", path, key, line[3:] if removing else line, submode is not None, removing))
        if submode and not removing:
            self.path.append((key, line, submode))
        return True

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

    def redefinition_warning(self, kind, name):
        running = self.router.running
        if name in (running.policies if kind == "route-policy" else running.sets[kind]):
            return (
                "%% WARNING: Policy object %s %s exists! Reconfiguring it via CLI will replace current "
                "definition. Use abort to cancel." % (kind, name)
            )
        return ""

    def open_set(self, match):
        self.mode, self.open = "set", (match["kind"], match["name"], [])
        return self.redefinition_warning(match["kind"], match["name"])

    def set_entry(self, match):
        if not self.valid_entry(self.open[0], match["entry"].strip()):
            return self.invalid(match.string)
        self.open[2].append(match["entry"].strip())
        return ""

    @staticmethod
    def valid_entry(kind, entry):
        if kind == "prefix-set":
            found = re.fullmatch(r"(?P<prefix>\S+)( ge (?P<ge>\d+))?( le (?P<le>\d+))?", entry)
            prefix = found and prefix_or_none(found["prefix"])
            return bool(prefix) and bounds_valid(prefix, found["ge"], found["le"])
        found = XR_SET_ENTRIES[kind].fullmatch(entry)
        if found is None:
            return False
        if found.groupdict().get("regex"):
            try:
                re.compile(found["regex"])
            except re.error:
                return False
        numbers = found.groupdict().get("numbers") or ""
        return all(part == "*" or int(part) <= XR_NUMBER_TOP[kind] for part in numbers.split(":") if part)

    def set_remark(self, match):
        self.open[2].append(match.string)
        return ""

    def close_set(self, match):
        kind, name, entries = self.open
        self.target.append(("set", kind, name, entries))
        self.mode, self.open = "config", None
        return ""

    def remove(self, match):
        self.target.append(("remove", match["kind"], match["name"]))
        return ""

    def open_policy(self, match):
        self.mode, self.open, self.depth = "policy", ("route-policy", match["name"], []), 0
        return self.redefinition_warning("route-policy", match["name"])

    def policy_statement(self, match):
        """One RPL statement, refused as it is typed when it is not RPL or closes a block that is not open."""
        statement = match.string
        word = statement.split()[0]
        if xr_statement_objects(statement) is None or (word in XR_CLOSES and not self.depth):
            return self.invalid(statement)
        self.depth += (word == "if") - (word == "endif")
        self.open[2].append(statement)
        return ""

    def close_policy(self, match):
        _kind, name, statements = self.open
        self.mode, self.open = "config", None
        if self.depth:
            return "%% Incomplete command: an if statement of route-policy %s has no endif" % name  # assumed
        self.target.append(("policy", name, statements))
        return ""

    def abort_policy(self, match):
        self.mode, self.open = "config", None
        return ""

    def show_target(self, match):
        lines = []
        for change in self.target:
            lines += self.change_lines(change)
        return "Building configuration...\n!! IOS XR Configuration 7.9.2\n%s\nend" % "\n".join(lines)

    @staticmethod
    def change_lines(change):
        kind = change[0]
        if kind == "hostname":
            return ["hostname %s" % change[1]]
        if kind == "remove":
            return ["no %s %s" % change[1:]]
        if kind == "set":
            return ["%s %s" % change[1:3], *("  " + entry for entry in change[3]), "end-set"]
        if kind == "policy":
            return ["route-policy %s" % change[1], *xr_indented(change[2]), "end-policy"]
        _kind, path, _key, line, _block, removing = change
        steps = [" " * depth + step_line for depth, (_key, step_line) in enumerate(path)]
        return steps + [" " * len(path) + ("no " if removing else "") + line]

    def show_merge(self, match):
        return self.router.running.apply(self.target).text(self.router.last_change)

    def show_failed(self, match):
        if not self.failed:
            return "% No such configuration item(s)"
        return (
            "!! SEMANTIC ERRORS: This configuration was rejected by\n!! the system due to semantic errors. The "
            "individual\n!! errors with each failed configuration command can be\n!! found below.\n\n%s\nend"
            % "\n".join("!!%% %s" % problem for problem in self.failed)
        )  # wording assumed after published transcripts

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
        """Commit the target configuration, unless IOS-XR's checks of the whole result refuse it (the target is
        then kept, as IOS-XR keeps it, for ``show configuration failed``)."""
        router = self.router
        merged = router.running.apply(self.target)
        self.failed = merged.problems()
        if self.failed:
            return XR_COMMIT_FAILED
        router.commit(merged)
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
        self.mode, self.path, self.open = "exec", [], None
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


# What EOS holds once under ``router bgp``: a neighbour's route-map in each direction, its remote AS, ...
EOS_BGP_SETTINGS = (
    r"(neighbor \S+ route-map) \S+ (in|out)",
    r"(neighbor \S+ (?:remote-as|maximum-routes|idle-restart-timer|description|peer group)) .+",
)
EOS_ROUTE_MAP_LINES = (
    *ROUTE_MAP_LINES,
    r"match origin-as validity (valid|invalid|not-found)",
    r"set large-community large-community-list \S+ delete",
)
EOS_PEER_REMOVABLE = r"activate|default-originate|idle-restart-timer|maximum-routes|route-map \S+ (in|out)"
EOS_AF_REMOVABLE = r"activate|default-originate|route-map \S+ (in|out)"
EOS_ORIGINS = "any|egp|igp|incomplete"
EOS_AS_PATH_ENTRY = r"ip as-path access-list (?P<name>\S+) (?P<entry>(permit|deny) \S+)( (?P<origin>%s))?" % EOS_ORIGINS
EOS_LIST_KIND = r"ip (?P<what>community-list|large-community-list)"
EOS_INDENT = "   "
# EOS's configuration sub-modes (besides a prefix-list's): what their prompt adds, their commands
EOS_MODES = {
    "router": (
        "router-bgp",
        (
            (r"neighbor (?P<peer>\S+) remote-as \d+", "bgp_line"),
            (r"neighbor (?P<peer>\S+) peer[ -]group", "bgp_group"),
            (r"neighbor (?P<peer>\S+) peer[ -]group (?P<group>\S+)", "bgp_group"),
            (r"neighbor (?P<peer>\S+) maximum-routes (?P<limit>\d+)( warning-only)?", "bgp_limit"),
            (r"neighbor (?P<peer>\S+) idle-restart-timer (?P<seconds>\d+)", "bgp_line"),
            (r"neighbor (?P<peer>\S+) (description .+|default-originate|route-map \S+ (in|out))", "bgp_line"),
            (r"no neighbor (?P<peer>\S+)( (?P<what>%s))?" % EOS_PEER_REMOVABLE, "bgp_no_peer_line"),
            (r"address-family (?P<family>ipv4|ipv6)", "enter_family"),
            (r"exit", "up"),
        ),
    ),
    "family": (
        "af",
        (
            (r"neighbor (?P<peer>\S+) (activate|default-originate|route-map \S+ (in|out))", "bgp_line"),
            (r"no neighbor (?P<peer>\S+) (?P<what>%s)" % EOS_AF_REMOVABLE, "bgp_no_peer_line"),
            (r"exit", "up"),
        ),
    ),
    "route-map": ("route-map", (*((pattern, "route_map_line") for pattern in EOS_ROUTE_MAP_LINES), (r"exit", "up"))),
}


class EosConfig:
    """The parts of an EOS configuration the tests use."""

    def __init__(self, hostname):
        self.hostname = hostname
        self.prefix_lists = {}  # (keyword, name) -> {seq: "permit P ..."}
        self.globals = []  # lines of their own (ip as-path regex-mode)
        self.as_paths = {}  # name -> ["permit REGEX any", ...]
        self.communities = {}  # name or ("regexp", name) -> ["permit 65535:0", ...]
        self.large = {}  # name or ("regexp", name) -> [entry, ...]
        self.route_maps = {}  # name -> {seq: RouteMapEntry}
        self.bgp = None  # BgpBlock

    def body(self):
        lines = ["! device: %s (vEOS-lab, EOS-4.31.1F)" % self.hostname, "!", "! boot system flash:/vEOS-lab.swi"]
        lines += ["!", "hostname %s" % self.hostname, "!"]
        for (keyword, name), entries in self.prefix_lists.items():
            lines.append("%s prefix-list %s" % (keyword, name))
            lines += ["   seq %d %s" % (seq, entries[seq]) for seq in sorted(entries)]
            lines.append("!")
        objects = [*self.globals, *named_lines("ip as-path access-list", self.as_paths)]
        objects += named_lines("ip community-list", self.communities)
        objects += named_lines("ip large-community-list", self.large)
        lines += [*objects, "!"] if objects else []
        for name, entries in self.route_maps.items():
            for seq in sorted(entries):
                lines += ["route-map %s %s %d" % (name, entries[seq].action, seq), *entries[seq].lines(EOS_INDENT), "!"]
        lines += [*self.bgp.lines(EOS_INDENT), "!"] if self.bgp else []
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
        (r"ip as-path regex-mode (asn|string)", "regex_mode"),
        (EOS_AS_PATH_ENTRY, "add_as_path"),
        (r"no ip as-path access-list (?P<name>\S+)", "remove_as_path"),
        (EOS_LIST_KIND + r" regexp (?P<name>\S+) (?P<entry>(permit|deny) \S+)", "add_regexp"),
        (EOS_LIST_KIND + r" (?P<name>\S+) (?P<entry>(permit|deny) .+)", "add_values"),
        (r"no %s( regexp)? (?P<name>\S+)" % EOS_LIST_KIND, "remove_values"),
        (r"route-map (?P<name>\S+) (?P<action>permit|deny) (?P<seq>\d+)", "enter_route_map"),
        (r"no route-map (?P<name>\S+)", "remove_route_map"),
        (r"router bgp (?P<asn>\d+)", "enter_bgp"),
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
        self.modes = []  # the sub-modes entered: (kind, what it edits), outermost first

    @property
    def list(self):
        """(keyword, name) of the prefix-list being typed, or None."""
        return self.modes[-1][1] if self.modes and self.modes[-1][0] == "prefix-list" else None

    @list.setter
    def list(self, key):
        self.modes = [("prefix-list", key)] if key is not None else []

    def mode_prompt(self):
        host = self.router.hostname
        if self.name is None:
            return "%s#" % host
        words = ["%s-pfx" % what[0] if kind == "prefix-list" else EOS_MODES[kind][0] for kind, what in self.modes]
        return "%s(config-s-%s)#" % (host, "-".join([self.name[:6], *words]))

    def command(self, line):
        line = line.strip()
        if self.name is None:
            return self.dispatch(line, self.exec_commands)
        # a command of an enclosing mode leaves the sub-modes, as on EOS
        for depth in range(len(self.modes), -1, -1):
            table = self.commands_of(self.modes[depth - 1][0] if depth else None)
            if self.matches(line, table):
                del self.modes[depth:]
                return self.dispatch(line, table)
        return self.invalid(line)

    def commands_of(self, mode):
        if mode is None:
            return self.session_commands
        return self.list_commands if mode == "prefix-list" else EOS_MODES[mode][1]

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

    def staged(self):
        return self.router.sessions[self.name].config

    def up(self, match):
        self.modes.pop()
        return ""

    def regex_mode(self, match):
        config = self.staged()
        config.globals = [line for line in config.globals if not line.startswith("ip as-path regex-mode")]
        config.globals.append(match.string)
        return ""

    def add_as_path(self, match):
        entries = self.staged().as_paths.setdefault(match["name"], [])
        entry = "%s %s" % (match["entry"], match["origin"] or "any")  # EOS shows the origin, any by default
        entries += [] if entry in entries else [entry]
        return ""

    def remove_as_path(self, match):
        self.staged().as_paths.pop(match["name"], None)
        return ""

    def lists_of(self, match):
        return self.staged().communities if match["what"] == "community-list" else self.staged().large

    def add_regexp(self, match):
        return self.add_to(self.lists_of(match), ("regexp", match["name"]), match["name"], match["entry"])

    def add_values(self, match):
        value = COMMUNITY if match["what"] == "community-list" else LARGE_COMMUNITY
        if not re.fullmatch(r"(permit|deny)( %s)+" % value, match["entry"]) or not values_in_range(match["entry"]):
            return self.invalid(match.string)
        return self.add_to(self.lists_of(match), match["name"], ("regexp", match["name"]), match["entry"])

    @staticmethod
    def add_to(lists, key, other_kind, entry):
        lists.pop(other_kind, None)  # a name is a list of values or of expressions, not both
        entries = lists.setdefault(key, [])
        entries += [] if entry in entries else [entry]
        return ""

    def remove_values(self, match):
        lists = self.lists_of(match)
        lists.pop(match["name"], None)
        lists.pop(("regexp", match["name"]), None)
        return ""

    def enter_route_map(self, match):
        entries = self.staged().route_maps.setdefault(match["name"], {})
        seq = int(match["seq"])
        entries.setdefault(seq, RouteMapEntry(match["action"], sort=True)).action = match["action"]
        self.modes = [("route-map", (match["name"], seq))]
        return ""

    def remove_route_map(self, match):
        self.staged().route_maps.pop(match["name"], None)
        return ""

    def route_map_line(self, match):
        name, seq = self.modes[-1][1]
        target = match.groupdict().get("target")
        if not values_in_range(match.string) or (target is not None and int(target) <= seq):
            return self.invalid(match.string)
        self.staged().route_maps[name][seq].add(match.string)
        return ""

    def enter_bgp(self, match):
        config = self.staged()
        if config.bgp is not None and config.bgp.asn != int(match["asn"]):
            return "%% Error: BGP is already running with AS %d" % config.bgp.asn  # assumed wording
        config.bgp = config.bgp or BgpBlock(int(match["asn"]), EOS_BGP_SETTINGS)
        self.modes = [("router", None)]
        return ""

    def enter_family(self, match):
        self.staged().bgp.families.setdefault(match["family"], [])
        self.modes.append(("family", match["family"]))
        return ""

    def family(self):
        return self.modes[-1][1] if self.modes[-1][0] == "family" else None

    def bgp_line(self, match):
        self.staged().bgp.put(self.family(), match.string)
        return ""

    def bgp_group(self, match):
        group = " %s" % match["group"] if match["group"] else ""
        self.staged().bgp.put(None, "neighbor %s peer group%s" % (match["peer"], group))  # EOS's spelling
        return ""

    def bgp_limit(self, match):
        if int(match["limit"]) > 2**32 - 2:
            return self.invalid(match.string)
        return self.bgp_line(match)

    def bgp_no_peer_line(self, match):
        what = " %s" % match["what"] if match["what"] else ""
        self.staged().bgp.remove(self.family(), "neighbor %s%s" % (match["peer"], what))
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


def replaced_identity(key):
    """What a leaf tagged ``replace:`` replaces: the statements of its name (``import``; a named object's keyword
    and name, ``community NAME``), as ``load replace`` documents."""
    words = key.split()
    return " ".join(words[:2]) if words[0] in JUNOS_NAMED | {"community", "as-path"} else words[0]


def put_leaf(tree, key, replace=False):
    """Set the leaf ``key``; a statement already there keeps its place (Junos prints in its own order)."""
    identity = replaced_identity if replace else leaf_identity
    for existing in [old for old in tree if old != key and tree[old] is None and identity(old) == identity(key)]:
        del tree[existing]
    tree[key] = None


def merge_tree(target, loaded, honour_replace):
    """Merge ``loaded`` ({key: (tag, subtree or None)}) into ``target``: a statement tagged ``delete:`` goes
    (with what it holds; one that is not there is passed over), one tagged ``replace:`` replaces."""
    for key, (replace, child) in loaded.items():
        if replace == "delete":
            target.pop(key, None)
        elif child is None:
            put_leaf(target, key, replace and honour_replace)
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
