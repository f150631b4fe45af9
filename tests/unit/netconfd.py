# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A throw-away NETCONF server on loopback for the NETCONF driver's tests: yuma123's ``netconfd`` with a
candidate datastore, ``:validate`` and confirmed commits, serving the YANG modules under ``yang/``, reached
through its own OpenSSH server whose ``netconf`` subsystem is ``netconf-subsystem`` pointed at this
netconfd's socket. ``netconf_server(workdir, startup)`` yields a ``NetconfServer``.

netconfd listens on a UNIX socket only (default ``/tmp/ncxserver.sock``, shared by every instance, so each
server here has its own in a short temporary directory: socket paths are limited to 107 bytes), accepts
sessions only for the SSH ports given with ``--port``, writes running back to its ``--startup`` file on every
commit (so the file is a copy) and keeps a transaction id under ``$HOME/.yuma`` (so HOME is the work
directory). The SSH user is its ``--superuser``: NACM would otherwise refuse writes.
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ports import free_port
from sshd import SSHD, write_sshd_config

NETCONFD = Path("/usr/sbin/netconfd")
SUBSYSTEM = Path("/usr/sbin/netconf-subsystem")
YANG = Path(__file__).parent / "yang"


@dataclass
class NetconfServer:
    port: int
    username: str
    client_key: Path
    host_key: str  # the public key line
    log: Path

    def driver_params(self):
        """Keyword arguments of NetconfDriver for a session to this server."""
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "username": self.username,
            "key_filename": str(self.client_key),
            "hostkey": self.host_key,
            "timeout": 30,
        }


def missing_programs():
    return [str(program) for program in (NETCONFD, SUBSYSTEM, SSHD) if not program.exists()]


@contextmanager
def netconf_server(workdir, startup, modules=None, modpath=None):
    """netconfd and an sshd for it, running ``startup`` (a ``<config>`` text) at first, serving ``modules``
    (YANG module names found in ``modpath``; by default the files under ``yang/``)."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    host_key, client_key = keypair(workdir / "host_ed25519"), keypair(workdir / "client_ed25519")
    (workdir / "startup.xml").write_text(startup)
    port = free_port()
    socket_dir = Path(tempfile.mkdtemp(prefix="ncx-"))
    sockname = socket_dir / "ncxserver.sock"
    daemons = []
    try:
        daemons.append(start_netconfd(workdir, sockname, port, modules, modpath))
        wait_for(sockname.exists, daemons[-1], "netconfd")
        daemons.append(start_sshd(workdir, sockname, port, client_key))
        wait_for(lambda: port_open(port), daemons[-1], "sshd")
        yield NetconfServer(
            port, getpass.getuser(), client_key, host_key.with_suffix(".pub").read_text(), workdir / "netconfd.log"
        )
    finally:
        for daemon in daemons:
            daemon.terminate()
        for daemon in daemons:
            daemon.wait(timeout=10)
        shutil.rmtree(socket_dir, ignore_errors=True)


def start_netconfd(workdir, sockname, port, modules, modpath):
    (workdir / "netconfd.conf").write_text("")  # keeps netconfd from reading /etc/yuma/netconfd.conf
    argv = [
        NETCONFD,
        "--config=%s" % (workdir / "netconfd.conf"),
        "--startup=%s" % (workdir / "startup.xml"),
        "--target=candidate",
        "--with-validate=true",
        "--ncxserver-sockname=%s" % sockname,
        "--port=%d" % port,
        "--superuser=%s" % getpass.getuser(),
        "--log=%s" % (workdir / "netconfd.log"),
        "--log-level=debug",
    ]
    if modpath:
        argv.append("--modpath=%s" % modpath)
    argv += ["--module=%s" % module for module in modules or sorted(YANG.glob("*.yang"))]
    environment = {"HOME": str(workdir), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    return subprocess.Popen(argv, cwd=workdir, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def start_sshd(workdir, sockname, port, client_key):
    authorized = workdir / "authorized_keys"
    authorized.write_text(client_key.with_suffix(".pub").read_text())
    subsystem = 'netconf "%s --ncxserver-sockname=%d@%s"' % (SUBSYSTEM, port, sockname)
    config = write_sshd_config(workdir, port, workdir / "host_ed25519", authorized, subsystem)
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
    with (workdir / "sshd.log").open("w") as log:
        return subprocess.Popen([SSHD, "-D", "-e", "-f", config], stderr=log)


def keypair(path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path], check=True)
    return path


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def wait_for(ready, daemon, name, timeout=15):
    deadline = time.monotonic() + timeout
    while not ready():
        assert daemon.poll() is None, "%s exited with status %s" % (name, daemon.returncode)
        assert time.monotonic() < deadline, "%s did not start within %s s" % (name, timeout)
        time.sleep(0.05)
