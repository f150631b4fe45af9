# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors raised by the routesec core.

Every error names the object and the field it is about, so that an operator can
find and fix the record in the source of truth without reading a traceback.
"""

from __future__ import annotations


class RoutesecError(Exception):
    """Base class: a refusal with a message meant for an operator."""

    def __init__(self, message, obj=None, field=None):
        self.obj = obj
        self.field = field
        self.reason = message
        where = []
        if obj:
            where.append(str(obj))
        if field:
            where.append("field '%s'" % field)
        prefix = (", ".join(where) + ": ") if where else ""
        super().__init__(prefix + message)


class DataError(RoutesecError):
    """The source of truth holds data that routesec will not act on."""


class SourceError(RoutesecError):
    """The source of truth could not be read (unreachable, error answer)."""


class SafetyError(RoutesecError):
    """A change was refused by a fail-closed guard."""


class TransportError(RoutesecError):
    """A device could not be reached or did not accept a change."""


class SubmitError(SourceError, SafetyError):
    """A change was sent to a registry or a CA and is not known to be (fully) applied: the registry or CA did
    not report (a SourceError), and trying again before reading it back is refused (a SafetyError).

    ``applied``, ``not_applied`` and ``unknown`` say, change by change, what was (as the client reports them:
    ROA texts for a CA, results and object keys for a registry), so that an operator reads the registry or CA
    back before trying again; ``summary`` is the message without that list.
    """

    def __init__(self, message, obj=None, applied=(), not_applied=(), unknown=(), listed=""):
        self.summary = message
        self.applied = applied
        self.not_applied = not_applied
        self.unknown = unknown
        super().__init__(message + listed, obj)
