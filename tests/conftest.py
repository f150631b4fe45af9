# -*- coding: utf-8 -*-
"""Make the collection importable as ``ansible_collections.routesec.bgp`` for the tests.

The checkout is linked into a collections tree outside the repository (the same
one ``scripts/setup.sh`` makes for ansible-playbook), so the plain-Python core
is imported exactly as the modules import it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def collections_root():
    if REPO.parent.name == "routesec" and REPO.parents[1].name == "ansible_collections":
        return REPO.parents[2]
    cache = Path(os.environ.get("ROUTESEC_CACHE", "/var/cache/routesec"))
    root = cache / "collections"
    link = root / "ansible_collections" / "routesec" / "bgp"
    if not (link.is_symlink() and link.resolve() == REPO):
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(REPO)
    return root


COLLECTIONS_ROOT = collections_root()
if str(COLLECTIONS_ROOT) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS_ROOT))
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", str(COLLECTIONS_ROOT))

# The lab's own helpers (lab_api, lab_locks) for the tests that use the lab.
sys.path.insert(0, str(REPO / "tests" / "lab"))
LAB_TEST_FOLDERS = ("integration", "artifact")


def pytest_addoption(parser):
    parser.addoption(
        "--tests-of",
        metavar="REV",
        help="run only the test functions that exist at git revision REV (same file, same name), to time the suite "
        "of an earlier revision on today's code (bench/suite_time.sh)",
    )


def test_functions_at(revision):
    """The (file, function name) of every test function in tests/ at git ``revision`` (one ``git grep``)."""
    found = subprocess.run(
        ["git", "grep", "-E", r"^\s*(async\s+)?def\s+test_\w+", revision, "--", "tests/**/test_*.py"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # lines "REV:path:    def test_name(..."
    return {
        (path, re.search(r"def\s+(test_\w+)", text).group(1))
        for _rev, path, text in (line.split(":", 2) for line in found.splitlines())
    }


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "lab(reads=(), changes=()): the lab parts a test module reads and changes (tests/lab/lab_locks.py)"
    )
    config.addinivalue_line(
        "markers",
        "cpu_bound: a unit test module that crunches real routing data for minutes, waiting on no daemon; runs in "
        "the idle scheduling class (tests/unit/conftest.py)",
    )


@pytest.fixture(scope="module", autouse=True)
def lab_parts(request):
    """The locks on the lab parts a lab test module uses, held while its tests run (tests/lab/lab_locks.py)."""
    if Path(request.module.__file__).parent.name not in LAB_TEST_FOLDERS:
        yield
        return
    import lab_locks

    marker = request.node.get_closest_marker("lab")
    locks = lab_locks.plan(*marker.args, **marker.kwargs) if marker else lab_locks.everything()
    # the routers' lane is the longest: its worker, and what it runs, take the CPU first, and so do the files that
    # hold alone what it waits for (NetBox, the lab's IRR objects); the rest after the unit tests (niceness 5,
    # scripts/test.sh), whose emulated devices must answer in time
    first = any(part == "routers" or (part in ("netbox", "irrd") and mode == fcntl.LOCK_EX) for part, mode in locks)
    niceness = 0 if first else 10
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, 0, niceness)
    with lab_locks.held(locks):
        yield


def pytest_collection_modifyitems(config, items):
    """With ``--tests-of``, only the test functions of that revision; the lab's test files in the order their lanes
    run them (``lab_locks.rank``)."""
    import lab_locks

    revision = config.getoption("tests_of")
    if revision:
        then = test_functions_at(revision)
        kept, dropped = [], []
        for item in items:
            key = (Path(item.fspath).relative_to(REPO).as_posix(), getattr(item, "originalname", item.name))
            (kept if key in then else dropped).append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = kept

    def rank(item):
        path = Path(item.fspath)
        return lab_locks.rank(path) if path.parent.name in LAB_TEST_FOLDERS else ()

    items.sort(key=rank)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """With ``--dist loadfile``, the lab's test files in lanes (``lab_locks.lane``); other files each alone."""
    if config.getoption("dist") != "loadfile":
        return None
    import lab_locks
    from xdist.scheduler import LoadScopeScheduling

    class LabLanes(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            path = REPO / nodeid.split("::", 1)[0]
            return lab_locks.lane(path) if path.parent.name in LAB_TEST_FOLDERS else str(path)

    return LabLanes(config, log)
