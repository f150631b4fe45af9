# -*- coding: utf-8 -*-
"""Customer filters from the lab's real IRRd, deployed to a real FRR; and every way the IRR can fail."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

import pytest
from lab_helpers import REPO, irr_settled, lab_api, running_configs

pytestmark = pytest.mark.lab(changes=("irrd-daemon", "irrd", "netbox", "routers"))

CUSTOMER_V4 = [
    "ip prefix-list ROUTESEC-AS65000-IN-V4 seq 5 permit 198.51.100.0/24",
    "ip prefix-list ROUTESEC-AS65000-IN-V4 seq 10 permit 203.0.113.0/24",
]
CUSTOMER_V6 = "ipv6 prefix-list ROUTESEC-AS65000-IN-V6 seq 5 permit 2001:db8:1000::/36"
SETTLE = 15  # seconds a source of the lab IRRd must be unchanged before the IRR cache saves its answers


@pytest.fixture
def customer_of_r2(netbox):
    """NetBox as the lab seeds it: AS65000 is a customer of r2, announcing what AS65000:AS-CUSTOMERS
    holds; the test may point AS65000 at another AS-SET, restored afterwards."""
    asn = netbox.ipam.asns.get(asn=65000)
    r2 = netbox.dcim.devices.get(name="r2")

    def use(as_set):
        asn.update({"custom_fields": {"routesec_as_set": as_set}})

    use("AS65000:AS-CUSTOMERS")
    r2.update({"custom_fields": {"routesec_neighbor_asns": [asn.id]}})
    yield use
    use("AS65000:AS-CUSTOMERS")


@pytest.fixture(scope="module", autouse=True)
def routers_at_base():
    lab_api.reset()
    yield
    lab_api.reset()


@pytest.fixture(scope="module", autouse=True)
def irrd_up_at_the_end():
    """The tests that stop the IRRd leave it to the next one to start it again (one start, not two, of an IRRd
    that takes seconds to load); whatever ran, it is up when the module ends."""
    yield
    if not irrd_pids():
        irrd("up")


def irrd_pids():
    out = subprocess.run(["pgrep", "-u", "routesec-irrd"], capture_output=True, text=True, check=False).stdout
    return [int(pid) for pid in out.split()]


def irrd(command):
    done = subprocess.run(
        ["bash", str(REPO / "tests/lab/irrd.sh"), command], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, "irrd.sh %s failed:\n%s%s" % (command, done.stdout, done.stderr)


def test_check_mode_then_apply_then_idempotent(playbook, customer_of_r2, tmp_path):
    # answers are cached only from sources unchanged for the settle time: shortened from a minute, ample for
    # the lab IRRd's refresh after a change
    irr_settled(SETTLE + 1)
    cache = "routesec_irr_cache_dir=%s routesec_irr_cache_settle=%d" % (tmp_path / "irr-cache", SETTLE)
    before = running_configs()
    checked = playbook("customer_filters.yml", "--check", "--diff", "-e", cache)
    assert checked.rc == 0, checked.output
    (irr,) = checked.for_action("irr_filters")
    assert irr["result"]["irr_cache"]["saved"], irr["result"]["irr_cache"]
    report = irr["result"]["report"]["AS65000"]
    assert report["as_set"] == "AS65000:AS-CUSTOMERS" and report["ipv4"]["entries"] == 2
    assert all(line in checked.by_host("prefix_filter")["r2"]["commands"] for line in CUSTOMER_V4)
    assert not any("AS65000" in line for line in checked.by_host("prefix_filter")["r1"]["commands"])
    assert running_configs() == before

    applied = playbook("customer_filters.yml", "--diff", "-e", cache)
    assert applied.rc == 0, applied.output
    (irr_applied,) = applied.for_action("irr_filters")  # the real run reuses what the check run asked
    assert irr_applied["result"]["irr_cache"]["results_loaded"] > 0 and irr_applied["result"]["irr_queries"] == 3
    assert irr_applied["result"]["report"] == irr["result"]["report"]
    config = lab_api.running_config("r2")
    assert all(line in config for line in CUSTOMER_V4) and CUSTOMER_V6 in config
    assert "ROUTESEC-AS65000" not in lab_api.running_config("r1")

    again = playbook("customer_filters.yml")
    assert again.rc == 0, again.output
    assert all(r["changed"] is False for r in again.by_host("prefix_filter").values())


ACCEPTED = {4: {"203.0.113.0/24", "198.51.100.0/24"}, 6: {"2001:db8:1000::/36"}}
REJECTED = {
    4: {"10.20.0.0/16", "93.184.216.0/24"},  # registered to AS65001 but a bogon; not registered at all
    6: {"2001:db8:2000::/36"},  # not registered
}
CUST = {4: "198.18.0.101", 6: "fdff:5e5::101"}


def test_r2_accepts_only_the_customers_registered_routes(playbook, customer_of_r2):
    for afi in (4, 6):
        for prefix in sorted(ACCEPTED[afi] | REJECTED[afi]):
            lab_api.exabgp("announce route %s next-hop self" % prefix, speaker="cust")
    run = playbook("customer_filters.yml")
    assert run.rc == 0, run.output
    (irr,) = run.for_action("irr_filters")
    assert irr["result"]["report"]["AS65000"]["ipv4"]["bogons_dropped"] == 1
    config = lab_api.running_config("r2")
    assert "10.20.0.0/16" not in config and all(line in config for line in CUSTOMER_V4)

    def settled():
        got = {afi: lab_api.received_from("r2", CUST[afi], afi) for afi in (4, 6)}
        return got if got == ACCEPTED else None

    got = lab_api.wait_for(settled, timeout=30)
    assert not (got[4] & REJECTED[4]) and not (got[6] & REJECTED[6])


def assert_irr_refusal(run, before, *fragments):
    assert run.rc != 0
    failures = run.for_action("irr_filters", "failed")
    assert failures, run.output
    message = failures[0]["result"]["msg"]
    for fragment in fragments:
        assert fragment in message, message
    assert not run.for_action("prefix_filter"), "no router task may run after a refusal"
    assert running_configs() == before
    return message


def test_a_set_nested_past_the_depth_limit_is_refused(playbook, customer_of_r2):
    customer_of_r2("AS65000:AS-DEEP-1")
    before = running_configs()
    run = playbook("customer_filters.yml")
    assert_irr_refusal(
        run,
        before,
        "AS-SET AS65000:AS-DEEP-1: cannot be expanded completely",
        "deeper than max_depth 20",
        "AS65000:AS-DEEP-21",
        "allow_too_deep",
    )


def test_a_missing_set_is_refused(playbook, customer_of_r2):
    customer_of_r2("AS65000:AS-NO-SUCH-SET")
    before = running_configs()
    run = playbook("customer_filters.yml")
    assert_irr_refusal(run, before, "AS-SET AS65000:AS-NO-SUCH-SET: is not in the IRR")


def test_a_looping_set_expands_and_its_empty_result_is_refused(playbook, customer_of_r2):
    customer_of_r2("AS65000:AS-LOOP-A")
    before = running_configs()
    run = playbook("customer_filters.yml")
    assert_irr_refusal(run, before, "AS-SET AS65000:AS-LOOP-A: the IRR holds no route or route6 object", "allow_empty")


def test_irrd_slower_than_the_timeout(playbook, customer_of_r2):
    before = running_configs()
    pids = irrd_pids()
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    started = time.monotonic()
    try:
        run = playbook("customer_filters.yml", "-e", "routesec_irr_timeout=3")
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
    assert time.monotonic() - started < 120
    assert_irr_refusal(run, before, "IRR 127.0.0.1:8043: no answer within 3 s")


def kill_irrd_once_queried(delay=1.0, timeout=60):
    """Stop IRRd ``delay`` seconds after a whois client has connected to it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        connected = subprocess.run(
            ["ss", "-Htn", "state", "established", "( sport = :8043 )"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if connected:
            time.sleep(delay)
            irrd("down")
            return
        time.sleep(0.05)


def test_irrd_stopped_mid_run(playbook, customer_of_r2):
    """IRRd goes down while the large AS3326:AS-PEERS-UAE (51k origins, 16 levels) is being walked."""
    customer_of_r2("AS3326:AS-PEERS-UAE")
    before = running_configs()
    killer = threading.Thread(target=kill_irrd_once_queried)
    killer.start()
    try:
        run = playbook("customer_filters.yml", "-e", "routesec_irr_timeout=5")
    finally:
        killer.join()  # the IRRd stays down for the next test, which starts it again (irrd_up_at_the_end otherwise)
    message = assert_irr_refusal(run, before, "IRR 127.0.0.1:8043")
    assert "cannot be expanded completely" not in message


def test_irrd_stopped(playbook, customer_of_r2):
    before = running_configs()
    irrd("down")  # already down after the test before: it takes no time then
    try:
        run = playbook("customer_filters.yml")
    finally:
        irrd("up")
    assert_irr_refusal(run, before, "127.0.0.1:8043", "Connection refused")
