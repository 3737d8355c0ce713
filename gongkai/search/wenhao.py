"""文号 (发文字号): 机关代字 + year + serial number, read from any common writing.

聊政办发〔2019〕5号, 聊政办发[2019]5号, 聊政办发(2019)5号, 聊政办发【2019】5号,
聊政办发﹝2019﹞第5号, 聊政办发2019年5号, "聊政办发 2019 5", with full-width digits too.
A query or a document's own 文号 field is read leniently (the whole text must be the
文号); a body is read strictly (brackets and 号 required), since 2019年5月 is not one.
The same rules are written once more in search.js, and a test runs both on the same
strings.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .normalize import MAP

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\u3007"
_OPEN, _CLOSE = "〔[(【﹝〖", "〕])】﹞〗"
# Written out rather than \s and \d, whose meaning differs between Python and JavaScript.
_S = "[ \t\n\r\f\v]"
_YEAR = "(?:19|20)[0-9][0-9]"
_SERIAL = f"第?{_S}*([0-9]{{1,5}}){_S}*"
# Lenient: the whole text is one 文号.
_WHOLE = re.compile(
    rf"^{_S}*([{_HAN}]{{1,16}}){_S}*(?:[{re.escape(_OPEN)}]{_S}*({_YEAR}){_S}*[{re.escape(_CLOSE)}]|({_YEAR}){_S}*年|({_YEAR})(?={_S})|({_YEAR})(?=第))"
    rf"{_S}*{_SERIAL}号?{_S}*$"
)
# Strict, inside running text: brackets and 号 required. Found from the bracket (a scan
# from every Han character would try 16 lengths at each); the 机关代字 is read backwards.
_CITED = re.compile(rf"{_S}*[{re.escape(_OPEN)}]{_S}*({_YEAR}){_S}*[{re.escape(_CLOSE)}]{_S}*{_SERIAL}号")
_RUN = re.compile(rf"[{_HAN}]{{1,16}}$")
SUFFIXES = 2  # the shortest 机关代字 a citation is also indexed under (国发, 中发)
LONGEST = 10


class Wenhao(NamedTuple):
    agency: str  # 机关代字
    year: int
    serial: int

    def __str__(self) -> str:
        return f"{self.agency}〔{self.year}〕{self.serial}号"

    def key(self) -> str:
        return f"#{self.agency}#{self.year}#{self.serial}"

    def partial_key(self) -> str:
        return f"#{self.agency}#{self.year}"


# Invisible characters (pasted from a word processor) go, as normalisation drops them.
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_NARROW = str.maketrans({**{c: m for c, m in MAP.items() if not m.isalpha()}, **dict.fromkeys(INVISIBLE)})


def _narrow(text: str) -> str:
    """Full-width digits, brackets and spaces as ASCII, nothing else changed."""
    return text.translate(_NARROW)


def parse(text: str) -> Wenhao | None:
    """The 文号 that is the whole text, or None."""
    match = _WHOLE.match(_narrow(text))
    if not match:
        return None
    year = next(g for g in match.groups()[1:5] if g)
    return Wenhao(match.group(1), int(year), int(match.group(6)))


def cited(text: str) -> list[tuple[Wenhao, int]]:
    """Every 文号 written in running text, with its offset. The characters before the
    bracket may include words that are not part of the 机关代字 (根据鲁政办发〔2019〕15号):
    each ending of that run from SUFFIXES to LONGEST characters is returned, so any of
    them finds it."""
    found = []
    narrow = _narrow(text)
    for match in _CITED.finditer(narrow):
        before = _RUN.search(narrow, max(0, match.start() - 16), match.start())
        if not before:
            continue
        run, year, serial = before.group(), int(match.group(1)), int(match.group(2))
        for size in range(min(len(run), LONGEST), SUFFIXES - 1, -1):
            found.append((Wenhao(run[-size:], year, serial), match.start() - size))
    return found


# A bracket or 年 after the year: 政务公开 2019 is two words, not a 文号.
_PARTIAL = re.compile(rf"^{_S}*([{_HAN}]{{1,16}}){_S}*(?:[{re.escape(_OPEN)}]{_S}*({_YEAR}){_S}*[{re.escape(_CLOSE)}]?|({_YEAR}){_S}*年){_S}*$")


def own(text: str) -> list[Wenhao]:
    """The 文号 a document's 发文字号 field gives it: the field as one 文号, or each one a
    field lists (聊政发〔2019〕19号、聊财预〔2019〕20号 for a joint document, 23号（代）)."""
    whole = parse(text)
    if whole:
        return [whole]
    found: list[Wenhao] = []
    for match in _CITED.finditer(_narrow(text)):
        before = _RUN.search(_narrow(text), max(0, match.start() - 16), match.start())
        if before:
            found.append(Wenhao(before.group(), int(match.group(1)), int(match.group(2))))
    return list(dict.fromkeys(found))


def partial(text: str) -> tuple[str, int] | None:
    """A 文号 without its serial number (聊政办发〔2019〕, 聊政办发2019年): 机关代字, year."""
    match = _PARTIAL.match(_narrow(text))
    return (match.group(1), int(match.group(2) or match.group(3))) if match else None
