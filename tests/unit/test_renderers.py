# -*- coding: utf-8 -*-
"""Prefix-list renderers for seven platforms: bgpq4 parity, round trips, real daemons.

bgpq4's own reference outputs (AS112, list ``NN``) are read at run time from
``shared/data/bgpq4-reference`` beside the repository. The ge/le forms are
compared with the installed bgpq4 fed by a fake IRRd on loopback; BIRD 2 and
OpenBGPD check what we render with their own parsers (``bird -p``, ``bgpd -n``).
The programs they run (bird, birdc, bgpd, bgpq4) are installed by scripts/setup.sh; none uses the network.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
import subprocess
from pathlib import Path

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import (
    PrefixEntry,
    PrefixList,
)
from ansible_collections.routesec.bgp.plugins.module_utils.render import (
    common,
    renderer,
)
from daemons import BIRD, FakeIRRd, address, bird_eval, fake_irrd

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
REFERENCE = SHARED / "data" / "bgpq4-reference"

# Our platform -> bgpq4's reference file stem and its options for the same output.
BGPQ4 = {
    "cisco_ios": ("ios", []),
    "cisco_iosxr": ("ios-xr", ["-X"]),
    "juniper_junos": ("junos", ["-J", "-z"]),
    "arista_eos": ("eos", ["-e"]),
    "nokia_sros": ("sros-mdcli", ["-n"]),
    "bird2": ("bird", ["-b"]),
    "openbgpd": ("openbgpd", ["-B", "-E"]),
}
PLATFORMS = sorted(BGPQ4)
FIRST_MATCH = {"cisco_ios", "arista_eos"}  # lists with actions; the rest are sets
KEY_STEP = {"cisco_ios": 5}  # IOS numbers unnumbered entries 5, 10, ...
AS112 = {
    4: ["192.31.196.0/24", "192.175.48.0/24"],
    6: ["2001:4:112::/48", "2620:4f:8000::/48"],
}
BGPD = Path("/usr/sbin/bgpd")


def entry(prefix, ge=None, le=None, action="permit"):
    return PrefixEntry(ipaddress.ip_network(prefix), ge, le, action)


def plist(name, afi, *entries, description=""):
    return PrefixList(name, afi, tuple(entries), description)


def render(platform, *lists):
    return renderer(platform).render_prefix_lists(list(lists))


def parse(platform, text):
    return renderer(platform).parse_prefix_lists(text)


def run(*command):
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def lines(text, strip=str.rstrip):
    return [strip(line) for line in text.strip("\n").splitlines()]


# Exact and ge/le entries per family; the last ones are given in a non-canonical
# spelling (bare ge, ge equal to the prefix length) that the model normalises.
MIXED = {
    4: [
        entry("192.31.196.0/24"),
        entry("10.0.0.0/8", le=24),
        entry("172.16.0.0/12", 16, 24),
        entry("198.18.0.0/15", 24, 24),
        entry("100.64.0.0/10", ge=20),
        entry("203.0.113.0/24", 24, 28),
    ],
    6: [
        entry("2001:4:112::/48"),
        entry("2001:db8::/32", le=48),
        entry("2620:4f:8000::/48", 56, 64),
        entry("fd00::/8", ge=48),
    ],
}


def bgpq4_part(platform, text):
    """The part of a rendering bgpq4 prints too.

    BIRD: we write the ``define`` bgpq4 leaves to the user. OpenBGPD: bgpq4's
    reference is a ``prefix { ... }`` filter fragment, ours a prefix-set; the
    tab-indented entry lines are the same.
    """
    if platform == "bird2":
        return text.removeprefix("define ")
    if platform == "openbgpd":
        return "\n".join(line for line in text.splitlines() if line.startswith("\t") and line != "\t}")
    return text


@pytest.mark.parametrize("afi", [4, 6])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_matches_bgpq4_reference(platform, afi):
    path = REFERENCE / f"{BGPQ4[platform][0]}--{afi}.txt"
    if not path.is_file():
        pytest.fail(f"bgpq4 reference {path} is not there: shared/ must sit beside the repository")
    ours = render(platform, plist("NN", afi, *map(entry, AS112[afi])))
    theirs = path.read_text()
    assert lines(bgpq4_part(platform, ours)) == lines(bgpq4_part(platform, theirs))


AS112_ROUTES = {
    "!g": "10.0.0.0/9 10.128.0.0/9 192.0.2.0/24 198.51.100.0/25 198.51.100.128/25",
    "!6": "2001:db8::/33 2001:db8:8000::/33 2001:4:112::/48",
}


class AS112Routes(FakeIRRd):
    """Every AS number announces the same few routes (enough for ``bgpq4 ... AS112``)."""

    def answer(self, query):
        return AS112_ROUTES.get(query[:2]) if query[2:4].lower() == "as" else None


@pytest.fixture(scope="module")
def irrd():
    with fake_irrd(AS112Routes) as server:
        yield address(server)


@pytest.mark.parametrize("options", [["-A", "-R"], ["-R"]], ids=["aggregate", "refine"])
@pytest.mark.parametrize("afi", [4, 6])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_ge_le_forms_match_bgpq4(irrd, platform, afi, options):
    """bgpq4 prints exact, ``le``, ``ge..le`` and ``ge == le`` entries; so do we.

    The entries are bgpq4's Cisco output read by our IOS parser. Lines are
    compared without indentation (bgpq4 1.9 indents EOS by 4, its master by 3),
    without BIRD's ``define`` and with OpenBGPD's set name unquoted as bgpq4's.
    """
    bgpq4 = ["bgpq4", "-h", irrd, "-S", "RIPE", f"-{afi}", "-l", "NN", *options]
    bgpq4.append(24 if afi == 4 else 48)
    entries = tuple(parse("cisco_ios", run(*bgpq4, "AS112").stdout)[(afi, "NN")].values())
    assert {common.shape(e)[0] for e in entries} >= {
        "exact",
        "range" if "-A" in options else "upto",
    }
    theirs = run(*bgpq4, *BGPQ4[platform][1], "AS112").stdout
    ours = render(platform, plist("NN", afi, *entries)).removeprefix("define ")
    ours = ours.replace('prefix-set "NN"', "prefix-set NN")
    assert lines(ours, str.strip) == lines(theirs, str.strip)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_round_trip_gives_canonical_entries(platform):
    lists = [plist("RT4", 4, *MIXED[4]), plist("RT6", 6, *MIXED[6])]
    parsed = parse(platform, render(platform, *lists))
    step = KEY_STEP.get(platform, 1)
    assert parsed == {(p.afi, p.name): {step * i: e for i, e in enumerate(p.entries, 1)} for p in lists}


def test_entries_hold_bgpq4s_canonical_form():
    got = [(e.ge, e.le) for e in MIXED[4]]
    assert got == [(None, None), (None, 24), (16, 24), (24, 24), (20, 32), (None, 28)]
    assert entry("10.0.0.0/8", 8, 8) == entry("10.0.0.0/8")
    assert entry("10.0.0.0/8", 8, 24) == entry("10.0.0.0/8", None, 24)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_same_name_for_both_families(platform):
    lists = [plist("NN", 4, *MIXED[4][:2]), plist("NN", 6, *MIXED[6][:2])]
    if platform == "bird2":
        with pytest.raises(DataError, match="one symbol per name"):
            render(platform, *lists)
        return
    text = render(platform, *lists)
    if platform not in FIRST_MATCH:  # one set holds both families
        opening = r'^\s*(?:prefix-set|prefix-list|route-filter-list) "?NN"?(?: \{)?$'
        assert len(re.findall(opening, text, re.MULTILINE)) == 1, text
    parsed = parse(platform, text)
    for source in lists:
        got = list(parsed[(source.afi, "NN")].values())
        assert got == list(source.entries)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_same_list_twice_is_refused(platform):
    twice = [
        plist("NN", 4, entry("192.0.2.0/24")),
        plist("NN", 4, entry("198.51.100.0/24")),
    ]
    with pytest.raises(DataError, match="given twice"):
        render(platform, *twice)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_deny_entries(platform):
    lists = [plist("NN", 4, entry("10.0.0.0/8", 9, 32, "deny"), entry("10.0.0.0/8"))]
    if platform not in FIRST_MATCH:
        with pytest.raises(DataError, match="no deny entries"):
            render(platform, *lists)
        return
    parsed = parse(platform, render(platform, *lists))
    assert [e.action for e in parsed[(4, "NN")].values()] == ["deny", "permit"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_description_cannot_inject_lines(platform):
    evil = "peer\nno router bgp 1\r\x00x"
    text = render(platform, plist("NN", 4, entry("192.0.2.0/24"), description=evil))
    assert not any(line.lstrip("# ").startswith("no router") for line in text.splitlines())
    assert list(parse(platform, text)[(4, "NN")].values()) == [entry("192.0.2.0/24")]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_empty_list_matches_nothing(platform):
    text = render(platform, plist("NN", 6))
    parsed = parse(platform, text)
    if platform in FIRST_MATCH:  # bgpq4's deny-all line for an empty list
        seq = KEY_STEP.get(platform, 1)
        assert parsed == {(6, "NN"): {seq: entry("::/0", action="deny")}}
    else:  # an empty set, accepted by BIRD and OpenBGPD (see the daemon tests)
        assert parsed == {}
        assert "NN" in text


@pytest.fixture(scope="module")
def big_list():
    subnets = ipaddress.ip_network("10.0.0.0/8").subnets(new_prefix=25)
    return PrefixList("BIG", 4, tuple(map(PrefixEntry, itertools.islice(subnets, 100_000))))


@pytest.mark.parametrize("platform", PLATFORMS)
def test_large_list_renders_every_entry(platform, big_list):
    text = render(platform, big_list)
    assert sum(1 for line in text.splitlines() if re.search(r"\d/\d", line)) == 100_000


# Running configuration as the devices show it (not as we render it): each holds
# 192.0.2.0/24 exact, 2001:db8::/32 le 48, and 10.0.0.0/8 with the (ge, le) given.
DEVICE_TEXT = {
    "cisco_ios": (
        (
            "ip prefix-list NN description customer\n"
            "ip prefix-list NN seq 5 permit 192.0.2.0/24\n"
            "ip prefix-list NN seq 10 permit 10.0.0.0/8 ge 16\n"
            "ipv6 prefix-list NN seq 5 permit 2001:DB8::/32 le 48\n"
        ),
        (16, 32),
    ),
    "arista_eos": (
        (
            "ip prefix-list NN\n"
            "   seq 10 permit 192.0.2.0/24\n"
            "   seq 20 permit 10.0.0.0/8 ge 16\n"
            "!\n"
            "ipv6 prefix-list NN seq 5 permit 2001:db8::/32 le 48\n"
        ),
        (16, 32),
    ),
    "cisco_iosxr": (
        ("prefix-set NN\n  # customer\n  192.0.2.0/24,\n  10.0.0.0/8 eq 16,\n  2001:db8::/32 le 48\nend-set\n!\n"),
        (16, 16),
    ),
    "juniper_junos": (
        (
            "policy-options {\n"
            "    /* customer */\n"
            "    prefix-list NN {\n"
            "        192.0.2.0/24;\n"
            "    }\n"
            "    prefix-list EMPTY;\n"
            "    route-filter-list NN {\n"
            "        10.0.0.0/8 orlonger;\n"
            "        2001:db8::/32 upto /48;\n"
            "    }\n"
            "    policy-statement P { term t { from { prefix-list NN; } then accept; } }\n"
            "}\n"
        ),
        (None, 32),
    ),
    "nokia_sros": (
        (
            "    policy-options {\n"
            '        prefix-list "NN" {\n'
            "            prefix 192.0.2.0/24 type exact {\n"
            "            }\n"
            "            prefix 10.0.0.0/8 type longer {\n"
            "            }\n"
            "            prefix 2001:db8::/32 type through {\n"
            "                through-length 48\n"
            "            }\n"
            "        }\n"
            "    }\n"
        ),
        (9, 32),
    ),
    "bird2": (
        (
            "define ASNS = [ 112, 113 ];\n"
            "# customer\n"
            "define NN = [ 192.0.2.0/24, 10.0.0.0/8+ ];\n"
            "define 'NN-6' = [ 2001:db8::/32{32,48} ];\n"
        ),
        (None, 32),
    ),
    "openbgpd": (
        ('prefix-set "NN" {\n\t192.0.2.0/24, 10.0.0.0/8 prefixlen > 15\n\t2001:db8::/32 maxlen 48\n}\n'),
        (16, 32),
    ),
}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_parses_what_the_device_shows(platform):
    text, (ge, le) = DEVICE_TEXT[platform]
    got = [e for entries in parse(platform, text).values() for e in entries.values()]
    want = [
        entry("192.0.2.0/24"),
        entry("10.0.0.0/8", ge, le),
        entry("2001:db8::/32", le=48),
    ]
    assert sorted(got, key=str) == sorted(want, key=str)


def daemon_lists(afi, ranged):
    """A list under a name that needs quoting, exact or with ge/le, and an empty one."""
    entries = MIXED[afi] if ranged else map(entry, AS112[afi])
    return [
        plist(f"AS-X.v{afi}", afi, *entries, description="from NetBox"),
        plist(f"EMPTY{afi}", afi),
    ]


@pytest.mark.parametrize("ranged", [False, True], ids=["exact", "ge-le"])
@pytest.mark.parametrize("afi", [4, 6])
def test_bird_accepts_the_snippet(tmp_path, afi, ranged):
    lists = daemon_lists(afi, ranged)
    (tmp_path / "lists.conf").write_text(render("bird2", *lists))
    symbol = renderer("bird2").symbol
    uses = "".join(f"  if net ~ {symbol(p.name)} then accept;\n" for p in lists)
    conf = tmp_path / "bird.conf"
    conf.write_text(
        f'router id 192.0.2.1;\ninclude "lists.conf";\nfilter import_nn {{\n{uses}  reject;\n}}\nprotocol device {{}}\n'
    )
    check = run(BIRD, "-p", "-c", conf)
    assert check.returncode == 0, check.stderr


def test_bird_matches_the_lengths_we_mean(tmp_path):
    """A running BIRD evaluates ``net ~ SET`` at both edges of every entry's lengths."""
    lists = [plist("RT4", 4, *MIXED[4]), plist("RT6", 6, *MIXED[6])]
    questions = {"192.0.2.0/24 ~ EMPTY": False}
    for source, e in ((p, e) for p in lists for e in p.entries):
        low, high = common.length_range(e)
        own, top = e.prefix.prefixlen, e.prefix.max_prefixlen
        for length in {low - 1, low, high, high + 1} & set(range(own, top + 1)):
            net = next(e.prefix.subnets(new_prefix=length))
            questions[f"{net} ~ {source.name}"] = low <= length <= high
    (tmp_path / "lists.conf").write_text(render("bird2", *lists, plist("EMPTY", 4)))
    conf = tmp_path / "bird.conf"
    conf.write_text('router id 192.0.2.1;\ninclude "lists.conf";\nprotocol device {}\n')
    got = bird_eval(conf, questions, tmp_path)
    assert got == {q: "TRUE" if a else "FALSE" for q, a in questions.items()}


@pytest.mark.parametrize("ranged", [False, True], ids=["exact", "ge-le"])
@pytest.mark.parametrize("afi", [4, 6])
def test_openbgpd_accepts_and_reads_back_the_sets(tmp_path, afi, ranged):
    lists = daemon_lists(afi, ranged)
    snippet = tmp_path / "lists.conf"
    snippet.write_text(render("openbgpd", *lists))
    conf = tmp_path / "bgpd.conf"
    conf.write_text(
        "AS 64500\nrouter-id 192.0.2.1\n"
        f'include "{snippet}"\n'
        f'allow from any prefix-set "{lists[0].name}"\n'
        f'match from any prefix-set "{lists[1].name}" set localpref 50\n'
    )
    for path in (conf, snippet):
        path.chmod(0o600)
    check = run(BGPD, "-n", "-v", "-f", conf)
    assert check.returncode == 0, check.stderr
    # bgpd prints the sets back in its own words (commas, maxlen, ...): same entries.
    shown = parse("openbgpd", check.stdout)[(afi, lists[0].name)]
    assert sorted(shown.values()) == sorted(lists[0].entries)
