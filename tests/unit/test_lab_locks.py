# -*- coding: utf-8 -*-
"""The locks that let the lab's test files run on several workers (tests/lab/lab_locks.py): files reading a part
of the lab share it, a file changing it holds it alone."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import lab_locks
import pytest

SH, EX = fcntl.LOCK_SH, fcntl.LOCK_EX


def can_take(directory, part, mode, kind="lock"):
    """Whether another holder could take ``part`` (its ``kind``: lock or gate) in ``mode`` now (without waiting)."""
    fd = os.open(directory / ("%s.%s" % (part, kind)), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def test_the_plan_takes_the_parts_in_one_order_exclusive_where_changed():
    assert lab_locks.plan(reads=("routers", "irrd"), changes=("netbox",)) == [
        ("irrd-daemon", SH),
        ("irrd", SH),
        ("netbox", EX),
        ("routers", SH),
    ]
    assert lab_locks.plan(reads=("netbox",), changes=("netbox",)) == [("netbox", EX)]
    assert lab_locks.plan() == []
    assert lab_locks.everything() == [("irrd-daemon", EX), ("irrd", EX), ("netbox", EX), ("routers", EX)]


def test_using_the_irrd_objects_reads_the_daemon_and_stopping_it_excludes_every_user():
    assert lab_locks.plan(changes=("irrd",)) == [("irrd-daemon", SH), ("irrd", EX)]
    assert lab_locks.plan(reads=("irrd-daemon",)) == [("irrd-daemon", SH)]
    assert lab_locks.plan(changes=("irrd-daemon", "irrd")) == [("irrd-daemon", EX), ("irrd", EX)]


@pytest.mark.parametrize(
    "declared, message",
    [
        ({"reads": ("netbox", "ripe")}, "unknown lab part(s) ripe: the parts are irrd-daemon, irrd, netbox, routers"),
        ({"changes": "netbox"}, "lab(changes=...) takes a tuple of parts, not the string 'netbox'"),
    ],
)
def test_a_wrong_declaration_is_refused_naming_it(declared, message):
    with pytest.raises((ValueError, TypeError)) as refused:
        lab_locks.plan(**declared)
    assert str(refused.value) == message


def test_readers_share_a_part_and_a_writer_holds_it_alone(tmp_path):
    with lab_locks.held(lab_locks.plan(reads=("netbox",), changes=("routers",)), tmp_path):
        assert can_take(tmp_path, "netbox", SH) and not can_take(tmp_path, "netbox", EX)
        assert not can_take(tmp_path, "routers", SH) and not can_take(tmp_path, "routers", EX)
        assert can_take(tmp_path, "irrd", EX)  # not used: free for anyone
    assert all(can_take(tmp_path, part, EX) for part in lab_locks.PARTS)  # released when the block ends


def marked_files(tmp_path, marks):
    """Lab test files (in an ``integration`` folder) declaring ``pytest.mark.lab(...)`` with each of ``marks``
    ({file name: the mark's arguments}); their paths by name, in the order given."""
    folder = tmp_path / "integration"
    folder.mkdir()
    files = {}
    for name, mark in marks.items():
        files[name] = folder / name
        files[name].write_text("import pytest\n\npytestmark = pytest.mark.lab(%s)\n" % mark)
    return files


def test_a_file_needing_only_the_irrd_running_goes_last_in_netboxs_lane(tmp_path):
    files = marked_files(
        tmp_path,
        {
            "test_parity.py": 'reads=("irrd-daemon",)',
            "test_bootstrap.py": 'changes=("netbox",)',
            "test_objects.py": 'reads=("irrd",)',
        },
    )
    assert lab_locks.lane(files["test_parity.py"]) == lab_locks.lane(files["test_bootstrap.py"]) == "lab lane: netbox"
    assert lab_locks.lane(files["test_objects.py"]) == "lab lane: irrd"
    assert lab_locks.rank(files["test_bootstrap.py"]) < lab_locks.rank(files["test_parity.py"])


def test_the_routers_lane_stops_the_irrd_last_after_what_changes_netbox_and_uses_the_irrd(tmp_path):
    files = marked_files(
        tmp_path,
        {
            "test_no_netbox.py": 'changes=("routers",)',
            "test_reads_netbox.py": 'reads=("netbox",), changes=("routers",)',
            "test_changes_netbox.py": 'changes=("netbox", "routers")',
            "test_uses_irrd.py": 'reads=("irrd",), changes=("netbox", "routers")',
            "test_stops_irrd.py": 'changes=("irrd-daemon", "irrd", "netbox", "routers")',
        },
    ).values()
    assert {lab_locks.lane(path) for path in files} == {"lab lane: routers"}
    assert sorted(files, key=lab_locks.rank) == list(files)


def test_a_module_waiting_to_change_a_part_goes_before_those_that_come_to_read_it_after(tmp_path):
    got, done = threading.Event(), threading.Event()

    def change_netbox():
        with lab_locks.held(lab_locks.plan(changes=("netbox",)), tmp_path):
            got.set()
            done.wait(10)

    with lab_locks.held(lab_locks.plan(reads=("netbox",)), tmp_path):
        writer = threading.Thread(target=change_netbox, daemon=True)
        writer.start()
        deadline = time.monotonic() + 10
        while can_take(tmp_path, "netbox", EX, kind="gate"):  # until the writer waits at the part, gate held
            assert time.monotonic() < deadline, "the writer never came to the gate"
            time.sleep(0.01)
        # a reader coming now waits at the gate, behind the writer, although the part is only read
        assert can_take(tmp_path, "netbox", SH) and not got.is_set()
    assert got.wait(10)  # the first reader gone, the writer has the part
    assert not can_take(tmp_path, "netbox", SH)
    done.set()
    writer.join(10)
    assert can_take(tmp_path, "netbox", EX) and can_take(tmp_path, "netbox", EX, kind="gate")
