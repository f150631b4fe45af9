# -*- coding: utf-8 -*-
"""fastnet builds the same ipaddress networks as the constructors, and is as strict."""

from __future__ import annotations

import ipaddress
import random

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils import fastnet


@pytest.mark.parametrize("afi, network_class", [(4, ipaddress.IPv4Network), (6, ipaddress.IPv6Network)])
def test_same_networks_as_the_constructor(afi, network_class):
    build = fastnet.network_builder(afi)
    width = 32 if afi == 4 else 128
    generator = random.Random(afi)
    for _count in range(5000):
        length = generator.randint(0, width)
        value = generator.getrandbits(width) >> (width - length) << (width - length) if length else 0
        packed = value.to_bytes(width // 8, "big")
        made, reference = build(packed, length), network_class((packed, length))
        assert made == reference and hash(made) == hash(reference) and str(made) == str(reference)
        assert made.prefixlen == length and made.num_addresses == reference.num_addresses
        if length >= width - 8:
            assert list(made.hosts()) == list(reference.hosts())
        if length < width - 1:
            assert vars(made) == vars(reference)


@pytest.mark.parametrize("afi, packed, length", [(4, bytes([192, 0, 2, 1]), 24), (6, bytes(15) + b"\x01", 64)])
def test_host_bits_are_refused(afi, packed, length):
    with pytest.raises(ValueError, match="has host bits set"):
        fastnet.network_builder(afi)(packed, length)


def test_the_fast_builder_is_in_use_on_this_python():
    assert fastnet.BUILDERS[4].__qualname__.startswith("_fast") and fastnet.BUILDERS[6].__qualname__.startswith("_fast")
