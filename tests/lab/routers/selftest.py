"""End-to-end check of the lab's routers; not collected by pytest (no test_ prefix).

    bash tests/lab/routers.sh up
    PYTHON_WITH_NETMIKO tests/lab/routers/selftest.py

1. ExaBGP announces 185.230.76.0/24 and 2a0f:b300::/32; r1 and r2 receive them
   (IPv4 over the IPv4 sessions, IPv6 over the IPv6 sessions).
2. transit receives nothing while ROUTESEC-OWN-V4/V6 do not exist; r2 accepts
   nothing from the customer speaker cust while ROUTESEC-AS65000-IN-V4 does not
   exist, then (pushed with vtysh) only the routes it permits.
3. Over SSH with netmiko (cisco_ios, r1's host key checked), r1 gets
   "ip prefix-list ROUTESEC-OWN-V4 seq 5 permit 185.230.76.0/24" and saves it;
   transit then receives the route from r1 (FRR re-evaluates the outbound
   route-map by itself, after "bgp route-map delay-timer", 5 s by default), not
   from r2. The IPv6 list is pushed with vtysh and "clear bgp ... soft out".
4. routers.sh reset brings everything back to the base state.
Prints timings; exits non-zero on the first failure.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import lab_api as lab

V4 = "185.230.76.0/24"
V6 = "2a0f:b300::/32"
CUST = "203.0.113.0/24"
CUST_OTHER = "192.0.2.0/24"


def step(text):
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def main():
    from netmiko import ConnectHandler

    lab.wait_for(lab.all_established, timeout=60, message="sessions Established")
    assert not lab.received_prefixes("transit", 4), lab.received_prefixes("transit", 4)

    step("ExaBGP announces")
    lab.exabgp(f"announce route {V4} next-hop self")
    lab.exabgp(f"announce route {V6} next-hop fdff:5e5::100")
    for node in ("r1", "r2"):
        lab.wait_for(lambda n=node: V4 in lab.received_from(n, "198.18.0.100"), 10)
        lab.wait_for(lambda n=node: V6 in lab.received_from(n, "fdff:5e5::100"), 10)
        assert V4 in lab.vtysh(node, "show bgp ipv4 unicast")
    assert not lab.received_from("r1", "fdff:5e5::100", 4), "IPv4 route over IPv6 session"

    step("no prefix-list: transit and r2 (from cust) must stay empty for 7 s")
    for prefix in (CUST, CUST_OTHER):
        lab.exabgp(f"announce route {prefix} next-hop self", speaker="cust")
    time.sleep(7)
    assert not lab.received_prefixes("transit", 4), lab.received_prefixes("transit", 4)
    assert not lab.received_prefixes("transit", 6), lab.received_prefixes("transit", 6)
    assert not lab.received_from("r2", "198.18.0.101"), lab.received_from("r2", "198.18.0.101")

    step("vtysh: ROUTESEC-AS65000-IN-V4 on r2 + clear bgp soft in")
    lab.vtysh("r2", f"configure terminal\nip prefix-list ROUTESEC-AS65000-IN-V4 seq 5 permit {CUST}")
    lab.vtysh("r2", "clear bgp ipv4 unicast 198.18.0.101 soft in")
    lab.wait_for(lambda: CUST in lab.received_from("r2", "198.18.0.101"), 10, 0.1)
    assert lab.received_from("r2", "198.18.0.101") == {CUST}, lab.received_from("r2", "198.18.0.101")
    assert CUST not in lab.received_prefixes("r1"), "cust has no session with r1"

    step("netmiko: push ROUTESEC-OWN-V4 to r1")
    host, port = lab.SSH["r1"]
    t0 = time.monotonic()
    conn = ConnectHandler(
        device_type="cisco_ios",
        host=host,
        port=port,
        username=lab.SSH_USERNAME,
        password=lab.SSH_PASSWORD,
        # r1's host key checked against the lab's known_hosts before logging in
        ssh_strict=True,
        alt_host_keys=True,
        alt_key_file=str(lab.known_hosts()),
    )
    assert conn.base_prompt == "r1", conn.base_prompt
    before = conn.send_command("show running-config")
    assert "router bgp 64500" in before
    conn.send_config_set([f"ip prefix-list ROUTESEC-OWN-V4 seq 5 permit {V4}"])
    saved = conn.save_config()
    assert "bgpd.conf" in saved, saved
    after = conn.send_command("show running-config")
    conn.disconnect()
    pushed = time.monotonic()
    assert f"ip prefix-list ROUTESEC-OWN-V4 seq 5 permit {V4}" in after
    step(f"netmiko connect+read+config+save+read: {pushed - t0:.2f} s")
    saved_file = lab.state_dir() / "r1" / "etc" / "bgpd.conf"
    assert "ROUTESEC-OWN-V4 seq 5" in saved_file.read_text(), "write memory did not save"

    lab.wait_for(lambda: V4 in lab.received_from("transit", "198.18.0.1"), 30, 0.1)
    step(f"transit has {V4} from r1 {time.monotonic() - pushed:.1f} s after the push")
    assert not lab.received_from("transit", "198.18.0.2"), "r2 announced without a list"
    assert not lab.received_prefixes("transit", 6)

    step("vtysh: ROUTESEC-OWN-V6 on r2 + clear bgp soft out")
    t0 = time.monotonic()
    lab.vtysh("r2", f"configure terminal\nipv6 prefix-list ROUTESEC-OWN-V6 seq 5 permit {V6}")
    lab.vtysh("r2", "clear bgp ipv6 unicast fdff:5e5::10 soft out")
    lab.wait_for(lambda: V6 in lab.received_from("transit", "fdff:5e5::2"), 30, 0.1)
    step(f"transit has {V6} from r2 {time.monotonic() - t0:.1f} s after the push")

    step("withdraw from ExaBGP")
    lab.exabgp(f"withdraw route {V4} next-hop self")
    lab.wait_for(lambda: not lab.received_prefixes("transit", 4), 10)
    lab.wait_for(lambda: not lab.received_from("r2", "198.18.0.100"), 10)
    assert lab.received_from("r2", "198.18.0.101") == {CUST}

    step("reset")
    lab.exabgp(f"announce route {V4} next-hop self")
    t0 = time.monotonic()
    lab.reset()
    step(f"reset took {time.monotonic() - t0:.1f} s")
    for node in lab.NODES:
        for afi in (4, 6):
            assert not lab.received_prefixes(node, afi), (node, afi)
        pushed_lines = [
            line
            for line in lab.running_config(node).splitlines()
            if line.startswith(("ip prefix-list", "ipv6 prefix-list"))
        ]
        assert not pushed_lines, (node, pushed_lines)
    assert lab.all_established()
    step("OK")


if __name__ == "__main__":
    main()
