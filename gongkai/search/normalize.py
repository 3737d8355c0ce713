"""The one normalisation table of search, shared by the index (Python) and the query
(JavaScript: the table is shipped in the index's entry file and applied there the
same way, and a test runs both over every character).

A text becomes a sequence of segments of kept characters (Han, letters, digits),
folded to one form: full-width to half-width, capitals to small letters. Quotes,
brackets, dots and dashes are dropped, so 信用“红黑名单” reads 信用红黑名单 and
聊政办发〔2019〕5号 reads 聊政办发20195号. Spaces and sentence punctuation (，。、；：
！？…) end a segment: n-grams never span two segments, and a query's segments are
its words, ANDed.
"""

from __future__ import annotations

import unicodedata
from functools import cache

SEPARATOR = " "  # joins segments in an indexed text; never a kept character

# Code point ranges whose characters are kept (after mapping).
KEEP = (
    (0x30, 0x39), (0x61, 0x7A),  # digits, small letters
    (0xDF, 0xF6), (0xF8, 0xFF), (0x100, 0x24F),  # Latin letters (capitals mapped below)
    (0x370, 0x3FF), (0x400, 0x4FF),  # Greek, Cyrillic
    (0x3005, 0x3007),  # 々 〆 〇 (〇 in 二〇一九年)
    (0x3041, 0x30FA), (0x30FC, 0x30FF),  # kana
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),  # Han
    (0xAC00, 0xD7AF),  # Hangul
    (0x20000, 0x3FFFF),  # Han beyond the BMP
)

# Dropped without ending a segment: invisible format characters (zero-width spaces, soft
# hyphens, bidi marks, variation selectors, tags), which text pasted from a word
# processor carries inside words.
DROP_RANGES = ((0x061C, 0x061C), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0xFE00, 0xFE0F), (0xE0000, 0xE0FFF))

# Look-alikes replaced by their compatibility form (NFKC) where that is one character:
# circled digits and letters (①号楼 is 1号楼), circled ideographs (㊤), and the CJK
# compatibility ideographs text converted from PDF carries (U+F90A is 金). A rule, not
# a table: the browser applies String.normalize("NFKC") in the same ranges.
NFKC_RANGES = ((0x2460, 0x24FF), (0x3200, 0x32FF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))

# Dropped too: quotes, brackets, dots, dashes, slashes, marks.
DROP = (
    "'\"`“”‘’„‟「」『』《》〈〉‹›«»()[]{}〔〕【】〖〗〘〙〚〛﹝﹞﹙﹚﹛﹜⦅⦆"
    "·・‧•∙.:-‐‑‒–_/\\*#~+^%&@$¥￥℃‰°′″\u00ad\u200b\u200c\u200d\u2060\ufeff"
)


def _mapping() -> dict[str, str]:
    table = {chr(c): chr(c + 32) for c in range(0x41, 0x5B)}  # A-Z
    table.update({chr(c): chr(c + 32) for c in range(0xC0, 0xDF) if c != 0xD7})  # À-Þ
    for c in range(0xFF01, 0xFF5F):  # full-width ASCII
        half = chr(c - 0xFEE0)
        table[chr(c)] = table.get(half, half)
    table["\u3000"] = " "  # ideographic space
    table["\uff5f"], table["\uff60"] = "(", ")"
    for lo, hi in ((0x100, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF)):  # capitals of other alphabets
        for code in range(lo, hi + 1):
            small = chr(code).lower()
            if len(small) == 1 and small != chr(code):
                table[chr(code)] = small
    for lo, hi in ((0x2E80, 0x2EFF), (0x2F00, 0x2FDF)):  # radicals, as text converted from PDF has them
        for code in range(lo, hi + 1):
            han = unicodedata.normalize("NFKC", chr(code))
            if len(han) == 1 and 0x4E00 <= ord(han) <= 0x9FFF:
                table[chr(code)] = han
    return table


