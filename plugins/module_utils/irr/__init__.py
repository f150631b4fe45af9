# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IRR access: a pipelined client of IRRd's whois protocol (``whois``) and
AS-SET expansion and route collection on top of it (``expand``)."""

from __future__ import annotations
