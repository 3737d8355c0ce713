"""Characters no HTML, XML or JSON output may carry, found at their line and column.

Every text the build reads passes through here before YAML or Markdown see it, so a
control character, a line separator or a lone surrogate is an editor's error at its
place, never a crash or a feed that does not parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .diagnostics import Problems

REPORT_LIMIT = 10  # per file and kind of problem: the first ten, then a count


def _noncharacters() -> str:
    planes = "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(17))
    return "\ufdd0-\ufdef" + planes


# Not allowed in HTML/XML text (or invisible and breaking YAML's line count): C0
# controls but tab and newline, DEL, C1 controls, the Unicode line and paragraph
# separators, surrogates and noncharacters.
FORBIDDEN = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff{_noncharacters()}]")
_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def char_name(ch: str) -> str:
    """What an editor should be told a forbidden character is."""
    code = ord(ch)
    if code == 0:
        return "空字符 U+0000（NUL）"
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"不可见的控制字符 U+{code:04X}"
    if ch in "\u2028\u2029":
        return f"不可见的分行符 U+{code:04X}"
    if 0xD800 <= code <= 0xDFFF:
        return f"不成对的代理字符 U+{code:04X}"
    return f"非字符 U+{code:04X}（Unicode 规定不得用于文本）"


def clean_text(value: str) -> tuple[str, list[str]]:
    """Join surrogate pairs (an emoji written as "\\ud83d\\ude00") into the real
    character; return the text without forbidden characters, and those found."""
    if not FORBIDDEN.search(value):
        return value, []
    value = _SURROGATE_PAIR.sub(_join_pair, value)
    bad = FORBIDDEN.findall(value)
    return FORBIDDEN.sub("", value), bad


def _join_pair(match: re.Match) -> str:
    high, low = (ord(c) for c in match.group())
    return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))


@dataclass
class Capped:
    """Reports at most REPORT_LIMIT problems of one kind in one file, then a count,
    so a pasted binary does not bury everything else."""

    rel: str
    problems: Problems
    count: int = 0
    last_line: int = 0

    def add(self, line: int, field_name: str, message: str) -> None:
        self.count += 1
        if self.count <= REPORT_LIMIT:
            self.problems.add(self.rel, line, field_name, message)
            self.last_line = line

    def finish(self, what: str) -> None:
        if self.count > REPORT_LIMIT:
            self.problems.add(self.rel, self.last_line, "", f"此后还有 {self.count - REPORT_LIMIT} 处{what}未列出，请一并处理")
