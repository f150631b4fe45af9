# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the world's routers see of the routes, as plain data for path validation and monitoring: route events
(``events``: a prefix announced with its AS path, or withdrawn, at a vantage point) from route collectors' MRT
files (``mrt``), from our routers over BMP (``bmp``, RFC 7854) and from BGP sessions through ExaBGP
(``exabgp``); ``feeds`` holds what the live feeds share (their status, the routes each peer holds, RFC 6793's
AS4_PATH).

Imports from: base.
"""