MAP = _mapping()
_DROP = frozenset(DROP)


@cache
def kept(char: str) -> bool:
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in KEEP)


@cache
def fold(char: str) -> str:
    """A character after mapping: itself kept, "" dropped, SEPARATOR ending a segment."""
    if any(lo <= ord(char) <= hi for lo, hi in NFKC_RANGES):
        compatible = unicodedata.normalize("NFKC", char)
        char = compatible if len(compatible) == 1 else char
    char = MAP.get(char, char)
    if kept(char):
        return char
    return "" if char in _DROP or any(lo <= ord(char) <= hi for lo, hi in DROP_RANGES) else SEPARATOR


def normalise(text: str, where: list[int] | None = None) -> str:
    """The text as the index sees it: kept characters, one SEPARATOR between segments,
    none at either end. `where`, if given, receives for each character of text the
    position in the result where it (or what follows it) lands."""
    out: list[str] = []
    for char in text:
        if where is not None:
            where.append(len(out))
        folded = fold(char)
        if folded == SEPARATOR:
            if out and out[-1] != SEPARATOR:
                out.append(SEPARATOR)
        elif folded:
            out.append(folded)
    if out and out[-1] == SEPARATOR:
        out.pop()
    return "".join(out)


def words(text: str) -> list[str]:
    """A query's words: its segments."""
    return [w for w in normalise(text).split(SEPARATOR) if w]


def table() -> dict:
    """The table as the client gets it (in the entry file)."""
    return {
        "map": "".join(f"{k}{v}" for k, v in sorted(MAP.items())),
        "drop": "".join(sorted(_DROP)),
        "dropRanges": [list(r) for r in DROP_RANGES],
        "nfkc": [list(r) for r in NFKC_RANGES],
        "keep": [list(r) for r in KEEP],
    }


# -- the same, on arrays: how the index normalises whole documents -------------------------

_DROPPED = 0xFFFFFFFF  # in the lookup table: dropped; 0 there ends a segment


@cache
def _lookup():
    import numpy as np

    table = np.zeros(0x10000, dtype=np.uint32)
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        folded = fold(chr(code))
        table[code] = ord(folded) if folded not in ("", SEPARATOR) else (_DROPPED if folded == "" else 0)
    return table


@cache
def _astral():
    import numpy as np

    lo, hi = NFKC_RANGES[-1]
    return np.array([ord(fold(chr(code))) for code in range(lo, hi + 1)], dtype=np.uint32)


def codes(text: str, where: bool = False):
    """normalise(text) as an array of code points with 0 for SEPARATOR (and, with where,
    the array of positions `normalise(text, where)` fills in), computed without a
    Python loop over characters. A test holds it equal to normalise()."""
    import numpy as np

    raw = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    astral = (raw >= KEEP[-1][0]) & (raw <= KEEP[-1][1])
    hidden = (raw >= DROP_RANGES[-1][0]) & (raw <= DROP_RANGES[-1][1])
    lo, hi = NFKC_RANGES[-1]  # the compatibility ideographs beyond the BMP
    compatible = _astral()[np.clip(raw, lo, hi) - lo]
    mapped = np.where(raw < 0x10000, _lookup()[np.minimum(raw, 0xFFFF)],
                      np.where((raw >= lo) & (raw <= hi), compatible,
                               np.where(astral, raw, np.where(hidden, _DROPPED, 0))))
    kept = mapped != _DROPPED
    reduced = mapped[kept]
    gap = reduced == 0
    after_gap = np.concatenate(([True], gap[:-1])) if len(reduced) else gap
    emit = ~gap | ~after_gap  # a character, or the first separator after one
    out = reduced[emit]
    if len(out) and out[-1] == 0:
        out = out[:-1]
    if not where:
        return out
    before = np.concatenate(([0], np.cumsum(emit)))  # emitted before each reduced index
    index = np.cumsum(kept) - kept  # the reduced index each raw character is at (or before)
    return out, before[index]
