# -*- coding: utf-8 -*-
"""AS-path filters for all eight platforms: bgpq4 -f parity, real daemons.

bgpq4's reference outputs (``*--asp.txt``: AS112 behind AS112) are read at run
time from ``shared/data/bgpq4-reference``; a 33-member AS-SET served by the fake
IRRd of test_prefix_ops is rendered by the installed bgpq4 (``-f PEER``) and by
us, with the peer among the origins or not, and empty. bgpq4 prints IOS's form
for FRR and EOS too (FRR: ``bgp as-path access-list NAME seq N``; EOS: `` any``
after the regex; bgpq4 1.9 refuses ``-e -f``). BIRD and OpenBGPD check what we
render with their own parsers, and a running BIRD evaluates the set.
"""

from __future__ import annotations

import re

import pytest
import test_prefix_ops
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import PLATFORMS, AsPathList
from ansible_collections.routesec.bgp.plugins.module_utils.render import render_as_path_lists, renderer
from daemons import BIRD, bird_eval
from test_renderers import BGPD, REFERENCE, lines, run

irr = test_prefix_ops.irr  # the fake IRRd, a fixture
address = test_prefix_ops.address

# Our platform -> bgpq4's reference file stem and options (FRR and EOS: IOS's, see as_bgpq4_prints).
BGPQ4 = {
    "cisco_ios": ("ios", []),
    "cisco_iosxr": ("ios-xr", ["-X"]),
    "juniper_junos": ("junos", ["-J"]),
    "nokia_sros": ("sros-mdcli", ["-n"]),
    "bird2": ("bird", ["-b"]),
    "openbgpd": ("openbgpd", ["-B"]),
    "frr": ("ios", []),
    "arista_eos": ("ios", []),
}


def as_bgpq4_prints(platform, text):
    """Our text in bgpq4's words: BIRD without ``define``, OpenBGPD without the naming
    comment, FRR and EOS in the IOS form bgpq4 prints for them."""
    if platform == "bird2":
        text = text.replace("define ", "")
    elif platform == "openbgpd":
        text = "".join(line for line in text.splitlines(True) if not line.startswith("#"))
    elif platform == "frr":
        text = re.sub(r"bgp as-path access-list (\S+) seq \d+ ", r"ip as-path access-list \1 ", text)
        text = text.replace("no bgp as-path", "no ip as-path")
    elif platform == "arista_eos":
        text = text.replace(" any\n", "\n")
    return text


def render(platform, *lists):
    return render_as_path_lists(platform, lists)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_matches_bgpq4_reference(platform):
    path = REFERENCE / f"{BGPQ4[platform][0]}--asp.txt"
    if not path.is_file():
        pytest.fail(f"bgpq4 reference {path} is not there: shared/ must sit beside the repository")
    ours = render(platform, AsPathList("NN", 112, (112,)))
    assert lines(as_bgpq4_prints(platform, ours)) == lines(path.read_text())


# 33 origins, 16- and 32-bit, public and private (bgpq4 needs -p to keep the private ones).
ORIGINS = (112, *range(1000, 1029), 64512, 196611, 4200000001)
SETS = {
    "peer-among-origins": (112, ORIGINS),
    "peer-not-among-origins": (113, ORIGINS),
    "one-origin": (113, (112,)),
    "no-origins": (112, ()),
}


def bgpq4(irr, peer, origins, options):
    irr.answers = {"!iAS-TEST,1": " ".join(f"AS{asn}" for asn in origins)}
    result = run("bgpq4", "-h", address(irr), "-S", "RIPE", "-p", "-l", "NN", "-f", peer, *options, "AS-TEST")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    if options == ["-X"]:  # bgpq4 1.9's stray comma after the name (fixed upstream in 0a83c75)
        text = text.replace("as-path-set NN,\n", "as-path-set NN\n")
    return text


@pytest.mark.parametrize("case", SETS)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_matches_bgpq4_for_an_as_set(irr, platform, case):
    peer, origins = SETS[case]
    ours = render(platform, AsPathList("NN", peer, origins))
    assert lines(as_bgpq4_prints(platform, ours)) == lines(bgpq4(irr, peer, origins, BGPQ4[platform][1]))


