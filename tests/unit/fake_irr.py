# -*- coding: utf-8 -*-
"""A fake IRRd (whois protocol, in process on 127.0.0.1) for the IRR client, expansion and cache tests."""

from __future__ import annotations

import select
import socketserver
import threading
import time


class Raw(str):
    """An answer sent as it is (for F, E and broken answers)."""


class FakeIrr(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """Answers IRRd whois commands from a dict: command -> data (A), "" (C), Raw (as is); absent: D.

    Records every command per connection, and for every answer how many commands
    had arrived unanswered (``backlog``), to see pipelining from the server's side.
    """

    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False

    def __init__(self, answers=None, version="IRRd -- version 4.4.3", sources=("RIPE", "RIPE-NONAUTH")):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers = dict(answers or {})
        self.version = version
        self.sources = sources
        self.delay = 0.0
        self.close_after = None  # answers before closing the connection, for the first close_connections
        self.close_connections = 1
        self.chunk = None  # write answers in pieces of this many bytes
        self.bang_answer = b""
        self.connections = []
        self.backlog = []
        self.lock = threading.Lock()

    @property
    def port(self):
        return self.server_address[1]

    @property
    def queries(self):
        return [c for conn in self.connections for c in conn if not c.startswith(("!!", "!v", "!s", "!q"))]

    def reply(self, command):
        if command == "!v":
            return Raw("F unknown command\n") if self.version is None else self.version
        if command.startswith("!s"):
            ok = all(s in self.sources for s in command[2:].split(","))
            return "" if ok else Raw("F Unknown source(s): %s\n" % command[2:])
        return self.answers.get(command)


def frame(answer):
    if answer is None:
        return b"D\n"
    if isinstance(answer, Raw):
        return answer.encode()
    if answer == "":
        return b"C\n"
    return ("A%d\n%s\nC\n" % (len(answer) + 1, answer)).encode()  # the length counts characters, as IRRd


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        server, sock = self.server, self.request
        log = []
        with server.lock:
            server.connections.append(log)
            number = len(server.connections)
        buf, answered = b"", 0
        try:
            while True:
                while b"\n" not in buf:
                    chunk = sock.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                while select.select([sock], [], [], 0)[0]:  # take in whatever else has arrived
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    buf += chunk
                line, buf = buf.split(b"\n", 1)
                command = line.decode().strip()
                log.append(command)
                if command == "!!":
                    sock.sendall(server.bang_answer)
                    continue
                if command == "!q":
                    return
                handshake = command.startswith(("!v", "!s"))
                if not handshake:
                    closing = server.close_after is not None and number <= server.close_connections
                    if closing and answered >= server.close_after:
                        return
                    server.backlog.append(1 + buf.count(b"\n"))
                    time.sleep(server.delay)
                data = frame(server.reply(command))
                if server.chunk:
                    for at in range(0, len(data), server.chunk):
                        sock.sendall(data[at : at + server.chunk])
                        time.sleep(0.002)
                else:
                    sock.sendall(data)
                answered += 0 if handshake else 1
        except OSError:
            return


def client_for(server, **options):
    """A WhoisClient of ``server`` (imported here: conftest loads this module before the collection)."""
    from ansible_collections.routesec.bgp.plugins.module_utils.irr.whois import WhoisClient

    options.setdefault("timeout", 5)
    return WhoisClient("127.0.0.1", server.port, sources="RIPE,RIPE-NONAUTH", **options)
