# -*- coding: utf-8 -*-
"""Test helpers shared by the renderer tests: a fake IRRd for bgpq4, and a running BIRD to ask."""

from __future__ import annotations

import socketserver
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

BIRD = Path("/usr/sbin/bird")


class FakeIRRd(socketserver.StreamRequestHandler):
    """Just enough of IRRd's whois protocol for bgpq4: ``!!`` keeps the session, ``!q`` ends it,
    ``answer(query)`` gives a query's text (default: ``server.answers``, e.g. ``"!gas1"``) and
    anything else an empty ``C``."""

    def answer(self, query):
        return self.server.answers.get(query)

    def handle(self):
        for raw in self.rfile:
            query = raw.decode().strip()
            if query == "!q":
                return
            if query == "!!":
                continue
            data = self.answer(query)
            self.wfile.write(f"A{len(data) + 1}\n{data}\nC\n".encode() if data else b"C\n")


@contextmanager
def fake_irrd(handler=FakeIRRd):
    """A fake IRRd on loopback; set ``server.answers``; ``address(server)`` for bgpq4 -h."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.answers = {}
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def address(server):
    return f"127.0.0.1:{server.server_address[1]}"


@contextmanager
def running_bird(conf, workdir):
    """A BIRD running ``conf`` in the foreground; yields ``birdc(*words)``, the text of a birdc command."""
    sock = Path(workdir) / "bird.ctl"

    def birdc(*words):
        return subprocess.run(["birdc", "-s", sock, *words], capture_output=True, text=True, check=False).stdout

    daemon = subprocess.Popen(
        [BIRD, "-f", "-c", conf, "-s", sock], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        # ready once it answers on its socket, which it makes before it has read its configuration
        deadline = time.monotonic() + 30
        while "Daemon is up and running" not in birdc("show", "status"):
            assert daemon.poll() is None, "BIRD exited with status %s on %s" % (daemon.returncode, conf)
            assert time.monotonic() < deadline, "BIRD did not answer on %s within 30 s" % sock
            time.sleep(0.05)
        yield birdc
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


def bird_eval(conf, questions, workdir):
    """Start BIRD on ``conf`` and ask it each of ``questions``; {question: "TRUE"/"FALSE"}."""
    with running_bird(conf, workdir) as birdc:
        return {q: birdc("eval", q).split()[-1] for q in questions}