WIDTH = {"cisco_ios": 4, "frr": 4, "arista_eos": 4, "cisco_iosxr": 6, "juniper_junos": 8, "nokia_sros": 8}


@pytest.mark.parametrize("platform", sorted(WIDTH))
def test_many_origins_are_grouped(platform):
    """bgpq4's group sizes, one regex per group, every origin once (3,000 origins)."""
    text = render(platform, AsPathList("NN", 64500, tuple(range(10_000, 13_000))))
    width = WIDTH[platform]
    assert width == renderer(platform).AS_PATH_WIDTH
    groups = re.findall(r"\(((?:\d+\|)*\d+)\)\$|\[((?:\d+ )*\d+)\]", text)
    members = [re.split(r"[| ]", "".join(group)) for group in groups]
    assert len(members) == 3000 // width + (3000 % width > 0)
    assert [int(asn) for group in members for asn in group] == list(range(10_000, 13_000))
    assert {len(group) for group in members[:-1]} == {width}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_lists_render_in_order_and_twice_is_refused(platform):
    first, second = AsPathList("AS-A", 64501, (64501, 65001)), AsPathList("AS-B", 64502, (65002,))
    text = render(platform, first, second)
    assert text.index("AS-A") < text.index("AS-B")
    with pytest.raises(DataError, match="given twice"):
        render(platform, first, AsPathList("AS-A", 64502, ()))


def test_frr_numbers_entries_as_frr_does():
    """FRR 8.4 numbers as-path entries 5, 10, ... and shows them so (checked with a running bgpd)."""
    text = render("frr", AsPathList("NN", 112, ORIGINS))
    seqs = [int(seq) for seq in re.findall(r"^bgp as-path access-list NN seq (\d+) permit ", text, re.MULTILINE)]
    assert seqs == list(range(5, 5 * len(seqs) + 1, 5)) and len(seqs) == 1 + 8


def test_unknown_platform_is_refused():
    with pytest.raises(DataError, match="no renderer"):
        render_as_path_lists("vyos", [AsPathList("NN", 112, (112,))])


DAEMON_LISTS = (
    AsPathList("AS-X.v4", 112, ORIGINS),  # a name BIRD must quote
    AsPathList("EMPTY", 64500, ()),
)


def test_bird_accepts_and_matches_the_sets(tmp_path):
    """``bird -p`` accepts the snippet in a filter; a running BIRD answers membership and paths."""
    (tmp_path / "asp.conf").write_text(render("bird2", *DAEMON_LISTS))
    conf = tmp_path / "bird.conf"
    conf.write_text(
        'router id 192.0.2.1;\ninclude "asp.conf";\n'
        "filter from_peer {\n"
        "  if bgp_path.first = 112 && bgp_path.last ~ 'AS-X.v4' then accept;\n"
        "  if bgp_path.last ~ EMPTY then accept;\n"
        "  reject;\n}\nprotocol device {}\n"
    )
    check = run(BIRD, "-p", "-c", conf)
    assert check.returncode == 0, check.stderr
    questions = {f"{asn} ~ 'AS-X.v4'": True for asn in ORIGINS}
    questions.update({"113 ~ 'AS-X.v4'": False, "4294967295 ~ 'AS-X.v4'": False, "112 ~ EMPTY": False})
    questions["prepend(prepend(+empty+, 196611), 112).last ~ 'AS-X.v4'"] = True
    questions["prepend(prepend(+empty+, 1029), 112).last ~ 'AS-X.v4'"] = False
    got = bird_eval(conf, questions, tmp_path)
    assert got == {q: "TRUE" if a else "FALSE" for q, a in questions.items()}


def test_openbgpd_accepts_and_reads_back_the_rules(tmp_path):
    snippet = tmp_path / "asp.conf"
    snippet.write_text(render("openbgpd", *DAEMON_LISTS))
    conf = tmp_path / "bgpd.conf"
    conf.write_text(f'AS 64500\nrouter-id 192.0.2.1\ninclude "{snippet}"\n')
    for path in (conf, snippet):
        path.chmod(0o600)
    check = run(BGPD, "-n", "-v", "-f", conf)
    assert check.returncode == 0, check.stderr
    shown = [line for line in lines(check.stdout, str.strip) if line.startswith(("allow", "deny"))]
    assert shown == [line for line in lines(snippet.read_text()) if not line.startswith("#")]
