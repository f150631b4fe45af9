# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The RPKI CAs ROAs are published through, by name: which client talks to each one.

A CA client reads the CA's current ROAs (``current_roas()``) and submits a plan
(``submit(plan)``). ARIN has no API routesec writes through: its ROA requests are
rendered for people to sign (``arin``). A new CA is a client file and a line in
``CAS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DataError
from .ca_krill import KrillCa
from .ca_ripe import RIPE_PRODUCTION, RipeNccCa


@dataclass
class CaAccess:
    """Where and how to reach a CA's API."""

    url: str | None = None
    handle: str | None = None
    api_key: str | None = None
    timeout: int = 30


def ripe(access: CaAccess) -> RipeNccCa:
    return RipeNccCa(access.api_key, access.url or RIPE_PRODUCTION, timeout=access.timeout)


def krill(access: CaAccess) -> KrillCa:
    return KrillCa(access.url, access.handle, access.api_key, timeout=access.timeout)


CAS = {"ripe": ripe, "krill": krill}
WITHOUT_API = ("none", "arin")  # no client: the VRPs say what is published, or requests are rendered


def ca_client(name: str, access: CaAccess):
    """The client of the CA ``name``; None for the CAs without one (WITHOUT_API); DataError for others."""
    if name in WITHOUT_API:
        return None
    if name not in CAS:
        known = ", ".join(list(WITHOUT_API) + sorted(CAS))
        raise DataError("unknown CA %r (known: %s)" % (name, known), field="ca")
    return CAS[name](access)
