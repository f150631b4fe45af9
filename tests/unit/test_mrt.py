# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MRT reading (``observe.mrt``): the real RIPE RIS updates file of ../shared/data/bgp read whole, with what must
hold of every announcement a route collector records from its eBGP peers (the peer's AS first in the path, only
well-formed prefixes); and the AS path as RFC 6793 and RFC 5065 say, on attributes in mrtparse's own form."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.observe.mrt import announcements, as_path
from test_renderers import SHARED

RIS_UPDATES = SHARED / "data" / "bgp" / "ris_updates.20160811.1600.gz"


def segment(kind, *asns):
    code = {"AS_SET": 1, "AS_SEQUENCE": 2, "AS_CONFED_SEQUENCE": 3, "AS_CONFED_SET": 4}[kind]
    return {"type": {code: kind}, "length": len(asns), "value": [str(a) for a in asns]}


def attribute(name, *segments):
    return {"type": {2 if name == "AS_PATH" else 17: name}, "value": list(segments)}


@pytest.fixture(scope="module")
def ris():
    return list(announcements(RIS_UPDATES))


def test_every_announcement_of_the_ris_file_is_read(ris):
    assert len(ris) > 10000
    families = {ipaddress.ip_network(p).version for a in ris for p in a.prefixes}
    assert families == {4, 6}  # IPv4 NLRI and MP_REACH_NLRI both
    assert all(a.path and a.path[0] == a.peer_asn for a in ris)  # eBGP peers put their AS first
    assert all(ipaddress.ip_network(p, strict=True) for a in ris for p in a.prefixes)
    assert all(a.timestamp >= 1470931200 for a in ris)  # 2016-08-11 16:00 UTC, the file's first second


def test_as4_path_rebuilds_what_a_2_octet_session_carried_as_as_trans():
    attributes = [
        attribute("AS_PATH", segment("AS_SEQUENCE", 3356, 23456, 23456, 65001)),
        attribute("AS4_PATH", segment("AS_SEQUENCE", 196608, 200000, 65001)),
    ]
    assert as_path(attributes) == (3356, 196608, 200000, 65001)


def test_an_as4_path_longer_than_as_path_is_ignored():
    attributes = [
        attribute("AS_PATH", segment("AS_SEQUENCE", 23456, 65001)),
        attribute("AS4_PATH", segment("AS_SEQUENCE", 1, 2, 3)),
    ]
    assert as_path(attributes) == (23456, 65001)


def test_as_sets_are_frozensets_and_confederation_segments_are_left_out():
    attributes = [
        attribute(
            "AS_PATH",
            segment("AS_CONFED_SEQUENCE", 64512),
            segment("AS_SEQUENCE", 3356, 1299),
            segment("AS_SET", 65001, 65002),
        )
    ]
    assert as_path(attributes) == (3356, 1299, frozenset({65001, 65002}))


def test_importing_the_reader_leaves_the_process_s_sigpipe_handler_alone():
    # mrtparse sets SIGPIPE to its default when imported: a test worker writing to a closed socket would die
    code = (
        "import signal; before = signal.getsignal(signal.SIGPIPE); "
        "import ansible_collections.routesec.bgp.plugins.module_utils.observe.mrt as mrt; "
        "assert mrt.mrtparse is not None; assert signal.getsignal(signal.SIGPIPE) == before, 'changed'"
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    )


def test_a_file_that_cannot_be_read_is_refused_naming_it(tmp_path):
    with pytest.raises(DataError, match="MRT file .*missing.mrt"):
        list(announcements(tmp_path / "missing.mrt"))
