# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Due diligence for a newly acquired address block: what registries and DNS say about it before it is announced.

A workflow. Imports from: base, intent, irr, rpki.
"""
