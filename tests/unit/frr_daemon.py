# -*- coding: utf-8 -*-
"""A bgpd of its own for tests and benchmarks: no zebra, no BGP port, its vty socket and configuration
in a folder the frr user can reach (pytest's own folders are root's only)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from pathlib import Path


@contextlib.contextmanager
def standalone_bgpd(config, staticd=False, modules=()):
    """Start bgpd on ``config`` (text) with its ``modules`` (``rpki``: origin validation), and with ``staticd`` a
    staticd beside it (static routes without zebra); yields {"vtysh": argv, "state": folder, "conf": its file}."""
    folder = Path(tempfile.mkdtemp(prefix="routesec-frr-"))
    run, etc = folder / "run", folder / "etc"
    for path in (run, etc):
        path.mkdir()
    (etc / "vtysh.conf").write_text("no service integrated-vtysh-config\n")  # write memory: bgpd.conf here
    (etc / "bgpd.conf").write_text(config)
    subprocess.run(["chown", "-R", "frr:frr", folder], check=True)
    folder.chmod(0o755)
    try:
        subprocess.run(
            ["/usr/lib/frr/bgpd", "-d", "-Z", "-n", "-p", "0", "-N", folder.name, "--vty_socket", run]
            + ["-i", run / "bgpd.pid", "-f", etc / "bgpd.conf"]
            + [arg for module in modules for arg in ("-M", module)],
            check=True,
        )
        if staticd:
            (etc / "staticd.conf").write_text("")
            subprocess.run(
                ["/usr/lib/frr/staticd", "-d", "-N", folder.name, "--vty_socket", run, "-i", run / "staticd.pid"]
                + ["-f", etc / "staticd.conf"],
                check=True,
            )
        vtysh = ["vtysh", "--vty_socket", str(run), "--config_dir", str(etc)]
        deadline = time.monotonic() + 600  # bgpd reads a long configuration slowly
        while subprocess.run(vtysh + ["-c", "show version"], capture_output=True, check=False).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError("bgpd did not start")
            time.sleep(0.1)
        yield {"vtysh": vtysh, "state": folder, "conf": etc / "bgpd.conf"}
    finally:
        for pid in (run / "bgpd.pid", run / "staticd.pid"):
            if pid.exists():
                subprocess.run(["kill", pid.read_text().strip()], check=False)
        shutil.rmtree(folder, ignore_errors=True)
