# -*- coding: utf-8 -*-
"""An RPKI-to-router cache for tests: the ROAs and ASPAs of a validator's JSON file (rpki-client's ``roas`` and
``aspas``, read by routesec's own readers) served over RTR version 2 (draft-ietf-sidrops-8210bis: RFC 8210's
PDUs plus the ASPA PDU), to the routers' own RTR clients.

No packaged cache serves ASPAs: StayRTR 0.6 speaks RTR versions 0 and 1 only (its ASPA support was removed
before 0.6), FORT 1.6 version 1 at most. This one implements what the routers ask of a cache and nothing more:
a Reset Query gets a Cache Response, every IPv4 and IPv6 Prefix PDU, every ASPA PDU (customer AS, then its
provider ASes, ascending) and an End of Data; a Serial Query for the current serial gets an empty update, any
other a Cache Reset. It answers in the version the router asks in, up to 2; a PDU of a higher version gets the
Error Report "Unsupported Protocol Version". The data never changes while it runs.

Run it where the routers reach it (in their network namespace): ``python3 rtr_cache.py FILE ADDRESS PORT``, with
the collections' folder in ``PYTHONPATH``. It prints ``listening`` once it accepts connections.
"""

from __future__ import annotations

import ipaddress
import socket
import socketserver
import struct
import sys

from ansible_collections.routesec.bgp.plugins.module_utils.rpki.aspa import aspas_from_json
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.vrp import vrps_from_json

MAX_VERSION = 2
SERIAL_QUERY, RESET_QUERY, CACHE_RESPONSE, IPV4, IPV6, END_OF_DATA, CACHE_RESET, ERROR, ASPA = (
    1,
    2,
    3,
    4,
    6,
    7,
    8,
    10,
    11,
)
UNSUPPORTED_VERSION = 4
ANNOUNCE = 1
SESSION, SERIAL = 0x5EC, 1
REFRESH, RETRY, EXPIRE = 3600, 600, 7200


def header(version, kind, middle, length):
    """The 8 octets every PDU starts with: version, type, the 16-bit field its type gives, length."""
    return struct.pack("!BBHI", version, kind, middle, length)


def prefix_pdu(version, vrp):
    """An announced IPv4 or IPv6 Prefix PDU for ``vrp`` (rpki.vrp.Vrp)."""
    network = vrp.prefix
    kind, size = (IPV4, 20) if network.version == 4 else (IPV6, 32)
    body = struct.pack("!BBBB", ANNOUNCE, network.prefixlen, vrp.max_length, 0)
    return header(version, kind, 0, size) + body + network.network_address.packed + struct.pack("!I", vrp.asn)


def aspa_pdu(version, customer, providers):
    """An announced ASPA PDU: the flags and a zero octet in place of the session ID, then the ASes (an AS0 ASPA,
    which routesec reads as no provider, as the provider AS 0)."""
    ases = sorted(providers) or [0]
    first = struct.pack("!BB", ANNOUNCE, 0)
    return (
        struct.pack("!BB", version, ASPA)
        + first
        + struct.pack("!I", 12 + 4 * len(ases))
        + struct.pack("!%dI" % (1 + len(ases)), customer, *ases)
    )


def end_of_data(version):
    return header(version, END_OF_DATA, SESSION, 24) + struct.pack("!IIII", SERIAL, REFRESH, RETRY, EXPIRE)


def error_report(code, pdu, text):
    """An Error Report (in version 0, as a router that spoke a version we lack may not read ours)."""
    message = text.encode()
    length = 16 + len(pdu) + len(message)
    return (
        header(0, ERROR, code, length) + struct.pack("!I", len(pdu)) + pdu + struct.pack("!I", len(message)) + message
    )


class Cache(socketserver.StreamRequestHandler):
    """One router's RTR session."""

    def handle(self):
        while True:
            start = self.rfile.read(8)
            if len(start) < 8:
                return
            version, kind, _middle, length = struct.unpack("!BBHI", start)
            pdu = start + self.rfile.read(max(length - 8, 0))
            if version > MAX_VERSION:
                self.wfile.write(error_report(UNSUPPORTED_VERSION, pdu, "RTR version 2 at most"))
                return
            self.wfile.write(self.answer(version, kind, pdu))

    def answer(self, version, kind, pdu):
        if kind == RESET_QUERY:
            return self.full(version)
        if kind == SERIAL_QUERY:
            serial = struct.unpack("!I", pdu[8:12])[0]
            if serial == SERIAL:
                return header(version, CACHE_RESPONSE, SESSION, 8) + end_of_data(version)
            return header(version, CACHE_RESET, 0, 8)
        return b""  # an Error Report from the router, or a PDU a cache does not answer

    def full(self, version):
        parts = [header(version, CACHE_RESPONSE, SESSION, 8)]
        parts += [prefix_pdu(version, vrp) for vrp in self.server.vrps]
        if version >= 2:
            parts += [
                aspa_pdu(version, customer, providers) for customer, providers in sorted(self.server.aspas.items())
            ]
        return b"".join(parts + [end_of_data(version)])


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, text):
        family = socket.AF_INET6 if ipaddress.ip_address(address[0]).version == 6 else socket.AF_INET
        self.address_family = family
        super().__init__(address, Cache)
        self.vrps = vrps_from_json(text)
        self.aspas = aspas_from_json(text)


def main(path, address, port):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    with Server((address, int(port)), text) as server:
        print("listening", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main(*sys.argv[1:4])
