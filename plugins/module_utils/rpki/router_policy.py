# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a router needs for origin validation: its RTR caches and what to do with each state."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DataError
from ..intent.model import check_number, parse_address

DEFAULT_RTR_PORT = 323


@dataclass(frozen=True)
class RtrCache:
    """An RPKI-to-router cache (a validator's RTR service). Lower ``preference`` is preferred (1..10)."""

    address: str
    port: int = DEFAULT_RTR_PORT
    preference: int = 1

    def __post_init__(self):
        where = "RTR cache %s" % self.address
        parse_address(self.address, where, "address")
        check_number(self.port, 1, 65535, where, "port")
        check_number(self.preference, 1, 10, where, "preference")

    @classmethod
    def from_dict(cls, data, where="RTR cache"):
        if not isinstance(data, dict) or not data.get("address"):
            raise DataError("expected a mapping with an address, got %r" % (data,), where, "address")
        return cls(str(data["address"]), data.get("port", DEFAULT_RTR_PORT), data.get("preference", 1))


@dataclass(frozen=True)
class RovPolicy:
    """Invalid routes are rejected (``reject_invalid``); not-found ones optionally get a lower local preference.
    With ``aspa`` the RTR sessions also carry ASPAs where the platform keeps them apart (BIRD's ASPA table, for
    the session policy's ASPA path verification)."""

    reject_invalid: bool = True
    not_found_local_pref: int | None = None
    aspa: bool = False

    def __post_init__(self):
        if self.not_found_local_pref is not None:
            check_number(self.not_found_local_pref, 0, 2**32 - 1, "ROV policy", "not_found_local_pref")
