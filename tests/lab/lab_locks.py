"""Who may use which part of the lab at once, so that the lab's tests can run on several workers.

The lab has four parts whose state tests read and change: ``netbox`` (its records), ``routers`` (r1, r2,
transit, the ExaBGP speakers and StayRTR: configurations, sessions, routes, VRPs), ``irrd`` (the objects of the
lab's own source, ROUTESEC-LAB) and ``irrd-daemon`` (whether the IRRd runs and answers: a test that stops it
changes it; a test that reads only the RIPE data, which no test changes, reads only it). Whoever uses ``irrd``
reads ``irrd-daemon`` too. A test module says what it does with each part in its ``pytestmark``::

    pytestmark = pytest.mark.lab(reads=("netbox",), changes=("routers",))

and holds, for as long as its tests run, a shared lock on each part it reads and an exclusive lock on each
part it changes (``flock`` on ``$STATE/locks/<part>.lock``): modules that only read a part run together,
one that changes it runs alone with it. Locks are taken in one order, so no two modules wait on each other.
A lab test module that says nothing holds every part exclusively; ``pytest.mark.lab()`` says it uses none.
The locks are released when the module ends, or when its worker dies.

The locks keep the lab right; ``lane`` keeps the workers busy: files that use the routers (the most contended
part) go one after another on one worker rather than each waiting on a worker of its own, and likewise for the
IRRd and NetBox (see ``pytest_xdist_make_scheduler`` in tests/conftest.py). ``rank`` orders each lane so that
the lanes seldom wait on each other: the other lanes do what they do with NetBox first (changes before reads),
while the routers' lane starts with what does not use NetBox and then only reads it; the routers' lane changes
NetBox after that, uses the IRRd last, once the IRRd's lane is done, and stops the IRRd at the very end, once the
IRR parity tests at the end of NetBox's lane are done with it.
"""

from __future__ import annotations

import ast
import fcntl
import functools
import os
from contextlib import ExitStack, contextmanager
from pathlib import Path

import lab_api

PARTS = ("irrd-daemon", "irrd", "netbox", "routers")  # the order locks are taken in


def plan(reads=(), changes=()) -> list[tuple[str, int]]:
    """The locks to take for a module that reads ``reads`` and changes ``changes``: (part, flock mode), in order."""
    for name, parts in (("reads", reads), ("changes", changes)):
        if isinstance(parts, str):
            raise TypeError("lab(%s=...) takes a tuple of parts, not the string %r" % (name, parts))
    used = set(reads) | set(changes)
    unknown = sorted(used - set(PARTS))
    if unknown:
        raise ValueError("unknown lab part(s) %s: the parts are %s" % (", ".join(unknown), ", ".join(PARTS)))
    if "irrd" in used:
        used.add("irrd-daemon")
    return [(part, fcntl.LOCK_EX if part in changes else fcntl.LOCK_SH) for part in PARTS if part in used]


def everything() -> list[tuple[str, int]]:
    """The locks of a module that does not say what it uses: every part, exclusively."""
    return plan(changes=PARTS)


def lock_file(path: Path) -> int:
    """A descriptor of the lock file ``path`` (created when missing); closing it releases its lock."""
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)


@contextmanager
def held(locks: list[tuple[str, int]], directory: Path | None = None):
    """Hold ``locks`` (from ``plan``) for the duration of the block.

    A module waiting to change a part goes before the modules that come to read it after it: each part has a gate
    (``<part>.gate``) that a module changing the part holds while it waits for the part, and that a module reading
    it passes through first. Without it, modules reading a part one after another could keep one that changes it
    waiting for as long as they come (``flock`` serves no one first)."""
    directory = directory or lab_api.state_dir() / "locks"
    directory.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        for part, mode in locks:
            fd = lock_file(directory / ("%s.lock" % part))
            stack.callback(os.close, fd)
            gate = lock_file(directory / ("%s.gate" % part))
            try:
                fcntl.flock(gate, fcntl.LOCK_EX)
                fcntl.flock(fd, mode)
            finally:
                os.close(gate)
        yield


@functools.cache
def declared(path: Path) -> dict | None:
    """The ``reads``/``changes`` a test file declares in ``pytestmark = pytest.mark.lab(...)``, read from its
    text; None when it declares none (or not as literals)."""
    for node in ast.parse(Path(path).read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "pytestmark" for t in node.targets):
            call = node.value
            if isinstance(call, ast.Call) and ast.unparse(call.func) == "pytest.mark.lab" and not call.args:
                try:
                    return {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
                except ValueError:
                    return None
    return None


def used(path: Path) -> set:
    """The lab parts a test file reads or changes (all of them when it does not say)."""
    parts = declared(path)
    return set(PARTS) if parts is None else set(parts.get("reads", ())) | set(parts.get("changes", ()))


def lane(path: Path) -> str:
    """The worker lane of a lab test file: that of the most contended part it uses, or the file alone. A file that
    needs only the IRRd running goes last in NetBox's lane, the shortest: done before the routers' lane stops it."""
    parts = used(path)
    for part in ("routers", "irrd", "netbox"):
        if part in parts:
            return "lab lane: %s" % part
    return "lab lane: netbox" if parts == {"irrd-daemon"} else str(path)


def rank(path: Path) -> tuple:
    """Where a test file goes in its lane (``lane``), lowest first."""
    parts = declared(path)
    uses = used(path)
    changes = set(PARTS) if parts is None else set(parts.get("changes", ()))
    if "routers" in uses:
        return (1, "irrd-daemon" in changes, "netbox" in changes or "irrd" in uses, "irrd" in uses, "netbox" in uses)
    return (0, "netbox" not in uses, "netbox" not in changes)
