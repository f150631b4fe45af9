# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Regular expressions over AS numbers, for platforms whose AS-path filters are regular expressions.

``number_pattern(first, last)`` matches exactly the decimal numbers from ``first`` to ``last`` (no leading
zeros): the range is cut where its digits allow one character class per position, so 64496-131071 becomes
``6449[6-9]|64[5-9][0-9]{2}|...|13107[01]``. ``ranges_pattern`` joins several ranges.
"""

from __future__ import annotations


def number_pattern(first: int, last: int) -> str:
    """An alternation matching the decimal integers ``first``..``last`` and nothing else."""
    return "|".join(_pieces(first, last))


def ranges_pattern(ranges) -> str:
    """An alternation matching the integers of every (first, last) range."""
    return "|".join(piece for first, last in ranges for piece in _pieces(first, last))


def _pieces(first, last):
    if first > last:
        return []
    if len(str(first)) != len(str(last)):  # split at each power of ten
        top = 10 ** len(str(first)) - 1
        return _pieces(first, top) + _pieces(top + 1, last)
    return [_same_length(str(a), str(b)) for a, b in _aligned(first, last)]


def _aligned(first, last):
    """Split first..last (same number of digits) into ranges whose numbers share a prefix and then run over
    whole digit positions: each one is a prefix, one class, and [0-9] repeated."""
    result, low = [], first
    while low <= last:
        step = 1  # the largest block of whole trailing positions that starts at low and fits
        while low % (step * 10) == 0 and low + step * 10 - 1 <= last:
            step *= 10
        count = min(10 - (low // step) % 10, (last - low + 1) // step)  # such blocks in a row, one digit each
        result.append((low, low + step * count - 1))
        low += step * count
    return result


def _same_length(a, b):
    """The pattern of a..b where they share a prefix, then differ in one digit, then run 0..9 throughout."""
    out = []
    for index, (x, y) in enumerate(zip(a, b)):
        if x == y:
            out.append(x)
            continue
        out.append("[%s-%s]" % (x, y) if int(y) - int(x) > 1 else "[%s%s]" % (x, y))
        rest = len(a) - index - 1
        out.append("[0-9]" if rest == 1 else "[0-9]{%d}" % rest if rest else "")
        break
    return "".join(out)
