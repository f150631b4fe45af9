# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the world's routers see of the routes: announcements read from route collectors' MRT files (and, later,
live feeds), as plain data for path validation and monitoring.

Imports from: base.
"""
